/* datadir.c — create or check a data dir before anything is written to it (datadir.h). */
#include "sys/datadir.h"
#include "sys/sysio.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"

int ot_datadir_prepare(const char *dir, char *err, size_t errlen)
{
    umask(077);
    if (ot_sys->mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create the data dir %s: %s", dir, strerror(errno));
        return OT_EIO;
    }
    struct stat st;
    if (stat(dir, &st) != 0) {
        snprintf(err, errlen, "cannot use the data dir %s: %s", dir, strerror(errno));
        return OT_EIO;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "the data dir %s is not a directory", dir);
        return OT_EINVAL;
    }
    if (st.st_uid != geteuid()) {
        snprintf(err, errlen,
                 "the data dir %s belongs to uid %u, not to the user running opentrail (uid %u): "
                 "its owner could replace its credentials and keys; refusing to use it. Run "
                 "opentrail as its owner, or 'chown -R %u %s'", dir, (unsigned)st.st_uid,
                 (unsigned)geteuid(), (unsigned)geteuid(), dir);
        return OT_EINVAL;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(err, errlen,
                 "the data dir %s is writable by %s (mode %04o): other local users could replace "
                 "its credentials and keys; refusing to use it. Make it private with "
                 "'chmod 700 %s' and start again", dir,
                 (st.st_mode & S_IWOTH) ? "everyone" : "its group",
                 (unsigned)(st.st_mode & 07777), dir);
        return OT_EINVAL;
    }
    return OT_OK;
}

/* datadir.h — a data dir that only the user running opentrail can change.
 *
 * The data dir holds the access keys (credentials), the digest signing keys, the WAL, state.db,
 * history.db and the buckets. Anyone who can write to the directory can replace any of them —
 * swap in their own credentials file, say — so a directory writable by group or others is
 * refused rather than used. Every command that writes to a data dir opens it with
 * ot_datadir_prepare first. */
#ifndef OT_DATADIR_H
#define OT_DATADIR_H

#include <stddef.h>

/* Makes the process umask 077, so every file created from now on is 0600 and every directory
 * 0700 whatever mode its creator asks for (SQLite creates its databases and their -wal/-shm
 * files 0644 otherwise); creates dir (0700) if it does not exist; then checks that it is a
 * directory not writable by group or others. Returns 0, or OT_EIO / OT_EINVAL with a message
 * for the user in err (what is wrong and the command that fixes it). */
int ot_datadir_prepare(const char *dir, char *err, size_t errlen);

#endif

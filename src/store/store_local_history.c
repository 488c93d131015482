/* store_local_history.c — every version of a bucket's policy, in the local backend.
 *
 * <root>/.policy-history/<bucket> is append-only, one JSON object per line:
 *     {"time":<ms>,"principal":"<arn>","eventId":"<uuid>","policy":"<document>"|null}
 * A change writes the policy file first (store_local_policy.c) and then appends its line and
 * fsyncs, both under policy_lock, so the history lists changes in the order they took effect.
 * A crash between the two leaves the policy changed without its line; a crash mid-append leaves
 * a torn last line, which readers skip and the next append starts after (it begins a new line).
 * Re-creating a bucket removes its history, like its policy. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/local_int.h"
#include "sys/sysio.h"
#include "util/err.h"
#include "util/json.h"
#include "util/jsonw.h"
#include "util/vec.h"

#define HISTORY_FILE_MAX (64 * 1024 * 1024) /* about 3,000 versions of 20 KB policies */

static struct local_store *L(ot_store *s) { return (struct local_store *)s; }

static int encode(ot_buf *b, const char *json, size_t len, const ot_policy_version *who)
{
    ot_jw w;
    ot_jw_init(&w, b);
    ot_jw_obj(&w);
    ot_jw_kint(&w, "time", who->time_ms);
    ot_jw_kstr(&w, "principal", who->principal);
    ot_jw_kstr(&w, "eventId", who->event_id);
    ot_jw_key(&w, "policy");
    if (json)
        ot_jw_strn(&w, json, len);
    else
        ot_jw_null(&w);
    ot_jw_end(&w);
    if (ot_jw_error(&w))
        return ot_jw_error(&w);
    return ot_buf_append(b, "\n", 1);
}

/* True if the file is empty or ends with a newline (no torn line to step over). */
static bool ends_clean(int fd)
{
    struct stat st;
    char last;
    if (fstat(fd, &st) != 0 || st.st_size == 0)
        return true;
    return pread(fd, &last, 1, st.st_size - 1) == 1 && last == '\n';
}

static int append(struct local_store *ls, const char *bucket, const ot_buf *rec)
{
    /* read and write: ends_clean reads the last byte */
    int fd = ot_sys->openat(ls->historyfd, bucket,
                            O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return local_errno_code(errno);
    int rc = OT_OK;
    bool created = lseek(fd, 0, SEEK_END) == 0;
    if (!ends_clean(fd))
        rc = local_write_all(fd, "\n", 1);
    if (!rc)
        rc = local_write_all(fd, rec->data, rec->len);
    if (!rc)
        rc = local_fsync(fd);
    ot_sys->close(fd);
    if (!rc && created) /* the new file's name must survive a crash too */
        rc = local_fsync(ls->historyfd);
    return rc;
}

int local_policy_set(ot_store *s, const char *bucket, const char *json, size_t len,
                     const ot_policy_version *who)
{
    struct local_store *ls = L(s);
    ot_buf rec;
    ot_buf_init(&rec, 0);
    int rc = encode(&rec, json, len, who), bfd;
    if (rc)
        goto out;
    pthread_mutex_lock(&ls->policy_lock);
    if (json) {
        rc = local_policy_put(s, bucket, json, len);
    } else if (!(rc = local_open_bucket(ls, bucket, &bfd))) {
        close(bfd);
        rc = local_policy_delete(s, bucket);
    }
    if (!rc)
        rc = append(ls, bucket, &rec);
    pthread_mutex_unlock(&ls->policy_lock);
out:
    ot_buf_free(&rec);
    return rc;
}

/* One line into v; false if it is torn or not a version record (skipped). */
static bool decode(const char *line, size_t n, ot_json_doc *d, ot_policy_version *v)
{
    ot_json root, t, pol;
    const char *s;
    size_t sl;
    int64_t ms;
    memset(v, 0, sizeof *v);
    if (ot_json_parse(d, line, n, false, &root, NULL, 0) || ot_json_get(root, "time", &t) ||
        ot_json_int64(t, &ms) || ot_json_get(root, "policy", &pol))
        return false;
    v->time_ms = ms;
    if (!ot_json_get_str(root, "principal", &s, &sl))
        snprintf(v->principal, sizeof v->principal, "%.*s", (int)sl, s);
    if (!ot_json_get_str(root, "eventId", &s, &sl))
        snprintf(v->event_id, sizeof v->event_id, "%.*s", (int)sl, s);
    if (ot_json_typeof(pol) != OT_JSON_STRING)
        return ot_json_typeof(pol) == OT_JSON_NULL;
    ot_json_str(pol, &s, &sl);
    if (!(v->policy = malloc(sl + 1)))
        return false;
    memcpy(v->policy, s, sl);
    v->policy[sl] = '\0';
    v->len = sl;
    return true;
}

static int read_file(struct local_store *ls, const char *bucket, char **buf, size_t *len)
{
    struct stat st;
    int fd = openat(ls->historyfd, bucket, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    *buf = NULL, *len = 0;
    if (fd < 0)
        return errno == ENOENT ? OT_OK : OT_EIO;
    int rc = OT_EIO;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > HISTORY_FILE_MAX)
        goto out;
    if (!(*buf = malloc((size_t)st.st_size + 1))) {
        rc = OT_ENOMEM;
        goto out;
    }
    ssize_t got = pread(fd, *buf, (size_t)st.st_size, 0);
    if (got < 0) {
        free(*buf), *buf = NULL;
        goto out;
    }
    (*buf)[got] = '\0';
    *len = (size_t)got;
    rc = OT_OK;
out:
    close(fd);
    return rc;
}

int local_policy_history(ot_store *s, const char *bucket, ot_policy_version **out, size_t *n)
{
    char *buf;
    size_t len, cap = 0;
    int rc = read_file(L(s), bucket, &buf, &len);
    ot_json_doc *d = rc ? NULL : ot_json_doc_new();
    if (!rc && !d)
        rc = OT_ENOMEM;
    for (size_t at = 0; !rc && at < len;) {
        const char *nl = memchr(buf + at, '\n', len - at);
        size_t ll = nl ? (size_t)(nl - (buf + at)) : len - at;
        ot_policy_version v;
        if (nl && decode(buf + at, ll, d, &v)) { /* no newline: torn by a crash */
            if (OT_VEC_GROW(*out, cap, *n + 1)) {
                free(v.policy);
                rc = OT_ENOMEM;
                break;
            }
            (*out)[(*n)++] = v;
        }
        at += ll + 1;
    }
    ot_json_doc_free(d);
    free(buf);
    if (rc) {
        ot_policy_versions_free(*out, *n);
        *out = NULL, *n = 0;
    }
    return rc;
}

int local_history_drop(struct local_store *ls, const char *bucket)
{
    if (ot_sys->unlinkat(ls->historyfd, bucket, 0) != 0)
        return errno == ENOENT ? OT_OK : local_errno_code(errno);
    return local_fsync(ls->historyfd);
}

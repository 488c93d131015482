/* vl_heads.c — how far each chain of an opentrail data dir reaches.
 *
 * The server's state.db keeps, per (trail, account, region), the end time of the newest digest
 * it committed and, until the chain is restarted, that digest's bucket and key (digest_chain,
 * with the trail's bucket, prefix and name in digest_trail: see src/digest/digest_db.c). A digest
 * is written to the bucket before it is committed there, so a head read BEFORE the bucket is
 * listed is always in the listing unless someone deleted it — which is how vl_tail.c tells a
 * truncated chain from a young one. state.db is opened read-only. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/err.h"
#include "util/vec.h"
#include "validate/vl_int.h"

static const char HEADS_SQL[] =
    "SELECT last_end_ms, prev_bucket, prev_key FROM digest_chain"
    " WHERE last_end_ms > 0 AND prev_key IS NOT NULL";

static const char *col(sqlite3_stmt *q, int i)
{
    const unsigned char *s = sqlite3_column_text(q, i);
    return s ? (const char *)s : "";
}

/* One row: the chain's newest committed digest. A chain whose logging was restarted has no
 * key until its next digest (the trail may have moved to another bucket or prefix meanwhile),
 * so the query leaves it out rather than guess a name that may never have been written. */
static int add_head(vl_run *r, size_t *cap, sqlite3_stmt *q)
{
    if (OT_VEC_GROW(r->heads, *cap, r->nheads + 1))
        return OT_ENOMEM;
    vl_head *h = &r->heads[r->nheads++];
    memset(h, 0, sizeof *h);
    h->end_ms = sqlite3_column_int64(q, 0);
    snprintf(h->bucket, sizeof h->bucket, "%s", col(q, 1));
    snprintf(h->key, sizeof h->key, "%s", col(q, 2));
    return OT_OK;
}

int vl_heads_load(vl_run *r, char *err, size_t errlen)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/state.db", r->o->data_dir);
    if (stat(path, &st) != 0)
        return OT_OK; /* the key loader says what is wrong with the data dir */
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    int rc = OT_OK, s = SQLITE_DONE;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(db, 5000) != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot open: %s", path, db ? sqlite3_errmsg(db) : "no memory");
        rc = OT_EIO;
        goto out;
    }
    if (sqlite3_prepare_v2(db, HEADS_SQL, -1, &q, NULL) != SQLITE_OK) {
        if (!strstr(sqlite3_errmsg(db), "no such table")) { /* none: no digest ever written */
            snprintf(err, errlen, "%s: cannot read the digest chains: %s", path,
                     sqlite3_errmsg(db));
            rc = OT_EIO;
        }
        goto out;
    }
    size_t cap = r->nheads; /* loaded once, into an empty list */
    while (!rc && (s = sqlite3_step(q)) == SQLITE_ROW)
        rc = add_head(r, &cap, q);
    if (!rc && s != SQLITE_DONE) {
        snprintf(err, errlen, "%s: cannot read the digest chains: %s", path, sqlite3_errmsg(db));
        rc = OT_EIO;
    }
out:
    sqlite3_finalize(q);
    sqlite3_close(db);
    return rc;
}

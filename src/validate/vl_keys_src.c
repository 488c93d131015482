/* vl_keys_src.c — public keys from an opentrail data dir or a directory of key files, so a
 * data dir's bucket validates offline with no server.
 *
 * A data dir's keys are rows of state.db's digest_key table (fingerprint, DER PKCS#1): it is
 * opened read-only, so validating a copy (or a live server's dir) never writes to it. A key
 * directory (`opentrail keys export --out DIR`) gives every *.pem / *.der file in it. */
#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/err.h"
#include "validate/vl_int.h"

int vl_keys_from_data_dir(ot_vkeys *k, const char *dir, char *err, size_t errlen)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/state.db", dir);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: no state.db (not an opentrail data dir?)", dir);
        return OT_ENOTFOUND;
    }
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    int rc = OT_OK, n = 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(db, 5000) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT fingerprint, public_der FROM digest_key", -1, &q, NULL) !=
            SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot read the signing keys: %s", path,
                 db ? sqlite3_errmsg(db) : "out of memory");
        rc = OT_EIO;
        goto out;
    }
    int s;
    while (!rc && (s = sqlite3_step(q)) == SQLITE_ROW) {
        const char *fp = (const char *)sqlite3_column_text(q, 0);
        const void *der = sqlite3_column_blob(q, 1);
        int len = sqlite3_column_bytes(q, 1);
        /* known by the fingerprint the server signed with; ot_vkeys_add keeps the MD5 beside it */
        if (!fp || !der || len <= 0 || ot_vkeys_add(k, der, (size_t)len, fp)) {
            snprintf(err, errlen, "%s: key %s is not an RSA public key", path, fp ? fp : "?");
            rc = OT_ECORRUPT;
        }
        n++;
    }
    if (!rc && s != SQLITE_DONE) {
        snprintf(err, errlen, "%s: cannot read the signing keys: %s", path, sqlite3_errmsg(db));
        rc = OT_EIO;
    }
    if (!rc && n == 0) {
        snprintf(err, errlen, "%s has no signing keys (no digest was ever signed there)", dir);
        rc = OT_ENOTFOUND;
    }
out:
    sqlite3_finalize(q);
    sqlite3_close(db);
    return rc;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int key_file(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 4 && (!strcmp(e->d_name + n - 4, ".pem") || !strcmp(e->d_name + n - 4, ".der"));
}

int vl_keys_from_path(ot_vkeys *k, const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return ot_vkeys_add_file(k, path, err, errlen);
    struct dirent **ents = NULL;
    int n = scandir(path, &ents, key_file, by_name), rc = OT_OK;
    if (n < 0) {
        snprintf(err, errlen, "cannot read public key directory %s", path);
        return OT_EIO;
    }
    if (n == 0) {
        snprintf(err, errlen, "%s holds no *.pem or *.der public key files", path);
        rc = OT_ENOTFOUND;
    }
    for (int i = 0; i < n; i++) {
        char file[4096];
        snprintf(file, sizeof file, "%s/%s", path, ents[i]->d_name);
        if (!rc)
            rc = ot_vkeys_add_file(k, file, err, errlen);
        free(ents[i]);
    }
    free(ents);
    return rc;
}

/* sns_db.c — the SNS tables in state.db: opening, schema and the helpers every table file
 * uses. The tables belong to this module alone; the trail module's own connection to the same
 * file never touches them (SQLite's WAL mode lets both connections write in turn). */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sns/sns_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/sql.h"

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS sns_topics ("
    " arn TEXT PRIMARY KEY, account_id TEXT NOT NULL, region TEXT NOT NULL,"
    " name TEXT NOT NULL, created_ms INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS sns_topics_account ON sns_topics(account_id, arn);"
    "CREATE TABLE IF NOT EXISTS sns_topic_attrs ("
    " topic_arn TEXT NOT NULL REFERENCES sns_topics(arn) ON DELETE CASCADE,"
    " name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (topic_arn, name));"
    "CREATE TABLE IF NOT EXISTS sns_tags ("
    " topic_arn TEXT NOT NULL REFERENCES sns_topics(arn) ON DELETE CASCADE,"
    " key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (topic_arn, key));"
    "CREATE TABLE IF NOT EXISTS sns_subs ("
    " arn TEXT PRIMARY KEY,"
    " topic_arn TEXT NOT NULL REFERENCES sns_topics(arn) ON DELETE CASCADE,"
    " owner TEXT NOT NULL, protocol TEXT NOT NULL, endpoint TEXT NOT NULL,"
    " confirmed INTEGER NOT NULL, token TEXT NOT NULL, created_ms INTEGER NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0, delivered INTEGER NOT NULL DEFAULT 0,"
    " last_attempt_ms INTEGER NOT NULL DEFAULT 0, last_success_ms INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT NOT NULL DEFAULT '',"
    " auth_unsubscribe INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS sns_subs_topic ON sns_subs(topic_arn);"
    /* One row per (message, confirmed subscription) until it is delivered. */
    "CREATE TABLE IF NOT EXISTS sns_outbox ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " sub_arn TEXT NOT NULL REFERENCES sns_subs(arn) ON DELETE CASCADE,"
    " message_id TEXT NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0, next_ms INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS sns_outbox_sub ON sns_outbox(sub_arn);";

int ot_sns_tx(ot_sns *sns, int (*fn)(sqlite3 *sql, const void *arg), const void *arg)
{
    pthread_mutex_lock(&sns->mu);
    int rc = ot_sql_in_tx(sns->sql, fn, arg);
    pthread_mutex_unlock(&sns->mu);
    return rc;
}

int ot_sns_select(ot_sns *sns, const char *sql, const char *const *params, size_t nparams,
                  size_t elem, void (*read_row)(sqlite3_stmt *st, void *row), void **out,
                  size_t *n)
{
    pthread_mutex_lock(&sns->mu);
    int rc = ot_sql_select(sns->sql, sql, params, nparams, elem, read_row, "sns select", out, n);
    pthread_mutex_unlock(&sns->mu);
    return rc;
}

int ot_sns_select_one(ot_sns *sns, const char *sql, const char *const *params, size_t nparams,
                      size_t elem, void (*read_row)(sqlite3_stmt *st, void *row), void *row)
{
    pthread_mutex_lock(&sns->mu);
    int rc = ot_sql_select_one(sns->sql, sql, params, nparams, elem, read_row, "sns select",
                               row);
    pthread_mutex_unlock(&sns->mu);
    return rc;
}

int ot_sns_count(sqlite3 *sql, const char *query, const char *const *params, size_t nparams,
                 int64_t *v)
{
    sqlite3_stmt *st = NULL;
    int rc = ot_sql_prepare(sql, query, &st);
    for (size_t i = 0; !rc && i < nparams; i++)
        rc = ot_sql_bind_text(st, (int)i + 1, params[i]);
    if (!rc)
        rc = ot_sql_int64(sql, st, v, "sns count");
    sqlite3_finalize(st);
    return rc;
}

int ot_sns_topic_exists(sqlite3 *sql, const char *arn)
{
    int64_t n = 0;
    const char *p[] = {arn};
    int rc = ot_sns_count(sql, "SELECT COUNT(*) FROM sns_topics WHERE arn=?1", p, 1, &n);
    return rc ? rc : n ? OT_OK : OT_ENOTFOUND;
}

int ot_sns_exec(sqlite3 *sql, const char *query, const char *const *params, size_t nparams,
                int *changes)
{
    int rc = ot_sql_exec_text(sql, query, params, nparams, "sns write");
    if (changes)
        *changes = rc ? 0 : sqlite3_changes(sql);
    return rc;
}

int ot_sns_exec_locked(ot_sns *sns, const char *query, const char *const *params,
                       size_t nparams, int *changes)
{
    pthread_mutex_lock(&sns->mu);
    int rc = ot_sns_exec(sns->sql, query, params, nparams, changes);
    pthread_mutex_unlock(&sns->mu);
    return rc;
}

static int open_db(ot_sns *sns, const char *data_dir)
{
    char path[600];
    snprintf(path, sizeof path, "%s/state.db", data_dir);
    return ot_sql_open_durable(path, "sns", SCHEMA, &sns->sql);
}

static int make_sns_dir(ot_sns *sns, const char *data_dir)
{
    snprintf(sns->sns_dir, sizeof sns->sns_dir, "%s/sns", data_dir);
    if (mkdir(sns->sns_dir, 0700) && errno != EEXIST) {
        ot_error("sns: cannot create %s: %s", sns->sns_dir, strerror(errno));
        return OT_EIO;
    }
    return OT_OK;
}

int ot_sns_open(const ot_sns_opts *opts, ot_sns **out)
{
    *out = NULL;
    ot_sns *sns = calloc(1, sizeof *sns);
    if (!sns)
        return OT_ENOMEM;
    curl_global_init(CURL_GLOBAL_DEFAULT); /* for http/https delivery; counted, paired below */
    pthread_mutex_init(&sns->mu, NULL);
    pthread_mutex_init(&sns->wake_mu, NULL);
    pthread_cond_init(&sns->wake, NULL);
    snprintf(sns->public_url, sizeof sns->public_url, "%s", opts->public_url);
    sns->no_fsync = opts->no_fsync;
    snprintf(sns->cert_url, sizeof sns->cert_url, "%s" OT_SNS_CERT_PATH, opts->public_url);
    int rc = open_db(sns, opts->data_dir);
    if (!rc)
        rc = make_sns_dir(sns, opts->data_dir);
    if (!rc)
        rc = ot_sns_sign_open(sns, opts->data_dir);
    if (!rc)
        rc = ot_sns_deliver_start(sns);
    if (rc) {
        ot_sns_close(sns);
        return rc;
    }
    *out = sns;
    return OT_OK;
}

const char *ot_sns_signing_cert(const ot_sns *sns)
{
    return sns->sign_cert;
}

void ot_sns_close(ot_sns *sns)
{
    if (!sns)
        return;
    ot_sns_deliver_stop(sns);
    ot_sns_sign_close(sns);
    sqlite3_close(sns->sql);
    pthread_cond_destroy(&sns->wake);
    pthread_mutex_destroy(&sns->wake_mu);
    pthread_mutex_destroy(&sns->mu);
    free(sns);
    curl_global_cleanup();
}

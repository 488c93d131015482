/* sns_int.h — private to src/sns: the handle, its connection to state.db and the helpers every
 * table file uses. One mutex guards the connection; the API threads and the delivery thread
 * take it for each statement or transaction, never while writing to an endpoint. */
#ifndef OT_SNS_INT_H
#define OT_SNS_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "sns/sns.h"

struct evp_pkey_st;

struct ot_sns {
    sqlite3 *sql;
    pthread_mutex_t mu;
    char sns_dir[600];   /* DATA-DIR/sns: where file endpoints are appended */
    char public_url[256]; /* base of SubscribeURL and UnsubscribeURL */
    bool no_fsync;
    struct evp_pkey_st *sign_key; /* signs every message (sns_sign.c) */
    char *sign_cert;              /* its certificate, PEM, served at SigningCertURL */
    char cert_url[320];           /* SigningCertURL */
    /* the delivery thread (sns_deliver.c) */
    pthread_t thread;
    bool running;
    pthread_mutex_t wake_mu;
    pthread_cond_t wake;
    bool stop, kicked;
};

/* Runs fn(sql, arg) in one IMMEDIATE transaction under the mutex (rolled back if it fails). */
int ot_sns_tx(ot_sns *sns, int (*fn)(sqlite3 *sql, const void *arg), const void *arg);
/* ot_sql_select under the mutex. */
int ot_sns_select(ot_sns *sns, const char *sql, const char *const *params, size_t nparams,
                  size_t elem, void (*read_row)(sqlite3_stmt *st, void *row), void **out,
                  size_t *n);
/* ot_sql_select_one under the mutex: OT_ENOTFOUND when there is no row. */
int ot_sns_select_one(ot_sns *sns, const char *sql, const char *const *params, size_t nparams,
                      size_t elem, void (*read_row)(sqlite3_stmt *st, void *row), void *row);
/* One COUNT (or other integer) with text parameters, inside a transaction (sql held). */
int ot_sns_count(sqlite3 *sql, const char *query, const char *const *params, size_t nparams,
                 int64_t *v);
/* Runs a statement with text parameters inside a transaction; *changes (if given) gets the
 * number of rows it changed. */
int ot_sns_exec(sqlite3 *sql, const char *query, const char *const *params, size_t nparams,
                int *changes);
/* The same, with the mutex taken, outside any transaction. */
int ot_sns_exec_locked(ot_sns *sns, const char *query, const char *const *params,
                       size_t nparams, int *changes);

/* OT_OK if a topic of that ARN exists, OT_ENOTFOUND if not (inside a transaction). */
int ot_sns_topic_exists(sqlite3 *sql, const char *arn);

/* Adds one message (type "Notification" or "SubscriptionConfirmation", its JSON body) for a
 * subscription to the outbox (inside a transaction). */
int ot_sns_enqueue(sqlite3 *sql, const char *sub_arn, const char *message_id, const char *type,
                   const char *body);
/* The SubscriptionConfirmation JSON SNS sends to a new http/https subscription (Type, MessageId,
 * Token, TopicArn, Message, SubscribeURL, Timestamp, signature fields), NUL-terminated. */
struct ot_buf;
int ot_sns_confirmation_json(struct ot_buf *out, const ot_sns *sns, const ot_sns_sub *s,
                             const char *message_id, int64_t now_ms);

/* One message for an http/https endpoint (strings borrowed). */
typedef struct ot_sns_http_msg {
    const char *endpoint, *type, *message_id, *topic_arn, *sub_arn, *body;
    size_t body_len;
} ot_sns_http_msg;

/* POSTs it (sns_http.c): 0 on a 2xx answer, else OT_EAGAIN or OT_ENOMEM with err filled. */
int ot_sns_http_post(const ot_sns_http_msg *m, char *err, size_t errcap);

/* Loads the signing key and certificate from DATA-DIR/sns-signing, making them on first use. */
int ot_sns_sign_open(ot_sns *sns, const char *data_dir);
void ot_sns_sign_close(ot_sns *sns);
/* The SignatureVersion 2 signature (base64 into out) of the canonical string of fields: pairs
 * of name and value, "name\nvalue\n" each, in the order given, a NULL value skipped. */
int ot_sns_sign(struct evp_pkey_st *key, const char *const *fields, size_t n, char *out,
                size_t cap);

/* Starts and stops the delivery thread; ot_sns_kick wakes it for new outbox rows. */
int ot_sns_deliver_start(ot_sns *sns);
void ot_sns_deliver_stop(ot_sns *sns);
void ot_sns_kick(ot_sns *sns);

#endif

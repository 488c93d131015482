/* sns_deliver.c — the delivery thread: sends the outbox of state.db to the subscribers.
 *
 * It takes the oldest due row, sends it, and deletes it only after the endpoint has it (for a
 * `file` endpoint: the line appended and fsynced; for http/https: a 2xx answer), so a crash between the two sends it again
 * with the same MessageId: at least once. A failed attempt is retried with exponential backoff
 * (1 s doubling to 60 s) for as long as the subscription exists; each attempt is counted on the
 * subscription (attempts, delivered, last error), which GetSubscriptionAttributes shows. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sns/sns_int.h"
#include "sys/sysio.h"
#include "util/err.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/sql.h"
#include "util/timeutil.h"

#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 60000
#define IDLE_WAIT_MS 1000 /* how long the thread sleeps when nothing is due */

OT_COUNTER_L(m_attempts, "opentrail_sns_delivery_attempts_total",
             "Attempts to deliver an SNS message to a subscriber, by protocol and result "
             "(delivered or failed; a failed one is retried).",
             OT_LABELS("protocol", "result"));
OT_GAUGE(m_outbox, "opentrail_sns_outbox_messages",
         "SNS messages accepted and not yet delivered, summed over subscriptions.");

typedef struct outbox_row {
    int64_t id;
    int64_t attempts;
    char sub_arn[OT_SNS_SUB_ARN_MAX];
    char topic_arn[OT_SNS_ARN_MAX];
    char message_id[37];
    char type[32];
    char protocol[16];
    char endpoint[OT_SNS_ENDPOINT_MAX + 1];
    char *body; /* malloc'd */
    size_t body_len;
} outbox_row;

/* The oldest row due at now: 1 (row filled), 0 (none due) or OT_E*. */
static int next_due(ot_sns *sns, int64_t now, outbox_row *r)
{
    sqlite3_stmt *st = NULL;
    pthread_mutex_lock(&sns->mu);
    int rc = ot_sql_prepare(sns->sql, "SELECT o.id, o.attempts, o.sub_arn, s.protocol,"
                                      " s.endpoint, o.body, s.topic_arn, o.message_id, o.type"
                                      " FROM sns_outbox o"
                                      " JOIN sns_subs s ON s.arn=o.sub_arn WHERE o.next_ms<=?1"
                                      " ORDER BY o.id LIMIT 1", &st);
    if (!rc) {
        sqlite3_bind_int64(st, 1, now);
        rc = ot_sql_step(sns->sql, st, "sns outbox");
    }
    if (rc == 1) {
        r->id = sqlite3_column_int64(st, 0);
        r->attempts = sqlite3_column_int64(st, 1);
        ot_sql_col_text(st, 2, r->sub_arn, sizeof r->sub_arn);
        ot_sql_col_text(st, 3, r->protocol, sizeof r->protocol);
        ot_sql_col_text(st, 4, r->endpoint, sizeof r->endpoint);
        ot_sql_col_text(st, 6, r->topic_arn, sizeof r->topic_arn);
        ot_sql_col_text(st, 7, r->message_id, sizeof r->message_id);
        ot_sql_col_text(st, 8, r->type, sizeof r->type);
        r->body_len = (size_t)sqlite3_column_bytes(st, 5);
        r->body = malloc(r->body_len + 1);
        if (r->body)
            memcpy(r->body, sqlite3_column_text(st, 5), r->body_len + 1);
        else
            rc = OT_ENOMEM;
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&sns->mu);
    return rc;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = ot_sys->write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return OT_EIO;
        p += w;
        n -= (size_t)w;
    }
    return OT_OK;
}

/* Appends the message and a newline to DATA-DIR/sns/<endpoint> as one write. */
static int deliver_file(ot_sns *sns, const outbox_row *r, char *err, size_t errcap)
{
    if (!ot_sns_file_endpoint_ok(r->endpoint)) { /* checked by Subscribe; never trust a row */
        snprintf(err, errcap, "invalid file endpoint");
        return OT_EINVAL;
    }
    char path[sizeof sns->sns_dir + OT_SNS_ENDPOINT_MAX + 2];
    snprintf(path, sizeof path, "%s/%s", sns->sns_dir, r->endpoint);
    int fd = ot_sys->open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0600);
    if (fd < 0) {
        snprintf(err, errcap, "open %.200s: %s", r->endpoint, strerror(errno));
        return OT_EIO;
    }
    r->body[r->body_len] = '\n'; /* the NUL's place: one write, one line */
    int rc = write_all(fd, r->body, r->body_len + 1);
    r->body[r->body_len] = '\0';
    if (!rc && !sns->no_fsync && ot_sys->fsync(fd))
        rc = OT_EIO;
    if (rc)
        snprintf(err, errcap, "write %.200s: %s", r->endpoint, strerror(errno));
    ot_sys->close(fd);
    return rc;
}

static int64_t backoff_ms(int64_t attempts)
{
    int64_t ms = BACKOFF_FIRST_MS;
    for (int64_t i = 1; i < attempts && ms < BACKOFF_MAX_MS; i++)
        ms *= 2;
    return ms < BACKOFF_MAX_MS ? ms : BACKOFF_MAX_MS;
}

/* Records the attempt: the row goes when delivered, else waits for its next try. */
static void note_attempt(ot_sns *sns, const outbox_row *r, int64_t now, const char *err)
{
    char id[24], now_s[24], next_s[24];
    snprintf(id, sizeof id, "%lld", (long long)r->id);
    snprintf(now_s, sizeof now_s, "%lld", (long long)now);
    snprintf(next_s, sizeof next_s, "%lld", (long long)(now + backoff_ms(r->attempts + 1)));
    const char *row_p[] = {id, next_s};
    const char *sub_p[] = {r->sub_arn, now_s, err};
    pthread_mutex_lock(&sns->mu);
    if (!err) {
        ot_sns_exec(sns->sql, "DELETE FROM sns_outbox WHERE id=CAST(?1 AS INTEGER)", row_p, 1,
                    NULL);
        ot_sns_exec(sns->sql, "UPDATE sns_subs SET attempts=attempts+1, delivered=delivered+1,"
                              " last_attempt_ms=CAST(?2 AS INTEGER),"
                              " last_success_ms=CAST(?2 AS INTEGER), last_error='' WHERE arn=?1",
                    sub_p, 2, NULL);
    } else {
        ot_sns_exec(sns->sql, "UPDATE sns_outbox SET attempts=attempts+1,"
                              " next_ms=CAST(?2 AS INTEGER) WHERE id=CAST(?1 AS INTEGER)",
                    row_p, 2, NULL);
        ot_sns_exec(sns->sql, "UPDATE sns_subs SET attempts=attempts+1,"
                              " last_attempt_ms=CAST(?2 AS INTEGER), last_error=?3 WHERE arn=?1",
                    sub_p, 3, NULL);
    }
    pthread_mutex_unlock(&sns->mu);
}

static void deliver_one(ot_sns *sns, outbox_row *r)
{
    char err[256] = "";
    const char *protocol = "other"; /* a label: never a stored string of unbounded variety */
    int rc;
    if (!strcmp(r->protocol, "file")) {
        protocol = "file";
        rc = deliver_file(sns, r, err, sizeof err);
    } else if (!strcmp(r->protocol, "http") || !strcmp(r->protocol, "https")) {
        protocol = !strcmp(r->protocol, "http") ? "http" : "https";
        ot_sns_http_msg m = {r->endpoint, r->type,  r->message_id, r->topic_arn,
                             r->sub_arn,  r->body,  r->body_len};
        rc = ot_sns_http_post(&m, err, sizeof err);
    } else {
        snprintf(err, sizeof err, "protocol %s is not delivered by this server", r->protocol);
        rc = OT_EINVAL;
    }
    if (rc)
        ot_warn("sns: delivery to %s failed (attempt %lld): %s", r->sub_arn,
                (long long)r->attempts + 1, err);
    ot_series_inc(ot_metric_with(&m_attempts, OT_VALUES(protocol, rc ? "failed" : "delivered")));
    note_attempt(sns, r, ot_now_ms(), rc ? err : NULL);
}

/* Sleeps until kicked, stopped or IDLE_WAIT_MS passed; returns whether to stop. */
static bool idle(ot_sns *sns)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += IDLE_WAIT_MS / 1000;
    pthread_mutex_lock(&sns->wake_mu);
    while (!sns->stop && !sns->kicked &&
           pthread_cond_timedwait(&sns->wake, &sns->wake_mu, &until) == 0) {
    }
    sns->kicked = false;
    bool stop = sns->stop;
    pthread_mutex_unlock(&sns->wake_mu);
    return stop;
}

static bool stopping(ot_sns *sns)
{
    pthread_mutex_lock(&sns->wake_mu);
    bool stop = sns->stop;
    pthread_mutex_unlock(&sns->wake_mu);
    return stop;
}

#define OUTBOX_COUNT_MS 1000 /* how often a busy thread recounts the outbox for the gauge */

/* Sets the outbox gauge to the rows left: when the thread goes idle, and at most once a second
 * while it is busy (a count scans the outbox, which may be long). */
static void count_outbox(ot_sns *sns, bool idle_now, int64_t *last_ms)
{
    int64_t now = ot_monotonic_ms();
    if (!idle_now && now - *last_ms < OUTBOX_COUNT_MS)
        return;
    *last_ms = now;
    sqlite3_stmt *st = NULL;
    pthread_mutex_lock(&sns->mu);
    if (!ot_sql_prepare(sns->sql, "SELECT count(*) FROM sns_outbox", &st) &&
        ot_sql_step(sns->sql, st, "sns outbox") == 1)
        ot_metric_set(&m_outbox, (double)sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
    pthread_mutex_unlock(&sns->mu);
}

static void *deliver_thread(void *arg)
{
    ot_sns *sns = arg;
    int64_t counted_ms = 0;
    while (!stopping(sns)) {
        outbox_row r;
        memset(&r, 0, sizeof r);
        int rc = next_due(sns, ot_now_ms(), &r);
        if (rc == 1)
            deliver_one(sns, &r);
        free(r.body);
        count_outbox(sns, rc != 1, &counted_ms);
        if (rc != 1 && idle(sns))
            break;
    }
    return NULL;
}

void ot_sns_kick(ot_sns *sns)
{
    pthread_mutex_lock(&sns->wake_mu);
    sns->kicked = true;
    pthread_cond_signal(&sns->wake);
    pthread_mutex_unlock(&sns->wake_mu);
}

int ot_sns_deliver_start(ot_sns *sns)
{
    if (pthread_create(&sns->thread, NULL, deliver_thread, sns)) {
        ot_error("sns: cannot start the delivery thread");
        return OT_EIO;
    }
    sns->running = true;
    return OT_OK;
}

void ot_sns_deliver_stop(ot_sns *sns)
{
    if (!sns->running)
        return;
    pthread_mutex_lock(&sns->wake_mu);
    sns->stop = true;
    pthread_cond_signal(&sns->wake);
    pthread_mutex_unlock(&sns->wake_mu);
    pthread_join(sns->thread, NULL);
    sns->running = false;
}

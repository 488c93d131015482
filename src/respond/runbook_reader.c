/* runbook_reader.c — the runbooks' WAL reader ("runbooks"): every recorded CloudTrail record,
 * in order, offered to the runbooks that want it. The runner (wal/wal_cursor.h) commits the
 * position only after a batch returned 0, that is after the incidents of its records were
 * stored; a failure makes it read the same records again after a backoff. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "respond/bucket_int.h"
#include "respond/login_int.h"
#include "respond/respond_int.h"
#include "trail/trail.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "wal/wal.h"
#include "wal/wal_cursor.h"

#define RUNBOOKS_BATCH 64

/* The trail a trigger names: requestParameters.name (StopLogging, DeleteTrail, UpdateTrail)
 * or .trailName (PutEventSelectors), a name or an ARN. */
static int trigger_trail(rb_trigger *t)
{
    ot_json params;
    const char *s;
    size_t n;
    if (ot_json_get(t->root, "requestParameters", &params) ||
        (ot_json_get_str(params, "name", &s, &n) && ot_json_get_str(params, "trailName", &s, &n)) ||
        !n || n >= sizeof t->trail)
        return OT_ENOTFOUND;
    memcpy(t->trail, s, n);
    t->trail[n] = '\0';
    char region[32], account[16];
    if (!strncmp(t->trail, "arn:", 4)) {
        snprintf(t->trail_arn, sizeof t->trail_arn, "%s", t->trail);
        return ot_trail_arn_parse(t->trail_arn, region, account, t->trail_name) ? OT_EINVAL
                                                                                : OT_OK;
    }
    snprintf(t->trail_name, sizeof t->trail_name, "%.128s", t->trail);
    return ot_trail_arn_make(t->trail_arn, sizeof t->trail_arn, t->region, t->account,
                             t->trail_name);
}

/* trail-restore's triggers name a trail; a record that names none is not one. */
static int run_trail_restore(ot_runbooks *rb, rb_trigger *t)
{
    return trigger_trail(t) ? OT_OK : rb_trail_restore_run(rb, t);
}

int rb_run_mode(int configured, const rb_trigger *t)
{
    return configured == OT_RUNBOOK_OFF && t->from_rule ? OT_RUNBOOK_ON : configured;
}

/* In the order a record is offered to them (a record is the trigger of one at most). */
static const rb_runbook RUNBOOKS[RB_RUNBOOKS] = {
    {RB_TRAIL_RESTORE, rb_trail_restore_wants, run_trail_restore,
     "successful StopLogging, DeleteTrail, UpdateTrail, PutEventSelectors and "
     "PutAdvancedEventSelectors calls of cloudtrail.amazonaws.com"},
    {RB_INSTANCE_LOGIN, rb_instance_login_wants, rb_instance_login_run,
     "successful SendSSHPublicKey and SendSerialConsoleSSHPublicKey calls of "
     "ec2-instance-connect.amazonaws.com and StartSession calls of ssm.amazonaws.com"},
    {RB_BUCKET_RESTORE, rb_bucket_restore_wants, rb_bucket_restore_run,
     "successful PutBucketPolicy, DeleteBucketPolicy, PutBucketPublicAccessBlock and "
     "DeleteBucketPublicAccessBlock calls of s3.amazonaws.com"},
};

const rb_runbook *rb_runbook_named(const char *name, size_t name_len, size_t *index)
{
    for (size_t i = 0; i < RB_RUNBOOKS; i++)
        if (strlen(RUNBOOKS[i].name) == name_len && !memcmp(RUNBOOKS[i].name, name, name_len)) {
            *index = i;
            return &RUNBOOKS[i];
        }
    return NULL;
}

/* The runbook a record may trigger (its WAL header says enough): its index, or -1. */
static int runbook_for(const ot_event *ev)
{
    for (size_t i = 0; i < RB_RUNBOOKS; i++)
        if (RUNBOOKS[i].wants(ev))
            return (int)i;
    return -1;
}

int rb_offer(ot_runbooks *rb, size_t i, uint64_t lsn, const ot_event *ev, ot_json_doc *doc,
             bool from_rule)
{
    rb_trigger t = {.lsn = lsn, .ev = ev, .record = ev->json, .len = ev->json_len,
                    .account = ev->account_id, .region = ev->region, .from_rule = from_rule};
    ot_json v;
    const char *when;
    size_t n;
    if (ot_json_parse(doc, ev->json, ev->json_len, false, &t.root, NULL, 0) ||
        !ot_json_get(t.root, "errorCode", &v) || rb_is_own_record(t.root))
        return OT_OK;
    if (!ot_json_get_str(t.root, "eventTime", &when, &n) && n < sizeof t.event_time) {
        memcpy(t.event_time, when, n);
        ot_time_parse_iso8601(t.event_time, &t.event_ms);
    }
    pthread_mutex_lock(&rb->run_mu[i]);
    int rc = RUNBOOKS[i].run(rb, &t);
    pthread_mutex_unlock(&rb->run_mu[i]);
    return rc;
}

static int batch(void *ctx, const ot_wal_record *recs, size_t n)
{
    ot_runbooks *rb = ctx;
    ot_json_doc *doc = ot_json_doc_new();
    if (!doc)
        return OT_ENOMEM;
    int rc = OT_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        ot_event ev;
        int which;
        if (ot_event_decode(recs[i].payload, recs[i].len, &ev) || (which = runbook_for(&ev)) < 0)
            continue;
        rc = rb_offer(rb, (size_t)which, recs[i].lsn, &ev, doc, false);
    }
    ot_json_doc_free(doc);
    if (rc)
        ot_warn("runbooks: %s; the records are read again", ot_strerror(rc));
    return rc;
}

/* Where a data dir's first start of the runbooks begins: after the records the log holds
 * already, so that a StopLogging of long ago, still retained, does not restart a trail that
 * was stopped on purpose since. Later starts resume from the reader's position (0 here). */
static uint64_t first_start(ot_api *srv)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/wal", srv->cfg.data_dir);
    ot_wal_cursor_info *list = NULL;
    size_t n = 0;
    bool known = true; /* when the cursors cannot be listed, act on every record (at least once) */
    if (!ot_wal_cursors_list_dir(dir, 0, &list, &n)) {
        known = false;
        for (size_t i = 0; i < n; i++)
            known = known || !strcmp(list[i].name, OT_RUNBOOKS_CURSOR);
    }
    free(list);
    return known ? 0 : ot_wal_durable_lsn(srv->wal);
}

int ot_runbooks_start(ot_api *srv, ot_runbooks **out)
{
    *out = NULL;
    ot_runbooks *rb = calloc(1, sizeof *rb);
    if (!rb)
        return OT_ENOMEM;
    rb->srv = srv;
    for (size_t i = 0; i < RB_RUNBOOKS; i++)
        pthread_mutex_init(&rb->run_mu[i], NULL);
    char path[1024];
    snprintf(path, sizeof path, "%s/incidents.db", srv->cfg.data_dir);
    char why[512] = "";
    int rc = rb_login_open(&srv->cfg, &rb->login, why, sizeof why);
    if (!rc)
        rc = ot_incident_db_open(path, &rb->incidents);
    ot_wal_reader_def def = {.name = OT_RUNBOOKS_CURSOR, .batch = batch, .ctx = rb,
                             .batch_max = RUNBOOKS_BATCH, .checkpoint = first_start(srv)};
    if (!rc)
        rc = ot_wal_reader_start(srv->wal, &def, &rb->reader);
    if (rc) {
        ot_error("cannot start the runbooks: %s", why[0] ? why : ot_strerror(rc));
        ot_runbooks_stop(rb);
        return rc;
    }
    *out = rb;
    return OT_OK;
}

void ot_runbooks_stop(ot_runbooks *rb)
{
    if (!rb)
        return;
    if (rb->reader)
        ot_wal_reader_stop(rb->reader);
    if (rb->incidents)
        ot_incident_db_close(rb->incidents);
    rb_login_close(rb->login);
    for (size_t i = 0; i < RB_RUNBOOKS; i++)
        pthread_mutex_destroy(&rb->run_mu[i]);
    free(rb);
}

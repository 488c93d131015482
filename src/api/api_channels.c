/* api_channels.c — CreateChannel, GetChannel, ListChannels, UpdateChannel, DeleteChannel.
 *
 * A channel is where PutAuditEvents sends events. opentrail routes them to trails: a
 * destination {Type: AWS_SERVICE, Location: <trail ARN>} must name an existing trail of the
 * caller that is visible in the channel's region (our extension of the AWS model, where
 * AWS_SERVICE destinations are service-linked). Event data stores do not exist yet, so
 * EVENT_DATA_STORE destinations are refused. Only Custom sources are supported. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_cloudtrail.h"
#include "event/record_ingest.h"
#include "util/crypto.h"
#include "util/err.h"
#include "util/timeutil.h"

#define LIST_MAX 1000

static bool channel_name_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 3 && n <= 128 &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static int check_name(ct_ctx *c, const char *name)
{
    if (!channel_name_ok(name))
        return ct_fail(c, "InvalidParameterException",
                       "Channel name must be 3 to 128 characters of letters, digits, '.', '_' "
                       "and '-'.");
    return 0;
}

/* A trail destination: an existing trail of the caller that the channel's region sees. */
static int check_trail_destination(ct_ctx *c, const char *loc)
{
    char region[32], account[16], name[129];
    ot_trail t;
    if (ot_trail_arn_parse(loc, region, account, name) != 0)
        return ct_fail(c, "InvalidParameterException",
                       "Destination location %.300s is not a trail ARN "
                       "(arn:aws:cloudtrail:<region>:<account>:trail/<name>).", loc);
    int rc = strcmp(account, c->account) ? OT_ENOTFOUND
                                         : ot_trail_get_by_arn(c->srv->trails, loc, &t);
    if (rc == OT_ENOTFOUND || (!rc && !ct_trail_visible(c, &t)))
        return ct_fail(c, "InvalidParameterException",
                       "Destination trail %s does not exist in %s for the user: %s", loc,
                       c->region, c->account);
    return rc ? ct_fail(c, "InternalFailure", "state.db: %s", ot_strerror(rc)) : 0;
}

static int dest_parse(ct_ctx *c, ot_json v, ot_channel_destination *d)
{
    const char *type, *loc;
    if (ct_struct(c, v, "Destinations"))
        return -1;
    int rt = ct_str(c, v, "Type", &type);
    int rl = rt < 0 ? -1 : ct_str(c, v, "Location", &loc);
    if (rt < 0 || rl < 0)
        return -1;
    if (rt == 0 || rl == 0)
        return ct_fail(c, "InvalidParameterException",
                       "Each destination needs a Type and a Location.");
    if (!strcmp(type, "EVENT_DATA_STORE"))
        return ct_fail(c, "InvalidParameterException",
                       "Event data stores are not supported yet: use a destination of Type "
                       "AWS_SERVICE whose Location is a trail ARN.");
    if (strcmp(type, "AWS_SERVICE"))
        return ct_fail(c, "InvalidParameterException",
                       "Destination type must be EVENT_DATA_STORE or AWS_SERVICE, not %.64s.",
                       type);
    if (check_trail_destination(c, loc))
        return -1;
    memset(d, 0, sizeof *d);
    snprintf(d->type, sizeof d->type, "%s", type);
    snprintf(d->location, sizeof d->location, "%s", loc);
    return 0;
}

/* Destinations (1..200). 1 if present, 0 if absent, -1 after an error; free() *out. */
static int dests_parse(ct_ctx *c, ot_channel_destination **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    ot_json list, v;
    int rc = ct_list(c, c->in, "Destinations", &list);
    if (rc <= 0)
        return rc;
    size_t count = ot_json_count(list);
    if (count < 1 || count > OT_CHANNEL_MAX_DESTINATIONS)
        return ct_fail(c, "InvalidParameterException",
                       "A channel needs 1 to %d destinations.", OT_CHANNEL_MAX_DESTINATIONS);
    ot_channel_destination *d = calloc(count, sizeof *d);
    if (!d)
        return ct_fail(c, "InternalFailure", "Out of memory.");
    ot_json_iter it;
    ot_json_array_iter(list, &it);
    size_t i = 0;
    while (ot_json_array_next(&it, &v)) {
        if (dest_parse(c, v, &d[i++])) {
            free(d);
            return -1;
        }
    }
    *out = d;
    *n = count;
    return 1;
}

/* The members every channel response starts with: its ARN, name, source and destinations. */
static void write_channel(ot_jw *w, const ot_channel *ch)
{
    ot_jw_kstr(w, "ChannelArn", ch->arn);
    ot_jw_kstr(w, "Name", ch->name);
    ot_jw_kstr(w, "Source", ch->source);
    ot_jw_key(w, "Destinations");
    ot_jw_arr(w);
    for (size_t i = 0; i < ch->ndestinations; i++) {
        ot_jw_obj(w);
        ot_jw_kstr(w, "Type", ch->destinations[i].type);
        ot_jw_kstr(w, "Location", ch->destinations[i].location);
        ot_jw_end(w);
    }
    ot_jw_end(w);
}

static int db_error(ct_ctx *c, int rc, const char *name)
{
    if (rc == OT_EEXIST)
        return ct_fail(c, "ChannelAlreadyExistsException", "Channel %s already exists.", name);
    if (rc == OT_ELIMIT)
        return ct_fail(c, "ChannelMaxLimitExceededException",
                       "You already have %d channels in %s.", OT_CHANNEL_MAX_PER_REGION,
                       c->region);
    if (rc == OT_ENOTFOUND)
        return ct_fail(c, "ChannelNotFoundException", "Channel not found: %s", name);
    return ct_fail(c, "InternalFailure", "state.db: %s", ot_strerror(rc));
}

static int create_input(ct_ctx *c, ot_channel *ch)
{
    const char *name, *source;
    int rn = ct_str(c, c->in, "Name", &name);
    int rs = rn < 0 ? -1 : ct_str(c, c->in, "Source", &source);
    if (rn < 0 || rs < 0)
        return -1;
    if (rn == 0 || rs == 0)
        return ct_fail(c, "InvalidParameterException", "Name, Source and Destinations must be "
                                                       "provided.");
    if (check_name(c, name))
        return -1;
    if (strcmp(source, "Custom") && strcmp(source, OT_RECORDS_SOURCE))
        return ct_fail(c, "InvalidSourceException",
                       "Source %.256s is not supported: opentrail supports Custom integrations "
                       "only (plus its " OT_RECORDS_SOURCE " extension).", source);
    memset(ch, 0, sizeof *ch);
    char id[37];
    ot_uuid4(id);
    snprintf(ch->arn, sizeof ch->arn, "arn:aws:cloudtrail:%s:%s:channel/%s", c->region,
             c->account, id);
    snprintf(ch->name, sizeof ch->name, "%s", name);
    snprintf(ch->source, sizeof ch->source, "%s", source);
    snprintf(ch->account_id, sizeof ch->account_id, "%s", c->account);
    snprintf(ch->region, sizeof ch->region, "%s", c->region);
    ch->created_ms = ot_now_ms();
    return 0;
}

int ct_create_channel(ct_ctx *c)
{
    ot_channel ch;
    ot_tag *tags = NULL;
    size_t ntags = 0;
    if (create_input(c, &ch))
        return -1;
    int rc = dests_parse(c, &ch.destinations, &ch.ndestinations);
    if (rc == 0)
        rc = ct_fail(c, "InvalidParameterException", "Destinations must be provided.");
    if (rc > 0)
        rc = ct_tags_parse(c, c->in, "Tags", false, &tags, &ntags) < 0 ? -1 : 0;
    if (rc == 0) {
        int db = ot_channel_create(c->srv->trails, &ch, OT_CHANNEL_MAX_PER_REGION);
        if (!db && ntags)
            db = ot_tags_add(c->srv->trails, ch.arn, tags, ntags, OT_TAGS_MAX_PER_RESOURCE);
        rc = db ? db_error(c, db, ch.name) : 0;
    }
    if (rc == 0) {
        ct_ok(c);
        write_channel(&c->w, &ch);
        if (ntags) {
            ot_jw_key(&c->w, "Tags");
            ct_tags_write(&c->w, tags, ntags);
        }
    }
    free(tags);
    ot_channel_free(&ch);
    return rc ? -1 : 0;
}

static bool id_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 3 && n <= 128 &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

/* The required "Channel" member (ARN or bare id) to the caller's channel in this region. */
static int channel_resolve(ct_ctx *c, ot_channel *ch)
{
    const char *ref;
    int rc = ct_str(c, c->in, "Channel", &ref);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return ct_fail(c, "InvalidParameterException", "Channel must be provided.");
    const char *id = ref;
    if (!strncmp(ref, "arn:", 4)) {
        char pfx[96];
        int n = snprintf(pfx, sizeof pfx, "arn:aws:cloudtrail:%s:", c->region);
        const char *slash = strstr(ref, ":channel/");
        if (!slash || strncmp(ref, "arn:aws:cloudtrail:", 19) || !id_ok(slash + 9))
            return ct_fail(c, "ChannelARNInvalidException", "Invalid channel ARN: %.300s", ref);
        if (strncmp(ref, pfx, (size_t)n))
            return ct_fail(c, "ChannelARNInvalidException",
                           "Region in ARN is wrong, you can only access resources in region %s.",
                           c->region);
        id = slash + 9;
    } else if (!id_ok(ref)) {
        return ct_fail(c, "ChannelARNInvalidException", "Invalid channel ARN or ID: %.300s", ref);
    }
    rc = ot_channel_get(c->srv->trails, id, ch);
    if (!rc && (strcmp(ch->account_id, c->account) || strcmp(ch->region, c->region) ||
                (id != ref && strcmp(ch->arn, ref)))) {
        ot_channel_free(ch);
        rc = OT_ENOTFOUND;
    }
    return rc ? db_error(c, rc, ref) : 0;
}

static void ingestion_status(ot_jw *w, const ot_channel *ch)
{
    ot_jw_key(w, "IngestionStatus");
    ot_jw_obj(w);
    if (ch->latest_ingest_success_ms) {
        ct_ktime(w, "LatestIngestionSuccessTime", ch->latest_ingest_success_ms);
        ot_jw_kstr(w, "LatestIngestionSuccessEventID", ch->latest_ingest_success_event_id);
    }
    if (ch->latest_ingest_error_code[0])
        ot_jw_kstr(w, "LatestIngestionErrorCode", ch->latest_ingest_error_code);
    if (ch->latest_ingest_attempt_ms) {
        ct_ktime(w, "LatestIngestionAttemptTime", ch->latest_ingest_attempt_ms);
        ot_jw_kstr(w, "LatestIngestionAttemptEventID", ch->latest_ingest_attempt_event_id);
    }
    ot_jw_end(w);
}

int ct_get_channel(ct_ctx *c)
{
    ot_channel ch;
    if (channel_resolve(c, &ch))
        return -1;
    ct_ok(c);
    write_channel(&c->w, &ch);
    ingestion_status(&c->w, &ch);
    ot_channel_free(&ch);
    return 0;
}

/* NextToken is the last ARN of the previous page; it must be one of the caller's. */
static int list_input(ct_ctx *c, int64_t *max, const char **after)
{
    int rm = ct_int(c, c->in, "MaxResults", max);
    int rt = rm < 0 ? -1 : ct_str(c, c->in, "NextToken", after);
    if (rm < 0 || rt < 0)
        return -1;
    if (rm == 0)
        *max = LIST_MAX;
    if (*max < 1 || *max > LIST_MAX)
        return ct_fail(c, "InvalidParameterException", "MaxResults must be 1 to %d.", LIST_MAX);
    if (rt == 0) {
        *after = NULL;
        return 0;
    }
    char pfx[96];
    int n = snprintf(pfx, sizeof pfx, "arn:aws:cloudtrail:%s:%s:channel/", c->region, c->account);
    if (strncmp(*after, pfx, (size_t)n) || !id_ok(*after + n))
        return ct_fail(c, "InvalidNextTokenException", "The NextToken is not valid.");
    return 0;
}

int ct_list_channels(ct_ctx *c)
{
    int64_t max;
    const char *after;
    if (list_input(c, &max, &after))
        return -1;
    ot_channel *list;
    size_t n;
    int rc = ot_channel_list(c->srv->trails, c->account, c->region, after, (size_t)max + 1,
                             &list, &n);
    if (rc)
        return ct_fail(c, "InternalFailure", "state.db: %s", ot_strerror(rc));
    size_t shown = n > (size_t)max ? (size_t)max : n;
    ct_ok(c);
    ot_jw_key(&c->w, "Channels");
    ot_jw_arr(&c->w);
    for (size_t i = 0; i < shown; i++) {
        ot_jw_obj(&c->w);
        ot_jw_kstr(&c->w, "ChannelArn", list[i].arn);
        ot_jw_kstr(&c->w, "Name", list[i].name);
        ot_jw_end(&c->w);
    }
    ot_jw_end(&c->w);
    if (n > shown)
        ot_jw_kstr(&c->w, "NextToken", list[shown - 1].arn);
    ot_channel_list_free(list, n);
    return 0;
}

int ct_update_channel(ct_ctx *c)
{
    ot_channel ch;
    const char *name = NULL;
    ot_channel_destination *dests = NULL;
    size_t ndests = 0;
    if (channel_resolve(c, &ch))
        return -1;
    int rc = ct_str(c, c->in, "Name", &name);
    if (rc > 0)
        rc = check_name(c, name) ? -1 : 1;
    if (rc >= 0)
        rc = dests_parse(c, &dests, &ndests);
    if (rc >= 0) {
        int db = ot_channel_update(c->srv->trails, ch.arn, name, dests, ndests);
        rc = db ? db_error(c, db, name ? name : ch.arn) : 0;
    }
    free(dests);
    ot_channel_free(&ch);
    if (rc < 0 || channel_resolve(c, &ch))
        return -1;
    ct_ok(c);
    write_channel(&c->w, &ch);
    ot_channel_free(&ch);
    return 0;
}

int ct_delete_channel(ct_ctx *c)
{
    ot_channel ch;
    if (channel_resolve(c, &ch))
        return -1;
    int rc = ot_channel_delete(c->srv->trails, ch.arn);
    ot_channel_free(&ch);
    if (rc)
        return db_error(c, rc, ch.arn);
    ct_ok(c);
    return 0;
}

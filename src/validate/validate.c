/* validate.c — one validation run: open the source, gather the public keys, walk the chains,
 * hash the log files in parallel, report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trail/trail.h"
#include "util/err.h"
#include "util/timeutil.h"
#include "validate/vl_int.h"


static int open_source(vl_run *r, char *err, size_t errlen)
{
    const char *s = r->o->source;
    if (strncmp(s, "s3://", 5))
        return vl_src_dir_open(s, r->o->bucket, &r->src, err, errlen);
    char bucket[256], prefix[1024] = "";
    const char *slash = strchr(s + 5, '/');
    size_t bl = slash ? (size_t)(slash - s - 5) : strlen(s + 5);
    if (!bl || bl >= sizeof bucket) {
        snprintf(err, errlen, "invalid S3 URL %s (expected s3://bucket[/prefix])", s);
        return OT_EINVAL;
    }
    memcpy(bucket, s + 5, bl);
    bucket[bl] = '\0';
    if (slash)
        snprintf(prefix, sizeof prefix, "%s", slash + 1);
    size_t pl = strlen(prefix);
    while (pl && prefix[pl - 1] == '/')
        prefix[--pl] = '\0';
    return vl_src_s3_open(bucket, prefix, r->o->region, &r->src, err, errlen);
}

/* --public-key files / --data-dir keys, or ListPublicKeys in every delivery region the chains use. */
static int load_keys(vl_run *r, char *err, size_t errlen)
{
    const ot_validate_opts *o = r->o;
    int rc;
    for (size_t i = 0; i < o->nkey_files; i++)
        if ((rc = vl_keys_from_path(&r->keys, o->key_files[i], err, errlen)))
            return rc;
    if (o->data_dir && (rc = vl_keys_from_data_dir(&r->keys, o->data_dir, err, errlen)))
        return rc;
    if (o->nkey_files || o->data_dir)
        return OT_OK;
    vl_aws aws;
    if ((rc = vl_aws_load(&aws, o->region, err, errlen)))
        return rc;
    vl_strv regions = {0};
    for (size_t g = 0; g < r->groups.n && !rc; g++) {
        const char *bar = strchr(r->groups.v[g], '|');
        char reg[64];
        snprintf(reg, sizeof reg, "%.*s", bar ? (int)strcspn(bar + 1, "|") : 0, bar ? bar + 1 : "");
        bool dup = false;
        for (size_t i = 0; i < regions.n; i++)
            dup |= !strcmp(regions.v[i], reg);
        if (!dup)
            rc = vl_strv_push(&regions, reg);
    }
    if (!rc && !regions.n)
        rc = vl_strv_push(&regions, aws.region);
    for (size_t i = 0; i < regions.n && !rc; i++)
        rc = vl_list_public_keys(&aws, regions.v[i], r->start_ms, r->end_ms + 2 * HOUR_MS,
                                 &r->keys, err, errlen);
    vl_strv_free(&regions);
    if (!rc && !r->keys.n) {
        char a[32], b[32];
        vl_fmt_time(r->start_ms, a);
        vl_fmt_time(r->end_ms + 2 * HOUR_MS, b);
        snprintf(err, errlen, "No public keys found between %s and %s", a, b);
        rc = OT_ENOTFOUND;
    }
    return rc;
}

static int set_trail(vl_run *r, char *err, size_t errlen)
{
    const ot_validate_opts *o = r->o;
    if (o->trail_arn) {
        char region[32], account[16], name[129];
        if (ot_trail_arn_parse(o->trail_arn, region, account, name)) {
            snprintf(err, errlen, "Invalid trail ARN provided: %s", o->trail_arn);
            return OT_EINVAL;
        }
        snprintf(r->trail_arn, sizeof r->trail_arn, "%s", o->trail_arn);
        snprintf(r->want_trail, sizeof r->want_trail, "%s", name);
        snprintf(r->want_home, sizeof r->want_home, "%s", region);
        snprintf(r->want_account, sizeof r->want_account, "%s", account);
    }
    if (o->account_id)
        snprintf(r->want_account, sizeof r->want_account, "%s", o->account_id);
    return OT_OK;
}

int ot_validate_run(const ot_validate_opts *o, FILE *out, FILE *errf)
{
    vl_run r;
    memset(&r, 0, sizeof r);
    ot_validate_opts oo = *o;
    if (oo.inflight <= 0)
        oo.inflight = 32;
    r.o = &oo;
    r.end_ms = o->end_ms >= 0 ? o->end_ms : ot_now_ms() / 1000 * 1000;
    r.start_ms = o->start_ms;
    char err[1024] = "";
    int rc, status = 255;
    if (r.start_ms >= 0 && r.start_ms > r.end_ms) {
        snprintf(err, sizeof err, "Invalid time range specified: start-time must occur before "
                 "end-time");
        goto out;
    }
    /* the data dir's chain heads before the listing: a head committed later is listed too */
    if ((rc = set_trail(&r, err, sizeof err)) || (rc = open_source(&r, err, sizeof err)) ||
        (o->data_dir && (rc = vl_heads_load(&r, err, sizeof err))) ||
        (rc = vl_collect(&r, err, sizeof err)) || (rc = load_keys(&r, err, sizeof err)))
        goto out;
    if ((rc = vl_walk_all(&r)) || (rc = vl_check_tails(&r)) || (rc = vl_find_unreferenced(&r)) ||
        (rc = vl_pool_run(&r, o->jobs, o->progress && !o->json))) {
        snprintf(err, sizeof err, "validation failed: %s", ot_strerror(rc));
        goto out;
    }
    status = vl_report(&r, out, errf);
out:
    if (status == 255)
        fprintf(errf, "\n%s\n", err[0] ? err : "validation failed");
    vl_items_free(&r);
    vl_strv_free(&r.listed);
    vl_strv_free(&r.groups);
    vl_strv_free(&r.excluded_bases);
    free(r.heads);
    ot_vkeys_free(&r.keys);
    if (r.src)
        r.src->ops->close(r.src);
    return status;
}

/* vl_util.c — small helpers of the validator: string vectors, object buffers, CloudTrail key
 * names and times. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/err.h"
#include "util/vec.h"
#include "util/timeutil.h"
#include "validate/vl_int.h"

bool vl_strv_has(const vl_strv *s, const char *str)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->v[i], str))
            return true;
    return false;
}

int vl_strv_push(vl_strv *s, const char *str)
{
    if (OT_VEC_GROW(s->v, s->cap, s->n + 1))
        return OT_ENOMEM;
    if (!(s->v[s->n] = strdup(str)))
        return OT_ENOMEM;
    s->n++;
    return OT_OK;
}

void vl_strv_free(vl_strv *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void vl_strv_sort(vl_strv *s)
{
    if (s->n)
        qsort(s->v, s->n, sizeof *s->v, cmp_str);
}

void vl_obj_init(vl_obj *o, size_t max)
{
    memset(o, 0, sizeof *o);
    ot_buf_init(&o->data, max);
}

void vl_obj_free(vl_obj *o)
{
    ot_buf_free(&o->data);
}

static int64_t basic_time(const char *ts, bool seconds)
{
    int Y, M, D, h, m, sec = 0, n = 0;
    char z = 0;
    if (seconds) {
        if (sscanf(ts, "%4d%2d%2dT%2d%2d%2d%c%n", &Y, &M, &D, &h, &m, &sec, &z, &n) != 7 || n != 16)
            return -1;
    } else if (sscanf(ts, "%4d%2d%2dT%2d%2d%c%n", &Y, &M, &D, &h, &m, &z, &n) != 6 || n != 14) {
        return -1;
    }
    if (z != 'Z')
        return -1;
    char iso[32];
    snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02dZ", Y, M, D, h, m, sec);
    return vl_parse_time(iso);
}

bool vl_parse_digest_key(const char *key, vl_dkey *o)
{
    memset(o, 0, sizeof *o);
    o->key = key;
    size_t len = strlen(key);
    const char *mid = strstr(key, "/CloudTrail-Digest/");
    const char *aws = strstr(key, "AWSLogs/");
    if (!mid || !aws || aws > mid || (aws != key && aws[-1] != '/'))
        return false;
    o->backfill = len > 17 && !strcmp(key + len - 17, "_backfill.json.gz");
    size_t tail = o->backfill ? 17 : 8; /* what follows the timestamp */
    if (len < tail + 17 || (!o->backfill && strcmp(key + len - 8, ".json.gz")) ||
        key[len - tail - 17] != '_')
        return false;
    memcpy(o->ts, key + len - tail - 16, 16);
    if ((o->ms = basic_time(o->ts, true)) < 0)
        return false;
    /* account: the path component before /CloudTrail-Digest/ */
    const char *acct = mid;
    while (acct > key && acct[-1] != '/')
        acct--;
    if ((size_t)(mid - acct) >= sizeof o->account)
        return false;
    memcpy(o->account, acct, (size_t)(mid - acct));
    const char *reg = mid + strlen("/CloudTrail-Digest/"), *slash = strchr(reg, '/');
    if (!slash || (size_t)(slash - reg) >= sizeof o->region || slash == reg)
        return false;
    memcpy(o->region, reg, (size_t)(slash - reg));
    const char *file = strrchr(key, '/') + 1;
    char want[128];
    snprintf(want, sizeof want, "%s_CloudTrail-Digest_%s_", o->account, o->region);
    if (strncmp(file, want, strlen(want)))
        return false;
    const char *name = file + strlen(want), *name_end = key + len - tail - 17; /* at "_TS" */
    const char *us = name_end;
    while (us > name && us[-1] != '_')
        us--;
    if (us <= name + 1 || (size_t)(name_end - us) >= sizeof o->home ||
        (size_t)(us - 1 - name) >= sizeof o->trail)
        return false;
    memcpy(o->home, us, (size_t)(name_end - us));
    memcpy(o->trail, name, (size_t)(us - 1 - name));
    snprintf(o->base, sizeof o->base, "%.*s|%s", (int)(mid - key), key, o->region);
    snprintf(o->group, sizeof o->group, "%s|%s|%s", o->base, o->trail, o->home);
    return true;
}

bool vl_parse_log_key(const char *key, char base[1200], int64_t *ms)
{
    size_t len = strlen(key);
    const char *mid = strstr(key, "/CloudTrail/");
    const char *aws = strstr(key, "AWSLogs/");
    if (!mid || !aws || aws > mid || len < 8 || strcmp(key + len - 8, ".json.gz"))
        return false;
    const char *reg = mid + strlen("/CloudTrail/"), *slash = strchr(reg, '/');
    if (!slash || slash == reg || (size_t)(mid - key) > 1000 || slash - reg > 60)
        return false;
    const char *file = strrchr(key, '/') + 1;
    /* acct_CloudTrail_region_YYYYMMDDTHHMMZ_unique.json.gz */
    const char *p = strstr(file, "_CloudTrail_");
    if (!p)
        return false;
    p += strlen("_CloudTrail_") + (size_t)(slash - reg);
    if (*p != '_' || (*ms = basic_time(p + 1, false)) < 0)
        return false;
    snprintf(base, 1200, "%.*s|%.*s", (int)(mid - key), key, (int)(slash - reg), reg);
    return true;
}

int64_t vl_parse_time(const char *s)
{
    int64_t ms;
    if (!s || ot_time_parse_iso8601(s, &ms))
        return -1;
    return ms;
}

void vl_fmt_time(int64_t ms, char out[32])
{
    ot_time_iso8601(ms, out);
}

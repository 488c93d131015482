/* api_cw_read.c — the members the CloudWatch operations read and write alike: strings with
 * their length limits, enums, numbers, timestamps, lists, dimensions, metrics and NextToken,
 * each answering MissingParameter or InvalidParameterValue as CloudWatch does
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CommonErrors.html). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_cw_int.h"
#include "util/err.h"

const char *const OT_CWAPI_UNITS[] = {
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
    "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
    "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second",
    "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second",
    "Gigabits/Second", "Terabits/Second", "Count/Second", "None", NULL,
};

const char *const OT_CWAPI_STATISTICS[] = {"SampleCount", "Average", "Sum", "Minimum",
                                           "Maximum", NULL};

static bool missing(ot_cw_call *c, const char *key)
{
    return ot_cwapi_fail(c, "MissingParameter", "The parameter %s is required.", key);
}

static bool invalid(ot_cw_call *c, const char *key, const char *what)
{
    return ot_cwapi_fail(c, "InvalidParameterValue", "The parameter %s %s.", key, what);
}

/* Common to every reader: rc of an accessor into an answer. */
static bool checked(ot_cw_call *c, int rc, const char *key, bool required, const char *what,
                    bool *present)
{
    if (present)
        *present = rc == OT_OK;
    if (rc == OT_ENOTFOUND)
        return required ? missing(c, key) : true;
    return rc == OT_OK ? true : invalid(c, key, what);
}

bool ot_cwapi_str(ot_cw_call *c, const ot_cwd *m, const char *key, bool required, size_t min,
                  size_t max, const char **out)
{
    *out = NULL;
    if (!checked(c, ot_cwd_str(ot_cwd_get(m, key), out), key, required, "must be a string",
                 NULL))
        return false;
    if (!*out)
        return true;
    size_t len = strlen(*out);
    if (len < min || len > max) {
        char what[96];
        snprintf(what, sizeof what, "must be %zu to %zu characters long", min, max);
        return invalid(c, key, what);
    }
    return true;
}

bool ot_cwapi_enum(ot_cw_call *c, const ot_cwd *m, const char *key, bool required,
                   const char *const *allowed, const char **out)
{
    if (!ot_cwapi_str(c, m, key, required, 0, 255, out))
        return false;
    if (!*out)
        return true;
    for (size_t i = 0; allowed[i]; i++)
        if (!strcmp(allowed[i], *out))
            return true;
    char what[1024] = "must be one of:";
    for (size_t i = 0; allowed[i]; i++) {
        size_t at = strlen(what);
        snprintf(what + at, sizeof what - at, "%s %s", i ? "," : "", allowed[i]);
    }
    return invalid(c, key, what);
}

bool ot_cwapi_int(ot_cw_call *c, const ot_cwd *m, const char *key, bool required, int64_t lo,
                  int64_t hi, int64_t *out, bool *present)
{
    bool given;
    if (!checked(c, ot_cwd_int(ot_cwd_get(m, key), out), key, required, "must be an integer",
                 &given))
        return false;
    if (present)
        *present = given;
    if (given && (*out < lo || *out > hi)) {
        char what[96];
        snprintf(what, sizeof what, "must be between %" PRId64 " and %" PRId64, lo, hi);
        return invalid(c, key, what);
    }
    return true;
}

bool ot_cwapi_num(ot_cw_call *c, const ot_cwd *m, const char *key, bool required, double *out,
                  bool *present)
{
    bool given;
    if (!checked(c, ot_cwd_num(ot_cwd_get(m, key), out), key, required, "must be a number",
                 &given))
        return false;
    if (present)
        *present = given;
    if (given && (!isfinite(*out) || fabs(*out) > 1e108))
        return invalid(c, key, "must be a finite number within +/-1e108");
    return true;
}

bool ot_cwapi_bool(ot_cw_call *c, const ot_cwd *m, const char *key, bool *out, bool *present)
{
    return checked(c, ot_cwd_bool(ot_cwd_get(m, key), out), key, false, "must be a boolean",
                   present);
}

bool ot_cwapi_time(ot_cw_call *c, const ot_cwd *m, const char *key, bool required,
                   int64_t *out, bool *present)
{
    return checked(c, ot_cwd_time_ms(ot_cwd_get(m, key), out), key, required,
                   "must be a timestamp", present);
}

bool ot_cwapi_list(ot_cw_call *c, const ot_cwd *m, const char *key, bool required, size_t max,
                   const ot_cwd **first, size_t *n)
{
    if (!checked(c, ot_cwd_list(ot_cwd_get(m, key), first, n), key, required, "must be a list",
                 NULL))
        return false;
    if (*n > max) {
        char what[64];
        snprintf(what, sizeof what, "must have at most %zu members", max);
        return invalid(c, key, what);
    }
    return true;
}

bool ot_cwapi_strings(ot_cw_call *c, const ot_cwd *m, const char *key, bool required,
                      size_t max, size_t maxlen, const char **out, size_t *n)
{
    const ot_cwd *v;
    if (!ot_cwapi_list(c, m, key, required, max, &v, n))
        return false;
    for (size_t i = 0; v; v = v->next, i++) {
        if (ot_cwd_str(v, &out[i]) || !out[i][0] || strlen(out[i]) > maxlen) {
            char what[96];
            snprintf(what, sizeof what, "must hold strings of 1 to %zu characters", maxlen);
            return invalid(c, key, what);
        }
    }
    return true;
}

bool ot_cwapi_dims(ot_cw_call *c, const ot_cwd *m, const char *key, bool filter,
                   ot_cw_dim *dims, size_t *n)
{
    const ot_cwd *v;
    if (!ot_cwapi_list(c, m, key, false, OT_CW_DIMS_MAX, &v, n))
        return false;
    for (size_t i = 0; v; v = v->next, i++) {
        if (v->type != OT_CWD_MAP)
            return invalid(c, key, "must be a list of Name/Value pairs");
        if (!ot_cwapi_str(c, v, "Name", true, 1, OT_CW_NAME_MAX, &dims[i].name) ||
            !ot_cwapi_str(c, v, "Value", !filter, 1, OT_CW_DIM_VALUE_MAX, &dims[i].value))
            return false;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(dims[j].name, dims[i].name))
                return ot_cwapi_fail(c, "InvalidParameterValue",
                                     "No metric may have duplicate dimensions (%s).",
                                     dims[i].name);
    }
    return true;
}

bool ot_cwapi_metric(ot_cw_call *c, const ot_cwd *m, bool required, ot_cw_metric *out,
                     ot_cw_dim dims[OT_CW_DIMS_MAX])
{
    memset(out, 0, sizeof *out);
    out->dims = dims;
    return ot_cwapi_str(c, m, "Namespace", required, 1, OT_CW_NAME_MAX, &out->namespace_) &&
           ot_cwapi_str(c, m, "MetricName", required, 1, OT_CW_NAME_MAX, &out->name) &&
           ot_cwapi_dims(c, m, "Dimensions", false, dims, &out->ndims);
}

bool ot_cwapi_next_token(ot_cw_call *c, int64_t *offset)
{
    const char *tok;
    *offset = 0;
    if (!ot_cwapi_str(c, c->in, "NextToken", false, 0, 64, &tok))
        return false;
    if (!tok)
        return true;
    char *end;
    long long v = strtoll(tok, &end, 10);
    if (!tok[0] || *end || v <= 0)
        return ot_cwapi_fail(c, "InvalidNextToken", "The service couldn't process the token.");
    *offset = v;
    return true;
}

void ot_cwapi_write_dim(ot_cww *w, const char *name, const char *value)
{
    ot_cww_map(w, NULL);
    ot_cww_str(w, "Name", name);
    ot_cww_str(w, "Value", value);
    ot_cww_end(w);
}

void ot_cwapi_write_next_token(ot_cw_call *c, int64_t offset)
{
    char tok[32];
    snprintf(tok, sizeof tok, "%" PRId64, offset);
    ot_cww_str(&c->w, "NextToken", tok);
}

/* config.c — one table of serve options; the command line and the config file share it. */
#include "config/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/region.h"
#include "util/timeutil.h"

void ot_config_defaults(ot_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->listen, sizeof cfg->listen, "127.0.0.1:4590");
    snprintf(cfg->data_dir, sizeof cfg->data_dir, "./opentrail-data");
    snprintf(cfg->account_id, sizeof cfg->account_id, "123456789012");
    snprintf(cfg->default_region, sizeof cfg->default_region, "us-east-1");
    cfg->delivery_interval_ms = 5 * 60 * 1000;
    cfg->delivery_max_bytes = 64u << 20;
    cfg->digest_interval_ms = 60 * 60 * 1000;
    cfg->key_rotation_ms = 30LL * 24 * 3600 * 1000;
    cfg->log_bucket_write_once = true;
    cfg->history_retention_ms = 90LL * 24 * 3600 * 1000;
    cfg->http_threads = 16;
    cfg->max_connections = 10000;
    cfg->max_connections_per_ip = 256;
    cfg->header_timeout_ms = 20 * 1000;
    cfg->body_timeout_ms = 20 * 1000;
}

static int set_string(char *dst, size_t cap, const char *value, const char *key, char *err,
                      size_t errlen)
{
    if (strlen(value) >= cap) {
        snprintf(err, errlen, "%s: value too long (at most %zu characters)", key, cap - 1);
        return OT_EINVAL;
    }
    snprintf(dst, cap, "%s", value);
    return OT_OK;
}

static int set_bool(bool *dst, const char *value, const char *key, char *err, size_t errlen)
{
    if (!strcmp(value, "true") || !strcmp(value, "1") || !strcmp(value, "yes"))
        *dst = true;
    else if (!strcmp(value, "false") || !strcmp(value, "0") || !strcmp(value, "no"))
        *dst = false;
    else {
        snprintf(err, errlen, "%s: expected true or false, got '%s'", key, value);
        return OT_EINVAL;
    }
    return OT_OK;
}

static int set_count(unsigned *dst, const char *value, unsigned lo, unsigned hi, const char *key,
                     char *err, size_t errlen)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(value, &end, 10);
    if (end == value || *end || errno || *value == '-' || v < lo || v > hi) {
        snprintf(err, errlen, "%s: expected a whole number from %u to %u, got '%s'", key, lo, hi,
                 value);
        return OT_EINVAL;
    }
    *dst = (unsigned)v;
    return OT_OK;
}

static int set_timeout(int64_t *dst, const char *value, const char *key, char *err, size_t errlen)
{
    int64_t ms;
    if (ot_duration_parse(value, &ms) || ms < 1000 || ms > 3600 * 1000) {
        snprintf(err, errlen, "%s: expected a duration from 1s to 1h such as 20s, got '%s'", key,
                 value);
        return OT_EINVAL;
    }
    *dst = ms;
    return OT_OK;
}

/* The HTTP listener's options; 1 if key is not one of them. */
static int set_http(ot_config *cfg, const char *key, const char *value, char *err, size_t errlen)
{
    if (!strcmp(key, "tls-cert"))
        return set_string(cfg->tls_cert, sizeof cfg->tls_cert, value, key, err, errlen);
    if (!strcmp(key, "tls-key"))
        return set_string(cfg->tls_key, sizeof cfg->tls_key, value, key, err, errlen);
    if (!strcmp(key, "http-threads"))
        return set_count(&cfg->http_threads, value, 1, 1024, key, err, errlen);
    if (!strcmp(key, "max-connections"))
        return set_count(&cfg->max_connections, value, 1, 1000000, key, err, errlen);
    if (!strcmp(key, "max-connections-per-ip"))
        return set_count(&cfg->max_connections_per_ip, value, 0, 1000000, key, err, errlen);
    if (!strcmp(key, "header-timeout"))
        return set_timeout(&cfg->header_timeout_ms, value, key, err, errlen);
    if (!strcmp(key, "body-timeout"))
        return set_timeout(&cfg->body_timeout_ms, value, key, err, errlen);
    return 1;
}

int ot_config_check(const ot_config *cfg, char *err, size_t errlen)
{
    if (!cfg->tls_cert[0] != !cfg->tls_key[0]) {
        snprintf(err, errlen, "tls-cert and tls-key go together: give both to serve HTTPS, or "
                              "neither for plain HTTP");
        return OT_EINVAL;
    }
    return OT_OK;
}

int ot_config_set(ot_config *cfg, const char *key, const char *value, char *err, size_t errlen)
{
    int rc = set_http(cfg, key, value, err, errlen);
    if (rc != 1)
        return rc;
    if (!strcmp(key, "listen"))
        return set_string(cfg->listen, sizeof cfg->listen, value, key, err, errlen);
    if (!strcmp(key, "data-dir"))
        return set_string(cfg->data_dir, sizeof cfg->data_dir, value, key, err, errlen);
    if (!strcmp(key, "region")) {
        if (!ot_region_valid(value)) {
            snprintf(err, errlen, "region: '%s' is not an AWS region name (such as us-east-1)", value);
            return OT_EINVAL;
        }
        return set_string(cfg->default_region, sizeof cfg->default_region, value, key, err, errlen);
    }
    if (!strcmp(key, "account-id")) {
        if (strlen(value) != 12 || strspn(value, "0123456789") != 12) {
            snprintf(err, errlen, "account-id: expected 12 digits, got '%s'", value);
            return OT_EINVAL;
        }
        return set_string(cfg->account_id, sizeof cfg->account_id, value, key, err, errlen);
    }
    if (!strcmp(key, "delivery-interval")) {
        int64_t ms;
        if (ot_duration_parse(value, &ms) || ms < 100) {
            snprintf(err, errlen, "delivery-interval: expected a duration such as 5m or 2s "
                                  "(at least 100ms), got '%s'", value);
            return OT_EINVAL;
        }
        cfg->delivery_interval_ms = ms;
        return OT_OK;
    }
    if (!strcmp(key, "digest-interval")) {
        int64_t ms;
        if (ot_duration_parse(value, &ms) || ms < 1000) {
            snprintf(err, errlen, "digest-interval: expected a duration such as 1h or 5s "
                                  "(at least 1s), got '%s'", value);
            return OT_EINVAL;
        }
        cfg->digest_interval_ms = ms;
        return OT_OK;
    }
    if (!strcmp(key, "key-rotation")) {
        int64_t ms;
        if (ot_duration_parse(value, &ms) || ms < 1000) {
            snprintf(err, errlen, "key-rotation: expected a duration such as 30d or 1h "
                                  "(at least 1s), got '%s'", value);
            return OT_EINVAL;
        }
        cfg->key_rotation_ms = ms;
        return OT_OK;
    }
    if (!strcmp(key, "delivery-max-bytes")) {
        char *end;
        unsigned long long v = strtoull(value, &end, 10);
        if (*end || v < 1024) {
            snprintf(err, errlen, "delivery-max-bytes: expected a byte count >= 1024, got '%s'", value);
            return OT_EINVAL;
        }
        cfg->delivery_max_bytes = v;
        return OT_OK;
    }
    if (!strcmp(key, "history-retention")) {
        int64_t ms;
        if (ot_duration_parse(value, &ms) || ms < 0) {
            snprintf(err, errlen, "history-retention: expected a duration such as 90d or 12h "
                                  "(0 = forever), got '%s'", value);
            return OT_EINVAL;
        }
        cfg->history_retention_ms = ms;
        return OT_OK;
    }
    if (!strcmp(key, "lookup-rate")) {
        char *end;
        double v = strtod(value, &end);
        if (end == value || *end || !(v >= 0) || v > 1e6) {
            snprintf(err, errlen, "lookup-rate: expected calls per second >= 0 (0 = unlimited), "
                                  "got '%s'", value);
            return OT_EINVAL;
        }
        cfg->lookup_rate = v;
        return OT_OK;
    }
    if (!strcmp(key, "any-credentials"))
        return set_bool(&cfg->any_credentials, value, key, err, errlen);
    if (!strcmp(key, "no-fsync"))
        return set_bool(&cfg->no_fsync, value, key, err, errlen);
    if (!strcmp(key, "log-bucket-write-once"))
        return set_bool(&cfg->log_bucket_write_once, value, key, err, errlen);
    snprintf(err, errlen, "unknown option '%s' (see opentrail serve --help)", key);
    return OT_EINVAL;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

int ot_config_load_file(ot_config *cfg, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open config file %s", path);
        return OT_EIO;
    }
    char line[1024], msg[256];
    int lineno = 0, rc = OT_OK;
    while (!rc && fgets(line, sizeof line, f)) {
        lineno++;
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%d: expected 'key = value'", path, lineno);
            rc = OT_EINVAL;
            break;
        }
        *eq = '\0';
        if ((rc = ot_config_set(cfg, trim(s), trim(eq + 1), msg, sizeof msg)))
            snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
    }
    fclose(f);
    return rc;
}

/* rules_arn.c — what a target's ARN names: the services opentrail delivers to, the name inside
 * the ARN, and ARNs of other services told apart from malformed ones. */
#include <ctype.h>
#include <string.h>

#include "rules/rules.h"

/* Copies the colon-terminated field at *p into out (at most cap - 1 bytes); false when the
 * field has no colon after it or does not fit. */
static bool field(const char **p, char *out, size_t cap)
{
    const char *colon = strchr(*p, ':');
    if (!colon || (size_t)(colon - *p) >= cap)
        return false;
    memcpy(out, *p, (size_t)(colon - *p));
    out[colon - *p] = '\0';
    *p = colon + 1;
    return true;
}

static bool account_ok(const char *a)
{
    if (strlen(a) != 12)
        return false;
    for (; *a; a++)
        if (!isdigit((unsigned char)*a))
            return false;
    return true;
}

/* The name after prefix in resource, up to the next '/' (kept in *len). */
static bool named(const char *resource, const char *prefix, ot_target_ref *out)
{
    size_t n = strlen(prefix);
    if (strncmp(resource, prefix, n) || !resource[n] || resource[n] == '/')
        return false;
    out->name = resource + n;
    const char *slash = strchr(out->name, '/');
    out->name_len = slash ? (size_t)(slash - out->name) : strlen(out->name);
    return true;
}

static ot_target_kind classify(const char *resource, ot_target_ref *out)
{
    if (!strcmp(out->service, "sns")) {
        out->name = resource;
        out->name_len = strlen(resource);
        return strchr(resource, ':') || strchr(resource, '/') ? OT_TARGET_MALFORMED
                                                              : OT_TARGET_SNS;
    }
    if (!strcmp(out->service, "logs")) {
        if (strncmp(resource, "log-group:", 10))
            return OT_TARGET_MALFORMED;
        out->name = resource + 10;
        const char *colon = strchr(out->name, ':');
        out->name_len = colon ? (size_t)(colon - out->name) : strlen(out->name);
        return (colon && strcmp(colon, ":*")) || !out->name_len ? OT_TARGET_MALFORMED
                                                                : OT_TARGET_LOGS;
    }
    if (!strcmp(out->service, "events") && named(resource, "api-destination/", out))
        return OT_TARGET_API_DESTINATION;
    if (!strcmp(out->service, "events") && named(resource, "opentrail-runbook/", out) &&
        !out->name[out->name_len])
        return OT_TARGET_RUNBOOK;
    return OT_TARGET_UNSUPPORTED;
}

bool ot_rules_runbook_known(const char *name, size_t len)
{
    static const char *const runbooks[] = {"trail-restore", "bucket-policy-restore",
                                           "instance-login"};
    for (size_t i = 0; i < sizeof runbooks / sizeof runbooks[0]; i++)
        if (strlen(runbooks[i]) == len && !memcmp(runbooks[i], name, len))
            return true;
    return false;
}

ot_target_kind ot_rules_target_parse(const char *arn, ot_target_ref *out)
{
    memset(out, 0, sizeof *out);
    char partition[32];
    const char *p = arn;
    if (strncmp(p, "arn:", 4))
        return OT_TARGET_MALFORMED;
    p += 4;
    if (!field(&p, partition, sizeof partition) || strncmp(partition, "aws", 3) ||
        !field(&p, out->service, sizeof out->service) || !out->service[0] ||
        !field(&p, out->region, sizeof out->region) ||
        !field(&p, out->account, sizeof out->account) || !*p)
        return out->kind = OT_TARGET_MALFORMED;
    bool regional = out->region[0] && account_ok(out->account);
    out->kind = classify(p, out);
    if (out->kind != OT_TARGET_UNSUPPORTED && out->kind != OT_TARGET_MALFORMED && !regional)
        out->kind = OT_TARGET_MALFORMED;
    return out->kind;
}

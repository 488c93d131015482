/* human_who.c — the facts of one userIdentity, and the rules that name a human from them
 * without looking anything up: an IAM user, the root user, a session's sourceIdentity, an IAM
 * Identity Center (AWSReservedSSO_*) session, and the identities an STS event's caller can have
 * (SAML, web identity, another account). The record shapes are AWS's
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html). */
#include "incident/incident_int.h"

#include <stdio.h>
#include <string.h>

#include "util/timeutil.h"

static void read_session(ot_json id, incident_who *w)
{
    ot_json ctx, attrs;
    if (ot_json_get(id, "sessionContext", &ctx) != 0 || ot_json_typeof(ctx) != OT_JSON_OBJECT)
        return;
    (void)ot_json_get_strbuf(ctx, "sourceIdentity", w->source_identity, sizeof w->source_identity);
    if (ot_json_get(ctx, "attributes", &attrs) != 0)
        return;
    char created[64];
    (void)ot_json_get_strbuf(attrs, "creationDate", created, sizeof created);
    if (created[0] && ot_time_parse_iso8601(created, &w->created_ms) != 0)
        w->created_ms = 0;
}

void incident_who_read(ot_json id, incident_who *w)
{
    memset(w, 0, sizeof *w);
    if (ot_json_typeof(id) != OT_JSON_OBJECT)
        return;
    (void)ot_json_get_strbuf(id, "type", w->type, sizeof w->type);
    (void)ot_json_get_strbuf(id, "arn", w->arn, sizeof w->arn);
    (void)ot_json_get_strbuf(id, "accountId", w->account, sizeof w->account);
    (void)ot_json_get_strbuf(id, "principalId", w->principal_id, sizeof w->principal_id);
    (void)ot_json_get_strbuf(id, "accessKeyId", w->access_key_id, sizeof w->access_key_id);
    (void)ot_json_get_strbuf(id, "userName", w->user_name, sizeof w->user_name);
    (void)ot_json_get_strbuf(id, "identityProvider", w->identity_provider, sizeof w->identity_provider);
    read_session(id, w);
}

/* The text after the last '/' of an ARN ("" if it has none). */
static const char *arn_last(const char *arn)
{
    const char *slash = strrchr(arn, '/');
    return slash ? slash + 1 : "";
}

/* IAM Identity Center signs users in to roles it names AWSReservedSSO_<permission set>_<id>;
 * the session name is the user's Identity Center user name (an observed convention). */
static bool identity_center_session(const char *arn)
{
    const char *role = strstr(arn, ":assumed-role/");
    return role && !strncmp(role + strlen(":assumed-role/"), "AWSReservedSSO_", 15) &&
           strchr(role + strlen(":assumed-role/"), '/');
}

static bool set(ot_human *h, ot_human_how how, const char *name, const char *provider)
{
    h->how = how;
    snprintf(h->name, sizeof h->name, "%.*s", (int)sizeof h->name - 1, name);
    snprintf(h->provider, sizeof h->provider, "%.*s", (int)sizeof h->provider - 1, provider);
    return true;
}

static bool root_user(const incident_who *w, ot_human *h)
{
    if (w->arn[0])
        return set(h, OT_HUMAN_ROOT, w->arn, "");
    char arn[64];
    snprintf(arn, sizeof arn, "arn:aws:iam::%.16s:root", w->account);
    return set(h, OT_HUMAN_ROOT, arn, "");
}

static bool assumed_role(const incident_who *w, ot_human *h)
{
    if (w->source_identity[0])
        return set(h, OT_HUMAN_SOURCE_IDENTITY, w->source_identity, "");
    if (identity_center_session(w->arn) && *arn_last(w->arn))
        return set(h, OT_HUMAN_IDENTITY_CENTER, arn_last(w->arn), "");
    return false;
}

bool incident_who_direct(const incident_who *w, ot_human *h)
{
    if (!strcmp(w->type, "IAMUser"))
        return set(h, OT_HUMAN_IAM_USER, w->user_name[0] ? w->user_name : arn_last(w->arn), "");
    if (!strcmp(w->type, "Root"))
        return root_user(w, h);
    if (!strcmp(w->type, "AssumedRole"))
        return assumed_role(w, h);
    if (!strcmp(w->type, "SAMLUser"))
        return set(h, OT_HUMAN_SAML, w->user_name, w->identity_provider);
    if (!strcmp(w->type, "WebIdentityUser"))
        return set(h, OT_HUMAN_WEB_IDENTITY, w->user_name, w->identity_provider);
    if (!strcmp(w->type, "AWSAccount"))
        return set(h, OT_HUMAN_OTHER_ACCOUNT, w->account, "");
    return false;
}

static const char *const HOW_NAMES[] = {
    [OT_HUMAN_UNRESOLVED] = "unresolved",
    [OT_HUMAN_IAM_USER] = "iam-user",
    [OT_HUMAN_ROOT] = "root",
    [OT_HUMAN_SOURCE_IDENTITY] = "source-identity",
    [OT_HUMAN_IDENTITY_CENTER] = "identity-center",
    [OT_HUMAN_ASSUME_ROLE] = "assume-role",
    [OT_HUMAN_SAML] = "saml",
    [OT_HUMAN_WEB_IDENTITY] = "web-identity",
    [OT_HUMAN_OTHER_ACCOUNT] = "other-account",
};

const char *ot_human_how_name(ot_human_how how)
{
    return (unsigned)how < sizeof HOW_NAMES / sizeof HOW_NAMES[0] ? HOW_NAMES[how]
                                                                   : "unresolved";
}

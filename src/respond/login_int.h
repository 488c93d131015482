/* login_int.h — private to src/respond: the instance-login runbook (docs/runbooks.md
 * "instance-login"): a login to an EC2 instance (an EC2 Instance Connect key, a serial console
 * key, a Session Manager session) is isolated through the configured webhook unless the
 * allowlist approves it; an incident either way. */
#ifndef OT_LOGIN_INT_H
#define OT_LOGIN_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "respond/login_allowlist.h"
#include "respond/respond_int.h"

#define RB_INSTANCE_LOGIN "instance-login"
#define LOGIN_HOOK_ATTEMPTS 3

/* The runbook's configuration, checked and parsed once when the runbooks start. */
struct rb_login {
    int mode;                 /* ot_runbook_mode */
    rb_allowlist allow;
    const char *webhook;      /* the URL, "" = none (points into the config) */
    const char *secret;       /* "Name: value" header sent with it, "" = none */
};

/* Checks the runbook-instance-login-* options: OT_EINVAL with the reason in err. */
int rb_login_open(const ot_config *cfg, struct rb_login **out, char *err, size_t errlen);
void rb_login_close(struct rb_login *l);

/* Whether the record may be a trigger (cheap: the WAL header, or a look into an activity
 * event's JSON); rb_instance_login_run decides on the parsed record. */
bool rb_instance_login_wants(const ot_event *ev);
/* Runs the runbook for one record. 0 when done (acted or not, incident written); an error
 * only when the incident could not be stored (the record is then read again). */
int rb_instance_login_run(ot_runbooks *rb, rb_trigger *t);

/* ---- the webhook (login_webhook.c) ---- */

typedef struct rb_webhook_req {
    const char *url;
    const char *secret_header;     /* "Name: value" or NULL */
    const char *idempotency_key;   /* the incident id */
    const char *body;
    size_t body_len;
} rb_webhook_req;

typedef struct rb_webhook_result {
    int attempts;
    long status;                   /* the last HTTP status, 0 = no answer */
    char error[256];               /* why the last attempt failed; "" on success */
} rb_webhook_result;

/* POSTs the body (retrying a network error, 429 and 5xx; LOGIN_HOOK_ATTEMPTS at most).
 * 0 when an attempt got a 2xx, else OT_EAGAIN / OT_EINVAL (refused) with out->error. */
int rb_webhook_post(const rb_webhook_req *req, rb_webhook_result *out);

/* ---- the incident (login_incident.c) ---- */

/* What the record says about the login. */
typedef struct rb_login_facts {
    const char *event_name;        /* SendSSHPublicKey, SendSerialConsoleSSHPublicKey, StartSession */
    char instance_id[32];
    char os_user[RB_ALLOW_USER_MAX]; /* "" when the record names none */
    char serial_port[16];          /* "" unless a serial console key */
    char source_ip[64];
    char actor_arn[RB_ALLOW_ACTOR_MAX];
} rb_login_facts;

/* What the runbook decided and did. */
typedef struct rb_login_outcome {
    const char *status;            /* open, isolated, webhook-failed, allowed, not-isolated,
                                    * dry-run */
    const rb_allow_entry *allowed; /* the entry that matched, or NULL */
    bool dry_run;
    const char *webhook_url;       /* "" when none is configured */
    bool called;                   /* whether the webhook was called */
    rb_webhook_result hook;
} rb_login_outcome;

/* The record (ending in RB_NO_NOTIFICATIONS) of the login's incident as it stands. */
int rb_login_incident_json(ot_runbooks *rb, const rb_trigger *t, const rb_login_facts *f,
                           const rb_login_outcome *o, const ot_human *h, int64_t created_ms,
                           ot_buf *out);
/* Its one-line title, which is also the SNS subject. */
void rb_login_title(const rb_login_facts *f, const rb_login_outcome *o, char *out, size_t cap);
/* The webhook's entry of "notifications" (a JSON object), NULL when it was not called. */
int rb_login_webhook_note(const rb_login_outcome *o, ot_buf *out);

#endif

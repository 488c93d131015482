/* respond.h — the built-in runbooks: what the server does by itself, within a second, when a
 * recorded event says a control was turned off (docs/runbooks.md).
 *
 * The runbooks read the WAL as the named reader "runbooks" (wal/wal_cursor.h): each CloudTrail
 * record the server records is offered to them in order, and the reader's position is stored
 * only after the incident of a record is written, so a record is acted on at least once across
 * kill -9 and every runbook is idempotent (it checks the state before it changes anything, and
 * the incident store keeps one incident per trigger event). A runbook changes state only by
 * calling the real API handlers in process (ot_api_invoke), as its own principal, so its
 * actions are audited like anyone's; it never triggers itself. */
#ifndef OT_RESPOND_H
#define OT_RESPOND_H

#include <stddef.h>

#include "api/api.h"

#define OT_RUNBOOKS_CURSOR "runbooks"

/* The responder's principal: an assumed role of the account the trigger happened in, its
 * session named after the runbook; its calls come from this address and user agent. */
#define OT_RESPONDER_ROLE "OpenTrailResponder"
#define OT_RESPONDER_SOURCE_IP "runbooks.opentrail.internal"
#define OT_RESPONDER_USER_AGENT_PREFIX "opentrail-runbook/"

typedef struct ot_runbooks ot_runbooks;

/* Opens DATA-DIR/incidents.db and starts the reader. Call after the WAL, state.db, the event
 * history and SNS are open (the history must be open: incidents name the events it holds). */
int ot_runbooks_start(ot_api *srv, ot_runbooks **out);
/* Stops the reader (after the record in progress) and closes what it opened. NULL is fine. */
void ot_runbooks_stop(ot_runbooks *rb);

/* One runbook as `opentrail runbook list` shows it. */
#define OT_RUNBOOK_MAX_SETTINGS 6

typedef struct ot_runbook_setting {
    const char *key;        /* the config key (config.h) */
    char value[1024];       /* as it would be typed; "" when unset */
} ot_runbook_setting;

typedef struct ot_runbook_info {
    const char *name;       /* "trail-restore" */
    const char *state;      /* "on", "off" or "dry-run" */
    const char *trigger;    /* one sentence */
    const char *action;     /* one sentence */
    ot_runbook_setting settings[OT_RUNBOOK_MAX_SETTINGS];
    size_t nsettings;
} ot_runbook_info;

/* The built-in runbooks with their state and settings in cfg; returns how many (at most max). */
size_t ot_runbook_list(const ot_config *cfg, ot_runbook_info *out, size_t max);

#endif

/* ready.h — the readiness checks behind GET /ready (api/health.c), run by the daemon, which
 * owns the components they look at. */
#ifndef OT_DAEMON_READY_H
#define OT_DAEMON_READY_H

#include <stddef.h>

#include "api/api.h"

/* ot_api.ready: fills checks (at most OT_READY_MAX_CHECKS) and returns how many:
 *   wal       the WAL is open and no failed fsync has made it read-only;
 *   state_db  state.db takes a write lock (BEGIN IMMEDIATE);
 *   delivery  the oldest WAL record delivery still needs is younger than
 *             --delivery-interval + --ready-delivery-lag (a store that keeps refusing files,
 *             or a stuck delivery thread, holds it back);
 *   disk      the data dir's file system has at least --ready-min-free-bytes free.
 * ctx is the ot_api. */
size_t ot_ready_checks(void *ctx, ot_ready_check *checks);

#endif

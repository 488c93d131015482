/* readers.h — the WAL readers of the running server, started and stopped from one table. */
#ifndef OT_DAEMON_READERS_H
#define OT_DAEMON_READERS_H

#include "api/api.h"

/* Reserves every reader's cursor (so no reader's commit releases records another one has not
 * read yet, even on a data dir that has no cursor files yet), then starts them in table order.
 * Call after the WAL, the store, state.db and the digest writer are open. */
int ot_readers_start(ot_api *srv);
/* Stops them in reverse order. */
void ot_readers_stop(ot_api *srv);

#endif

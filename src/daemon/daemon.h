/* daemon.h — the running server (`opentrail serve`): owns every component and thread, their
 * start order and their stop order. */
#ifndef OT_DAEMON_H
#define OT_DAEMON_H

#include "config/config.h"

/* Binds the port, opens the data dir, serves until SIGINT or SIGTERM, then stops everything.
 * Returns the process exit status (0, or 1 if start-up failed). */
int ot_daemon_run(const ot_config *cfg);

#endif

/* incident_int.h — what the files of the incident module share. */
#ifndef OT_INCIDENT_INT_H
#define OT_INCIDENT_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>

#include "incident/incident.h"

struct ot_incident_db {
    sqlite3 *sql;
    pthread_mutex_t mu; /* one call at a time on the connection */
    bool read_only;
};

/* "INC-YYYYMMDD-<8 random hex>" for an incident created at created_ms (UTC date). */
void incident_make_id(int64_t created_ms, char out[32]);

#endif

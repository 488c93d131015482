/* api_lookup.h — the LookupEvents handler (api_lookup.c), kept out of api_cloudtrail.h so the
 * operation table needs one line. */
#ifndef OT_API_LOOKUP_H
#define OT_API_LOOKUP_H

#include "api/api_cloudtrail.h"

int ct_lookup_events(ct_ctx *c);

#endif

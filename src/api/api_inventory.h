/* api_inventory.h — the read-only CloudTrail operations of features opentrail does not have
 * (CloudTrail Lake, imports, dashboards, data-event Insights, resource policies), answered as
 * AWS answers an account without any (api_inventory.c; the table in docs/cloudtrail-api.md),
 * and ListInsightsMetricData, whose members are checked the same way. */
#ifndef OT_API_INVENTORY_H
#define OT_API_INVENTORY_H

#include "api/api_cloudtrail.h"

int ct_list_event_data_stores(ct_ctx *c);
int ct_get_event_data_store(ct_ctx *c);
int ct_list_queries(ct_ctx *c);
int ct_describe_query(ct_ctx *c);
int ct_get_query_results(ct_ctx *c);
int ct_list_imports(ct_ctx *c);
int ct_get_import(ct_ctx *c);
int ct_list_import_failures(ct_ctx *c);
int ct_list_dashboards(ct_ctx *c);
int ct_get_dashboard(ct_ctx *c);
int ct_list_insights_metric_data(ct_ctx *c);
int ct_list_insights_data(ct_ctx *c);
int ct_get_resource_policy(ct_ctx *c);

/* An event data store named by ARN or id: none exists, so EventDataStoreARNInvalidException
 * for a malformed reference, else EventDataStoreNotFoundException. Returns -1. */
int ct_eds_not_found(ct_ctx *c, const char *ref);

#endif

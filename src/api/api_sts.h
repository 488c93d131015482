/* api_sts.h — the AWS Security Token Service (STS) as far as opentrail serves it:
 * GetCallerIdentity, in STS's query protocol (version 2011-06-15, form-encoded requests, XML
 * answers). It lets `aws sts get-caller-identity`, the first command an AWS user types, show
 * who the credentials file says the caller is. */
#ifndef OT_API_STS_H
#define OT_API_STS_H

#include "api/api.h"

/* The version every STS request must name (its Version parameter). */
#define OT_STS_VERSION "2011-06-15"

/* Answers one authenticated request signed for the service "sts" (an ot_service_fn). The
 * Action and Version parameters come from the form body of a POST, else from the query
 * string. GetCallerIdentity answers the caller's Arn, UserId (its principal id; the account id
 * for Root) and Account and is audited; any other Action or Version is 400 InvalidAction, a
 * missing Action 400 MissingAction, a malformed parameter 400 InvalidQueryParameter, all as
 * query-protocol XML errors (ot_aws_query_error). */
void ot_sts_handle(ot_api *srv, const ot_req *req, ot_resp *resp, const char **operation);

#endif

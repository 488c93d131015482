/* api_cw.h — the CloudWatch (`monitoring`) API on the main port, signed for the service
 * "monitoring", in the three protocols botocore 1.43 knows for it: smithy-rpc-v2-cbor (POST
 * /service/GraniteServiceVersion20100801/operation/<Op>, what the aws CLI and boto3 send),
 * awsJson1_0 (X-Amz-Target GraniteServiceVersion20100801.<Op>) and query (Action=<Op>,
 * Version=2010-08-01). Metrics and alarms are src/cw/; docs/alarms.md lists the operations. */
#ifndef OT_API_CW_H
#define OT_API_CW_H

#include "api/api.h"

#define OT_CW_VERSION "2010-08-01"
#define OT_CW_XMLNS "http://monitoring.amazonaws.com/doc/2010-08-01/"
#define OT_CW_TARGET_PREFIX "GraniteServiceVersion20100801."
#define OT_CW_CBOR_PATH "/service/GraniteServiceVersion20100801/operation/"

/* Answers one authenticated request signed for "monitoring" (an ot_service_fn). Metrics and
 * alarms belong to the caller's account and the request's region. PutMetricData,
 * GetMetricData, GetMetricStatistics and ListMetrics are left out of the trail (CloudTrail
 * logs them as data events, not management events); the other operations are management
 * events of monitoring.amazonaws.com. */
void ot_api_cw_handle(ot_api *srv, const ot_req *req, ot_resp *resp, const char **operation);

/* Answers an error found before the handler runs (authentication, a body over the cap) for a
 * request signed for "monitoring", in the protocol it speaks: json_code for CBOR and JSON,
 * query_code for the query protocol. */
void ot_api_cw_early_error(const ot_req *req, ot_resp *resp, int status, const char *json_code,
                           const char *query_code, const char *message);

#endif

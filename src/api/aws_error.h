/* aws_error.h — AWS-shaped error responses for each protocol.
 *
 * JSON 1.1 (cloudtrail) and rest-json (cloudtrail-data):  HTTP 4xx,
 *     X-Amzn-ErrorType: <Code>, body {"__type":"<Code>","message":"...","Message":"..."}
 * REST-XML (s3): <Error><Code>..</Code><Message>..</Message><RequestId>..</RequestId></Error>
 * query (sts):    Content-Type text/xml, <ErrorResponse xmlns="<STS namespace>"><Error><Type>Sender
 *                 or Receiver</Type><Code>..</Code><Message>..</Message></Error><RequestId>..
 *                 </RequestId></ErrorResponse> */
#ifndef OT_AWS_ERROR_H
#define OT_AWS_ERROR_H

#include <stdarg.h>

#include "api/http.h"

void ot_aws_json_error(ot_resp *resp, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same with the message's arguments as a va_list, for wrappers that take their own. */
void ot_aws_json_verror(ot_resp *resp, int status, const char *code, const char *fmt,
                        va_list ap) __attribute__((format(printf, 4, 0)));
void ot_aws_xml_error(ot_resp *resp, const ot_req *req, int status, const char *code,
                      const char *resource, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
void ot_aws_xml_verror(ot_resp *resp, const ot_req *req, int status, const char *code,
                       const char *resource, const char *fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));
/* The same with one extra element after <Message> when detail_name is not NULL, such as
 * <HeadersNotSigned>host</HeadersNotSigned>. */
void ot_aws_xml_error_detail(ot_resp *resp, const ot_req *req, int status, const char *code,
                             const char *resource, const char *detail_name,
                             const char *detail, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

/* The namespace of every STS (query protocol, version 2011-06-15) response body. */
#define OT_STS_XMLNS "https://sts.amazonaws.com/doc/2011-06-15/"

/* A query-protocol error in the STS namespace (STS, and requests whose service is not known
 * yet): Type is Sender below 500, Receiver from 500. */
void ot_aws_query_error(ot_resp *resp, const ot_req *req, int status, const char *code,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The same in the namespace of another query-protocol service (SNS, CloudWatch). */
void ot_aws_query_error_ns(ot_resp *resp, const ot_req *req, const char *xmlns, int status,
                           const char *code, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* A query-protocol answer (STS, SNS), begun and ended around the result members the caller
 * writes (indented four spaces, a line each):
 *     <ActionResponse xmlns="..."><ActionResult>...</ActionResult>
 *     <ResponseMetadata><RequestId>..</RequestId></ResponseMetadata></ActionResponse>
 * Without a result (actions that answer nothing) the ActionResult element is left out. */
void ot_aws_query_begin(ot_resp *resp, const char *action, const char *xmlns, bool with_result);
void ot_aws_query_end(ot_resp *resp, const char *request_id, const char *action,
                      bool with_result);

/* Appends <name>value</name> with value XML-escaped (the writer of every XML body above). */
void ot_aws_xml_elem(ot_buf *b, const char *name, const char *value);

#endif

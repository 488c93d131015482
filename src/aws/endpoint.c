/* endpoint.c — which URL a service is reached at (see aws.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"

void ot_aws_endpoint(const char *service_id, const char *host_prefix, const char *region,
                     char *out, size_t cap)
{
    char var[96] = "AWS_ENDPOINT_URL_";
    size_t n = strlen(var);
    for (const char *p = service_id; *p && n + 1 < sizeof var; p++)
        var[n++] = *p == '-' || *p == ' ' ? '_' : (char)toupper((unsigned char)*p);
    var[n] = '\0';
    const char *e = getenv(var);
    if (!e || !*e)
        e = getenv("AWS_ENDPOINT_URL");
    if (e && *e)
        snprintf(out, cap, "%s", e);
    else
        snprintf(out, cap, "https://%s.%s.amazonaws.com", host_prefix, region);
    size_t len = strlen(out);
    while (len && out[len - 1] == '/')
        out[--len] = '\0';
}

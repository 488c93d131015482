/* fuzz_forwarded.c — the client address behind trusted proxies (api/forwarded.c) and the
 * --trusted-proxy list (util/cidr.c). Input: first byte picks Forwarded or X-Forwarded-For;
 * the first line is a CIDR list (a fixed one if it does not parse); every further line is one
 * header value. What must hold: a picked address is IPv4 or IPv6, formats and parses back to
 * itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/forwarded.h"
#include "util/err.h"

#define MAX_LINES 64

static void check_pick(ot_fwd_kind kind, const char *const *values, size_t n,
                       const ot_cidr_list *trusted)
{
    ot_ip ip;
    int rc = ot_forwarded_pick(kind, values, n, trusted, &ip);
    if (rc != OT_OK && rc != OT_EINVAL && rc != OT_ENOTFOUND)
        abort();
    if (rc)
        return;
    if (ip.family != 4 && ip.family != 6)
        abort();
    char text[64];
    ot_ip_format(&ip, text, sizeof text);
    ot_ip back;
    if (ot_ip_parse(text, strlen(text), &back) || memcmp(&back, &ip, sizeof ip))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    ot_fwd_kind kind = data[0] & 1 ? OT_FWD_FORWARDED : OT_FWD_XFF;
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    const char *values[MAX_LINES];
    size_t n = 0;
    char *nl = strchr(text, '\n');
    char *rest = nl ? nl + 1 : NULL;
    if (nl)
        *nl = '\0';
    char err[256];
    ot_cidr_list trusted;
    if (ot_cidr_list_parse(text, &trusted, err, sizeof err) &&
        ot_cidr_list_parse("127.0.0.0/8,10.0.0.0/8,::1/128", &trusted, err, sizeof err))
        abort();
    while (rest && n < MAX_LINES) {
        values[n++] = rest;
        nl = strchr(rest, '\n');
        if (nl)
            *nl = '\0';
        rest = nl ? nl + 1 : NULL;
    }
    check_pick(kind, values, n, &trusted);
    ot_cidr_list_free(&trusted);
    free(text);
    return 0;
}

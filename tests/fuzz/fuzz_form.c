/* fuzz_form.c — the query protocol on untrusted bytes: ot_form_param (src/api/http_req.c) over
 * a form body or query string, and ot_sts_handle (src/api/api_sts.c) with the input as the
 * form-encoded body of a POST and as the query string of a GET.
 *
 * What must hold besides "no crash, leak or UB": a parameter found fits its buffer and, read
 * as a form, holds no NUL byte; the same call over the same bytes gives the same answer; and
 * STS answers 200 (operation GetCallerIdentity, a GetCallerIdentityResponse body) or 400 (no
 * operation, an <ErrorResponse> body), nothing else. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_sts.h"
#include "api/http.h"
#include "util/err.h"

static void check_param(const char *s, size_t n, const char *name, bool form)
{
    char a[64], b[64];
    memset(a, 'x', sizeof a);
    int rc = ot_form_param(s, n, name, form, a, sizeof a);
    if (rc != OT_OK && rc != OT_ENOTFOUND && rc != OT_ELIMIT)
        abort();
    if (rc == OT_OK && memchr(a, '\0', sizeof a) == NULL)
        abort();
    if (ot_form_param(s, n, name, form, b, sizeof b) != rc || (rc == OT_OK && strcmp(a, b)))
        abort();
}

static void check_sts(const char *method, const char *query, const char *body, size_t n)
{
    ot_req req;
    memset(&req, 0, sizeof req);
    req.method = method;
    req.raw_path = "/";
    req.raw_query = query;
    req.body = body;
    req.body_len = n;
    snprintf(req.request_id, sizeof req.request_id, "fuzz");
    snprintf(req.principal.arn, sizeof req.principal.arn, "arn:aws:iam::123456789012:root");
    ot_resp resp;
    ot_resp_init(&resp);
    const char *operation = "unset";
    ot_sts_handle(NULL, &req, &resp, &operation);
    ot_buf_putc(&resp.body, '\0');
    const char *text = resp.body.data;
    bool ok = resp.status == 200 && operation && !strcmp(operation, "GetCallerIdentity") &&
              !strncmp(text, "<GetCallerIdentityResponse ", 27);
    bool refused = resp.status == 400 && !operation && !strncmp(text, "<ErrorResponse ", 15);
    if (!ok && !refused)
        abort();
    ot_resp_free(&resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Exactly size bytes, with no NUL after them, so a read past the end is caught. */
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    static const char *const names[] = {"Action", "Version", "", "A"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        check_param(s, size, names[i], true);
        check_param(s, size, names[i], false);
    }
    char *body = malloc(size + OT_BUF_PAD);   /* a request body has OT_BUF_PAD NULs after it */
    char *query = strndup((const char *)data, size);
    if (body && query) {
        memcpy(body, data, size);
        memset(body + size, 0, OT_BUF_PAD);
        check_sts("POST", "", body, size);
        check_sts("GET", query, "", 0);
    }
    free(query);
    free(body);
    free(s);
    return 0;
}

/* http_post.h — one HTTP(S) POST of a body to a URL, for the server's outgoing notifications
 * (SNS http/https subscriptions, the instance-login isolation webhook). Redirects are not
 * followed, only http and https are spoken, the answer's body is discarded: only its status
 * counts. Retrying is the caller's. */
#ifndef OT_HTTP_POST_H
#define OT_HTTP_POST_H

#include <stddef.h>

typedef struct ot_http_post {
    const char *url;
    const char *const *headers;  /* "Name: value" lines, NULL-terminated (NULL: none) */
    const char *user_agent;
    const char *body;
    size_t body_len;
    long connect_timeout_s;      /* to connect */
    long timeout_s;              /* for the whole exchange */
} ot_http_post;

/* Sends it once. *status gets the answer's HTTP status (0 when there was none). 0 for a 2xx;
 * OT_EAGAIN for no answer (err: why, as curl says it) or another status (err "HTTP <n>");
 * OT_ENOMEM. */
int ot_http_post_once(const ot_http_post *p, long *status, char *err, size_t errcap);

#endif

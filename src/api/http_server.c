/* http_server.c — libmicrohttpd glue: collect the request, call the handler, send the reply. */
#include "api/http_server.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/crypto.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"

struct ot_http {
    struct MHD_Daemon *daemon;
    ot_http_handlers h;
};

/* Per-request state, created by the URI callback before headers are parsed. */
typedef struct http_call {
    char *raw_uri;
    char *raw_path;
    ot_req req;
    ot_buf body;
    size_t cap;
    int started;
    int too_large;
} http_call;

static void *uri_cb(void *cls, const char *uri, struct MHD_Connection *con)
{
    http_call *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->raw_uri = strdup(uri ? uri : "/");
    return c;
}

static void call_free(http_call *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->req.nheaders; i++) {
        free(c->req.headers[i].name);
        free(c->req.headers[i].value);
    }
    free(c->raw_uri);
    free(c->raw_path);
    ot_buf_free(&c->body);
    free(c);
}

static void completed_cb(void *cls, struct MHD_Connection *con, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    call_free(*con_cls);
    *con_cls = NULL;
}

static enum MHD_Result header_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    ot_req *r = cls;
    if (r->nheaders >= OT_MAX_HEADERS)
        return MHD_NO;
    char *name = strdup(key);
    char *val = strdup(value ? value : "");
    if (!name || !val) {
        free(name);
        free(val);
        return MHD_NO;
    }
    for (char *p = name; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    r->headers[r->nheaders].name = name;
    r->headers[r->nheaders].value = val;
    r->nheaders++;
    return MHD_YES;
}

static void client_ip(struct MHD_Connection *con, char *out, size_t cap)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, cap, "unknown");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)cap);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)cap);
}

/* Fills everything in the request that is known before the body arrives. */
static int call_begin(http_call *c, struct MHD_Connection *con, const char *method)
{
    ot_req *r = &c->req;
    char *q = strchr(c->raw_uri, '?');
    size_t plen = q ? (size_t)(q - c->raw_uri) : strlen(c->raw_uri);
    c->raw_path = strndup(c->raw_uri, plen);
    if (!c->raw_path)
        return OT_ENOMEM;
    r->method = method;
    r->raw_path = c->raw_path;
    r->raw_query = q ? q + 1 : "";
    MHD_get_connection_values(con, MHD_HEADER_KIND, header_cb, r);
    client_ip(con, r->source_ip, sizeof r->source_ip);
    ot_uuid4(r->request_id);
    r->received_ms = ot_now_ms();
    return OT_OK;
}

static enum MHD_Result send_resp(struct MHD_Connection *con, ot_resp *resp)
{
    struct MHD_Response *mr;
    if (resp->file_fd >= 0) {
        mr = MHD_create_response_from_fd_at_offset64(resp->file_len, resp->file_fd, resp->file_off);
        if (mr)
            resp->file_fd = -1; /* MHD closes it */
    } else {
        mr = MHD_create_response_from_buffer(resp->body.len, resp->body.data ? resp->body.data : "",
                                             MHD_RESPMEM_MUST_COPY);
    }
    if (!mr)
        return MHD_NO;
    if (resp->content_type[0])
        MHD_add_response_header(mr, "Content-Type", resp->content_type);
    for (size_t i = 0; i < resp->nheaders; i++)
        MHD_add_response_header(mr, resp->headers[i].name, resp->headers[i].value);
    enum MHD_Result ret = MHD_queue_response(con, (unsigned)resp->status, mr);
    MHD_destroy_response(mr);
    return ret;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *con, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    ot_http *s = cls;
    http_call *c = *con_cls;
    if (!c)
        return MHD_NO;
    if (!c->started) {
        c->started = 1;
        if (call_begin(c, con, method))
            return MHD_NO;
        c->cap = s->h.body_cap(s->h.ctx, &c->req);
        const char *cl = ot_req_header(&c->req, "content-length");
        if (cl && strtoull(cl, NULL, 10) > c->cap)
            c->too_large = 1;
        ot_buf_init(&c->body, c->cap);
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!c->too_large && ot_buf_append(&c->body, upload_data, *upload_data_size))
            c->too_large = 1;
        *upload_data_size = 0;
        return MHD_YES;
    }
    ot_resp resp;
    ot_resp_init(&resp);
    if (ot_buf_reserve(&c->body, 0) != OT_OK && !c->too_large) {
        resp.status = 500;
    } else if (c->too_large) {
        s->h.too_large(s->h.ctx, &c->req, c->cap, &resp);
    } else {
        c->req.body = c->body.data;
        c->req.body_len = c->body.len;
        s->h.handle(s->h.ctx, &c->req, &resp);
    }
    enum MHD_Result ret = send_resp(con, &resp);
    if (resp.file_fd >= 0)
        close(resp.file_fd);
    ot_resp_free(&resp);
    return ret;
}

static int parse_listen(const char *listen, struct sockaddr_in *sa)
{
    char host[128];
    const char *colon = strrchr(listen, ':');
    if (!colon || (size_t)(colon - listen) >= sizeof host)
        return OT_EINVAL;
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535)
        return OT_EINVAL;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (!strcmp(host, "") || !strcmp(host, "0.0.0.0"))
        sa->sin_addr.s_addr = htonl(INADDR_ANY);
    else if (!strcmp(host, "localhost"))
        sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    else if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return OT_EINVAL;
    return OT_OK;
}

int ot_http_start(const char *listen, const ot_http_handlers *h, ot_http **out, int *bound_port)
{
    struct sockaddr_in sa;
    if (parse_listen(listen, &sa)) {
        ot_error("cannot parse listen address '%s' (expected host:port)", listen);
        return OT_EINVAL;
    }
    ot_http *s = calloc(1, sizeof *s);
    if (!s)
        return OT_ENOMEM;
    s->h = *h;
    s->daemon = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0,
        NULL, NULL, access_cb, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_URI_LOG_CALLBACK, uri_cb, NULL, MHD_OPTION_NOTIFY_COMPLETED, completed_cb, NULL,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
        MHD_OPTION_END);
    if (!s->daemon) {
        ot_error("cannot listen on %s (is the port in use?)", listen);
        free(s);
        return OT_EIO;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    if (bound_port)
        *bound_port = di ? di->port : ntohs(sa.sin_port);
    *out = s;
    return OT_OK;
}

void ot_http_stop(ot_http *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->daemon);
    free(s);
}

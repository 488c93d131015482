/* http_server.c — libmicrohttpd glue: collect the request, call the handler, send the reply.
 *
 * The daemon runs an epoll loop in a fixed pool of worker threads (no select(): no FD_SETSIZE
 * limit, no thread per connection), with caps on connections overall and per client address,
 * and read deadlines (http_deadline.h) so slow clients cannot hold the connection slots. */
#include "api/http_server.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/access_log.h"
#include "api/forwarded.h"
#include "api/http_deadline.h"
#include "api/http_framing.h"
#include "api/http_tls.h"
#include "api/request_metrics.h"
#include "util/crypto.h"
#include "util/err.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/timeutil.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* Descriptors kept free for everything but client connections (WAL, SQLite, segments, store). */
#define FD_RESERVE 512
#define BODY_MIN_RATE 500 /* body bytes per second that extend the body deadline by a second */

struct ot_http {
    struct MHD_Daemon *daemon;
    int listen_fd;          /* bound and listening from ot_http_open until ot_http_serve */
    ot_http_opts o;
    ot_tls_pem tls;         /* empty for plain HTTP */
    ot_deadlines *deadlines;
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
    uint64_t bytes_in;      /* body bytes received, kept or not */
    int64_t started_ms;     /* monotonic, headers complete: the access log's latency */
    uint64_t started_us;    /* the same, finer, for the latency histogram */
    ot_framing framing;
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

/* The connection's deadline tracker, set by conn_cb. */
static ot_deadline_conn *tracked(struct MHD_Connection *con)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void completed_cb(void *cls, struct MHD_Connection *con, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    ot_http *s = cls;
    call_free(*con_cls);
    *con_cls = NULL;
    ot_deadline_waiting(s->deadlines, tracked(con)); /* the next request's headers are due */
}

/* Registers each connection with the deadline reaper on accept, and unregisters it before MHD
 * closes its socket (MHD calls CLOSED first), so the reaper never shuts down a reused fd. */
static void conn_cb(void *cls, struct MHD_Connection *con, void **socket_context,
                    enum MHD_ConnectionNotificationCode code)
{
    ot_http *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(con, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = ci ? ot_deadline_open(s->deadlines, ci->connect_fd) : NULL;
    } else {
        ot_deadline_close(s->deadlines, *socket_context);
        *socket_context = NULL;
    }
}

/* Every header line goes through the framing check; the first OT_MAX_HEADERS are kept (a request
 * with more is refused with 431, so none is silently lost). */
static enum MHD_Result header_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    http_call *c = cls;
    ot_req *r = &c->req;
    ot_framing_header(&c->framing, key, value);
    if (r->nheaders >= OT_MAX_HEADERS)
        return MHD_YES;
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

/* Behind a trusted proxy the client is the one the proxy names (forwarded.h); a header that
 * cannot be read leaves the peer's address. */
static void forwarded_client(const ot_http *s, ot_req *r)
{
    const ot_cidr_list *trusted = s->o.trusted_proxies;
    ot_ip peer, client;
    if (!trusted || !trusted->n || ot_ip_parse(r->source_ip, strlen(r->source_ip), &peer) ||
        !ot_cidr_list_contains(trusted, &peer))
        return;
    if (ot_forwarded_client(r, trusted, &client) == OT_OK)
        ot_ip_format(&client, r->source_ip, sizeof r->source_ip);
}

/* Fills everything in the request that is known before the body arrives. */
static int call_begin(const ot_http *s, http_call *c, struct MHD_Connection *con,
                      const char *method)
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
    ot_framing_init(&c->framing);
    MHD_get_connection_values(con, MHD_HEADER_KIND, header_cb, c);
    client_ip(con, r->source_ip, sizeof r->source_ip);
    forwarded_client(s, r);
    ot_uuid4(r->request_id);
    r->received_ms = ot_now_ms();
    c->started_ms = ot_monotonic_ms();
    c->started_us = ot_metrics_now_us();
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

static void log_access(const ot_http *s, const http_call *c, const ot_resp *resp)
{
    ot_request_metrics_note(&c->req, resp->status, ot_metrics_now_us() - c->started_us);
    if (s->o.access_log)
        ot_access_log(&c->req, resp, c->bytes_in, ot_monotonic_ms() - c->started_ms);
}

/* Refuses a request before its body is read: plain text, and the connection is closed because
 * where this request ends is exactly what is in doubt. */
static enum MHD_Result refuse(const ot_http *s, const http_call *c, struct MHD_Connection *con,
                              int status)
{
    static const char bad[] = "Bad Request: conflicting or malformed Content-Length / "
                              "Transfer-Encoding\n";
    static const char many[] = "Request Header Fields Too Large: at most " STR(OT_MAX_HEADERS)
                               " header lines\n";
    const char *msg = status == 431 ? many : bad;
    ot_resp logged = {.status = status, .file_fd = -1};
    logged.body.len = strlen(msg);
    log_access(s, c, &logged);
    struct MHD_Response *mr =
        MHD_create_response_from_buffer(strlen(msg), (void *)msg, MHD_RESPMEM_PERSISTENT);
    if (!mr)
        return MHD_NO;
    MHD_add_response_header(mr, "Content-Type", "text/plain");
    MHD_add_response_header(mr, "Connection", "close");
    enum MHD_Result ret = MHD_queue_response(con, (unsigned)status, mr);
    MHD_destroy_response(mr);
    return ret;
}

/* First call, headers complete: check the framing, size the body buffer. */
static enum MHD_Result call_start(ot_http *s, http_call *c, struct MHD_Connection *con,
                                  const char *method)
{
    c->started = 1;
    if (call_begin(s, c, con, method))
        return MHD_NO;
    int verdict = ot_framing_verdict(&c->framing, OT_MAX_HEADERS);
    if (verdict)
        return refuse(s, c, con, verdict);
    ot_deadline_headers_done(s->deadlines, tracked(con));
    c->cap = s->h.body_cap(s->h.ctx, &c->req);
    if (c->framing.content_lengths && c->framing.content_length > c->cap)
        c->too_large = 1;
    ot_buf_init(&c->body, c->cap);
    return MHD_YES;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *con, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    ot_http *s = cls;
    http_call *c = *con_cls;
    if (!c)
        return MHD_NO;
    if (!c->started)
        return call_start(s, c, con, method);
    if (*upload_data_size) {
        ot_deadline_body_bytes(s->deadlines, tracked(con), *upload_data_size);
        c->bytes_in += *upload_data_size;
        if (!c->too_large && ot_buf_append(&c->body, upload_data, *upload_data_size))
            c->too_large = 1;
        *upload_data_size = 0;
        return MHD_YES;
    }
    ot_deadline_busy(s->deadlines, tracked(con));
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
    log_access(s, c, &resp);
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

/* libmicrohttpd's own messages (refused connections, failed TLS handshakes …) come once per
 * connection; under attack that is thousands a second. ot_warn's per-call-site rate limit
 * (util/log.h) keeps them from flooding the log. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    ot_warn("http: %s", msg);
}

/* Client connections need descriptors: take the hard limit, and never promise more connections
 * than it leaves room for. */
static unsigned fit_connections(unsigned wanted)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl))
        return wanted;
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t want = rl.rlim_max;
        rl.rlim_cur = want;
        if (setrlimit(RLIMIT_NOFILE, &rl))
            getrlimit(RLIMIT_NOFILE, &rl);
    }
    rlim_t room = rl.rlim_cur > 2 * FD_RESERVE ? rl.rlim_cur - FD_RESERVE : rl.rlim_cur / 2;
    if (wanted > room) {
        ot_warn("max-connections lowered from %u to %llu: the open-file limit is %llu "
                "(raise it with ulimit -n or LimitNOFILE=)",
                wanted, (unsigned long long)room, (unsigned long long)rl.rlim_cur);
        return (unsigned)room;
    }
    return wanted;
}

/* Binds without SO_REUSEPORT: a second server on a busy port fails here instead of silently
 * sharing it. SO_REUSEADDR only lets a restart bind past old TIME_WAIT connections; on Linux it
 * never lets two sockets listen on one address. */
static int bind_exclusive(const struct sockaddr_in *sa, const char *where, int *out)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        ot_error("cannot create a socket: %s", strerror(errno));
        return OT_EIO;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (const struct sockaddr *)sa, sizeof *sa)) {
        int e = errno;
        close(fd);
        if (e == EADDRINUSE)
            ot_error("cannot listen on %s: address already in use (is another server running "
                     "on that port?)", where);
        else
            ot_error("cannot listen on %s: %s", where, strerror(e));
        return OT_EIO;
    }
    /* Listen at once: two sockets with SO_REUSEADDR may both bind a port nobody listens on
     * yet, so only listen() makes the port ours. Clients that come before the server is ready
     * wait in the backlog. */
    if (listen(fd, SOMAXCONN)) {
        int e = errno;
        close(fd);
        ot_error("cannot listen on %s: %s%s", where, strerror(e),
                 e == EADDRINUSE ? " (is another server running on that port?)" : "");
        return OT_EIO;
    }
    *out = fd;
    return OT_OK;
}

int ot_http_open(const char *listen, const ot_http_opts *o, ot_http **out, int *bound_port)
{
    struct sockaddr_in sa;
    if (parse_listen(listen, &sa)) {
        ot_error("cannot parse listen address '%s' (expected host:port)", listen);
        return OT_EINVAL;
    }
    ot_http *s = calloc(1, sizeof *s);
    if (!s)
        return OT_ENOMEM;
    s->o = *o;
    s->listen_fd = -1;
    char err[512];
    if (o->tls_cert && o->tls_cert[0]) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            ot_error("this libmicrohttpd was built without TLS support: cannot serve HTTPS "
                     "(install a build with GnuTLS, e.g. Debian's libmicrohttpd12)");
            free(s);
            return OT_EINVAL;
        }
        if (ot_tls_pem_load(o->tls_cert, o->tls_key, &s->tls, err, sizeof err)) {
            ot_error("%s", err);
            free(s);
            return OT_EINVAL;
        }
    }
    if (bind_exclusive(&sa, listen, &s->listen_fd)) {
        ot_tls_pem_free(&s->tls);
        free(s);
        return OT_EIO;
    }
    struct sockaddr_in got;
    socklen_t glen = sizeof got;
    if (bound_port)
        *bound_port = getsockname(s->listen_fd, (struct sockaddr *)&got, &glen)
                          ? ntohs(sa.sin_port) : ntohs(got.sin_port);
    *out = s;
    return OT_OK;
}

bool ot_http_is_tls(const ot_http *s)
{
    return s->tls.cert != NULL;
}

static struct MHD_Daemon *start_daemon(ot_http *s, int fd, unsigned max_conns)
{
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
    struct MHD_OptionItem tls[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls.cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls.key},
        /* TLS 1.2 and 1.3 only, as AWS endpoints require. */
        {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"},
        {MHD_OPTION_END, 0, NULL}};
    if (ot_http_is_tls(s))
        flags |= MHD_USE_TLS;
    else
        tls[0].option = MHD_OPTION_END;
    return MHD_start_daemon(
        flags, 0, NULL, NULL, access_cb, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_THREAD_POOL_SIZE, s->o.threads, MHD_OPTION_CONNECTION_LIMIT, max_conns,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->o.max_per_ip,
        MHD_OPTION_URI_LOG_CALLBACK, uri_cb, NULL, MHD_OPTION_NOTIFY_COMPLETED, completed_cb, s,
        MHD_OPTION_NOTIFY_CONNECTION, conn_cb, s,
        /* Idle timeout, for a reply the client stops reading; reading has its deadlines. */
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
}

int ot_http_serve(ot_http *s, const ot_http_handlers *h)
{
    s->h = *h;
    ot_deadline_opts dopts = {.header_ms = s->o.header_timeout_ms,
                              .body_ms = s->o.body_timeout_ms,
                              .min_rate = BODY_MIN_RATE};
    if (ot_deadlines_start(&dopts, &s->deadlines))
        return OT_EIO;
    unsigned max_conns = fit_connections(s->o.max_connections);
    if (s->o.threads > max_conns) /* libmicrohttpd shares the limit out among its workers */
        s->o.threads = max_conns;
    /* libmicrohttpd owns the descriptor it is given (it closes it on stop, and on some failed
     * starts): give it a copy and close ours, so each descriptor has exactly one owner. */
    int mhd_fd = dup(s->listen_fd);
    close(s->listen_fd);
    s->listen_fd = -1;
    if (mhd_fd < 0) {
        ot_error("cannot start the HTTP server: %s", strerror(errno));
        return OT_EIO;
    }
    s->daemon = start_daemon(s, mhd_fd, max_conns);
    if (!s->daemon) {
        ot_error("cannot start the HTTP%s server (see the messages above)",
                 ot_http_is_tls(s) ? "S" : "");
        return OT_EIO;
    }
    return OT_OK;
}

void ot_http_stop(ot_http *s)
{
    if (!s)
        return;
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    else if (s->listen_fd >= 0)
        close(s->listen_fd); /* opened, never served */
    ot_deadlines_stop(s->deadlines);
    ot_tls_pem_free(&s->tls);
    free(s);
}

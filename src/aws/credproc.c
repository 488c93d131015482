/* credproc.c — a profile's credential_process: split without a shell, run, read its JSON
 * (see credsrc.h; botocore credentials.py ProcessProvider). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aws/credsrc.h"
#include "util/err.h"
#include "util/json.h"
#include "util/timeutil.h"

extern char **environ;

#define STDERR_KEEP 2048 /* of a failing process's stderr, quoted in the error */

/* ---- splitting ------------------------------------------------------------------------- */

typedef struct words {
    char **v;
    size_t n;
    char *cur;      /* the word being built (len bytes), or NULL between words */
    size_t len;
} words;

/* Opens a word if none is open: a quoted '' or "" is a word even though it is empty. */
static int start_word(words *w)
{
    if (!w->cur && !(w->cur = calloc(1, 1)))
        return OT_ENOMEM;
    return OT_OK;
}

static int put_char(words *w, char ch)
{
    char *c = realloc(w->cur, w->len + 2);
    if (!c)
        return OT_ENOMEM;
    c[w->len++] = ch;
    c[w->len] = '\0';
    w->cur = c;
    return OT_OK;
}

static int end_word(words *w)
{
    if (!w->cur)
        return OT_OK;
    if (w->n == OT_AWS_CREDPROC_MAX_ARGS)
        return OT_ELIMIT;
    w->v[w->n++] = w->cur;
    w->cur = NULL;
    w->len = 0;
    return OT_OK;
}

/* One quoted run starting after the opening quote q; *i ends after the closing one. */
static int quoted(words *w, const char *s, size_t *i, char q)
{
    int rc = start_word(w);
    for (; !rc && s[*i] && s[*i] != q; (*i)++) {
        if (q == '"' && s[*i] == '\\' && (s[*i + 1] == '"' || s[*i + 1] == '\\'))
            (*i)++;
        rc = put_char(w, s[*i]);
    }
    if (!rc && !s[*i])
        return OT_EINVAL;
    (*i)++;
    return rc;
}

static int split(words *w, const char *s, const char **why)
{
    int rc = OT_OK;
    for (size_t i = 0; !rc && s[i];) {
        char ch = s[i];
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
            rc = end_word(w);
            i++;
        } else if (ch == '\'' || ch == '"') {
            i++;
            if ((rc = quoted(w, s, &i, ch)) == OT_EINVAL)
                *why = "No closing quotation";
        } else if (ch == '\\') {
            if (!s[i + 1]) {
                *why = "No escaped character";
                return OT_EINVAL;
            }
            rc = put_char(w, s[i + 1]);
            i += 2;
        } else {
            rc = put_char(w, ch);
            i++;
        }
    }
    if (!rc)
        rc = end_word(w);
    if (rc == OT_ELIMIT)
        *why = "too many words";
    return rc;
}

int ot_aws_shell_split(char ***argv, size_t *argc, const char *cmd, char *err, size_t errlen)
{
    const char *why = "out of memory";
    words w = {.v = calloc(OT_AWS_CREDPROC_MAX_ARGS + 1, sizeof(char *))};
    int rc = w.v ? split(&w, cmd, &why) : OT_ENOMEM;
    free(w.cur);
    if (!rc && !w.n) {
        why = "it is empty";
        rc = OT_EINVAL;
    }
    if (rc) {
        snprintf(err, errlen, "cannot split credential_process (%s): '%.300s'", why, cmd);
        ot_aws_argv_free(w.v);
        return rc;
    }
    *argv = w.v;
    *argc = w.n;
    return OT_OK;
}

void ot_aws_argv_free(char **argv)
{
    for (size_t i = 0; argv && argv[i]; i++)
        free(argv[i]);
    free(argv);
}

/* ---- the JSON it prints ---------------------------------------------------------------- */

/* ISO 8601 as credential processes print it: ...Z, a fraction, or a +HH:MM / -HH:MM offset. */
static int parse_expiration(const char *s, size_t n, int64_t *ms)
{
    char buf[64];
    int64_t off = 0;
    if (n < 19 || n >= sizeof buf)
        return OT_EINVAL;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *sign = n > 6 ? buf + n - 6 : NULL;
    if (sign && (*sign == '+' || *sign == '-') && sign[3] == ':') {
        int h = atoi(sign + 1), m = atoi(sign + 4);
        off = (int64_t)(h * 60 + m) * 60000 * (*sign == '+' ? 1 : -1);
        *sign = '\0';
    }
    int rc = ot_time_parse_iso8601(buf, ms);
    *ms -= off;
    return rc;
}

static int need_str(ot_json root, const char *key, bool required, const char **v, size_t *n,
                    char *err, size_t errlen)
{
    int rc = ot_json_get_str(root, key, v, n);
    if (rc == OT_ENOTFOUND && !required) {
        *v = "";
        *n = 0;
        return OT_OK;
    }
    if (rc == OT_ENOTFOUND)
        snprintf(err, errlen, "credential_process: Missing required key in response: '%s'", key);
    else if (rc)
        snprintf(err, errlen, "credential_process: '%s' is not a string", key);
    return rc ? OT_EINVAL : OT_OK;
}

static int check_version(ot_json root, char *err, size_t errlen)
{
    ot_json v;
    double d = 0;
    char shown[64] = "<Version key not provided>";
    if (!ot_json_get(root, "Version", &v)) {
        if (!ot_json_double(v, &d) && d == 1.0)
            return OT_OK;
        ot_buf b;
        ot_buf_init(&b, sizeof shown);
        if (!ot_json_write(v, &b))
            snprintf(shown, sizeof shown, "%s", b.data);
        ot_buf_free(&b);
    }
    snprintf(err, errlen, "credential_process: Unsupported version '%s' for credential process "
             "provider, supported versions: 1", shown);
    return OT_EINVAL;
}

static int read_fields(ot_aws_creds *c, ot_json root, int64_t now_ms, char *err, size_t errlen)
{
    const char *ak, *sk, *tok, *exp;
    size_t akn, skn, tokn, expn;
    int rc = check_version(root, err, errlen);
    if (!rc)
        rc = need_str(root, "AccessKeyId", true, &ak, &akn, err, errlen);
    if (!rc)
        rc = need_str(root, "SecretAccessKey", true, &sk, &skn, err, errlen);
    if (!rc)
        rc = need_str(root, "SessionToken", false, &tok, &tokn, err, errlen);
    if (!rc)
        rc = need_str(root, "Expiration", false, &exp, &expn, err, errlen);
    if (!rc)
        rc = ot_aws_creds_set(c, "credential_process", ak, akn, sk, skn, tok, tokn, err, errlen);
    if (rc || !expn)
        return rc;
    if (parse_expiration(exp, expn, &c->expires_ms)) {
        snprintf(err, errlen, "credential_process: Expiration '%.*s' is not an ISO 8601 time",
                 (int)(expn > 64 ? 64 : expn), exp);
        return OT_EINVAL;
    }
    if (c->expires_ms <= now_ms) {
        snprintf(err, errlen, "credential_process: the credentials it printed expired at %.*s",
                 (int)expn, exp);
        return OT_EINVAL;
    }
    return OT_OK;
}

int ot_aws_credproc_parse(ot_aws_creds *c, const char *out, size_t len, int64_t now_ms,
                          char *err, size_t errlen)
{
    char why[128] = "";
    ot_json root;
    ot_json_doc *doc = ot_json_doc_new();
    memset(c, 0, sizeof *c);
    if (!doc)
        return OT_ENOMEM;
    int rc = ot_json_parse(doc, out, len, false, &root, why, sizeof why);
    if (rc)
        snprintf(err, errlen, "credential_process: its output is not JSON (%s)", why);
    else if (ot_json_typeof(root) != OT_JSON_OBJECT) {
        snprintf(err, errlen, "credential_process: its output is not a JSON object");
        rc = OT_EINVAL;
    } else {
        rc = read_fields(c, root, now_ms, err, errlen);
    }
    ot_json_doc_free(doc);
    if (rc)
        memset(c, 0, sizeof *c);
    return rc;
}

/* ---- running it ------------------------------------------------------------------------ */

typedef struct output {
    ot_buf out;
    char errtext[STDERR_KEEP];
    size_t errlen;
    bool too_big;
} output;

static void take(output *o, int fd, bool is_err, bool *open)
{
    char buf[8192];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        *open = false;
        return;
    }
    if (is_err) {
        size_t room = sizeof o->errtext - 1 - o->errlen, k = (size_t)n < room ? (size_t)n : room;
        memcpy(o->errtext + o->errlen, buf, k);
        o->errlen += k;
        o->errtext[o->errlen] = '\0';
    } else if (!o->too_big && ot_buf_append(&o->out, buf, (size_t)n)) {
        o->too_big = true; /* keep draining so the process is not stuck on a full pipe */
    }
}

/* Reads the child's stdout and stderr to their ends. */
static void drain(output *o, int out_fd, int err_fd)
{
    bool out_open = true, err_open = true;
    while (out_open || err_open) {
        struct pollfd p[2] = {{out_open ? out_fd : -1, POLLIN, 0},
                              {err_open ? err_fd : -1, POLLIN, 0}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[0].revents)
            take(o, out_fd, false, &out_open);
        if (p[1].revents)
            take(o, err_fd, true, &err_open);
    }
}

static int spawn(pid_t *pid, char **argv, int out[2], int errp[2])
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, errp[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    posix_spawn_file_actions_addclose(&fa, errp[0]);
    int e = posix_spawnp(pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    return e;
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        s[--n] = '\0';
}

static int outcome(const output *o, int status, const char *prog, char *err, size_t errlen)
{
    char e[STDERR_KEEP];
    snprintf(e, sizeof e, "%s", o->errtext);
    trim(e);
    if (WIFSIGNALED(status)) {
        snprintf(err, errlen, "credential_process '%s' was killed by signal %d%s%s", prog,
                 WTERMSIG(status), e[0] ? ": " : "", e);
        return OT_EIO;
    }
    if (WEXITSTATUS(status)) {
        snprintf(err, errlen, "credential_process '%s' exited with status %d%s%s", prog,
                 WEXITSTATUS(status), e[0] ? ": " : "", e[0] ? e : " (nothing on stderr)");
        return OT_EIO;
    }
    if (o->too_big) {
        snprintf(err, errlen, "credential_process '%s' printed more than %u bytes", prog,
                 OT_AWS_CREDPROC_MAX_OUT);
        return OT_ELIMIT;
    }
    return OT_OK;
}

static int run_argv(char **argv, output *o, char *err, size_t errlen)
{
    int out[2] = {-1, -1}, errp[2] = {-1, -1}, status = 0, rc = OT_OK;
    pid_t pid;
    if (pipe2(out, O_CLOEXEC) || pipe2(errp, O_CLOEXEC)) {
        snprintf(err, errlen, "credential_process: pipe: %s", strerror(errno));
        rc = OT_EIO;
    } else if ((status = spawn(&pid, argv, out, errp))) {
        snprintf(err, errlen, "cannot run credential_process '%s': %s", argv[0], strerror(status));
        rc = OT_EIO;
    } else {
        close(out[1]);
        close(errp[1]);
        out[1] = errp[1] = -1;
        drain(o, out[0], errp[0]);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        rc = outcome(o, status, argv[0], err, errlen);
    }
    for (int i = 0; i < 2; i++) {
        if (out[i] >= 0)
            close(out[i]);
        if (errp[i] >= 0)
            close(errp[i]);
    }
    return rc;
}

int ot_aws_credproc_run(ot_aws_creds *c, const char *cmd, char *err, size_t errlen)
{
    char **argv;
    size_t argc;
    memset(c, 0, sizeof *c);
    int rc = ot_aws_shell_split(&argv, &argc, cmd, err, errlen);
    if (rc)
        return rc;
    output o = {.errlen = 0};
    ot_buf_init(&o.out, OT_AWS_CREDPROC_MAX_OUT);
    rc = run_argv(argv, &o, err, errlen);
    if (!rc)
        rc = ot_aws_credproc_parse(c, o.out.data ? o.out.data : "", o.out.len, ot_now_ms(), err,
                                   errlen);
    ot_buf_free(&o.out);
    ot_aws_argv_free(argv);
    return rc;
}

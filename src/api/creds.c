/* creds.c — the credentials file: access keys, their secrets and the principals they stand for.
 *
 * <data-dir>/credentials is an AWS shared-credentials file, so the same file configures the aws
 * CLI and boto3 (AWS_SHARED_CREDENTIALS_FILE) and the server. It is parsed the way botocore's
 * RawConfigParser reads it: "[profile]" sections, "key = value" or "key: value" lines, '#' and
 * ';' comment lines, surrounding whitespace ignored, key names case-insensitive. Anything else
 * is refused with the file and line in the log, because a half-read key file would lock users
 * out in confusing ways.
 *
 * SIGHUP reloads the file (ot_creds_reload): the new table is parsed aside and swapped in under
 * a write lock, so a request sees either the old set or the new one, and a file that does not
 * parse leaves the old set in place. */
#include "api/creds.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/crypto.h"
#include "sys/sysio.h"
#include "util/err.h"
#include "util/log.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/vec.h"

#define CREDS_FILE "credentials"
#define CREDS_MAX_BYTES (1024 * 1024)
#define CREDS_MAX_PROFILES 10000

typedef struct cred_profile {
    char name[128];
    char access_key[128];
    char secret[129];
    char user_name[65]; /* IAM user names are at most 64 characters */
    char account_id[16];
    char type[16];
    int line; /* of the section header, for messages */
} cred_profile;

/* One parse of the file; never changed once published. */
typedef struct creds_table {
    cred_profile *p;
    size_t n;
    size_t cap;
} creds_table;

struct ot_creds {
    pthread_rwlock_t lock; /* readers: lookups; writer: the swap of a reload */
    creds_table *t;
    char *path;
    char account_id[16];
};

/* ---- principals ------------------------------------------------------------------------ */

/* "AIDA" + 17 characters from a hash of the key: stable across restarts, distinct per key. */
static void principal_id(const char *access_key, char out[22])
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    uint8_t h[32];
    ot_buf b;
    ot_buf_init(&b, 0);
    if (ot_buf_printf(&b, "opentrail-principal:%s", access_key) == 0)
        ot_sha256(b.data, b.len, h);
    else
        ot_sha256(access_key, strlen(access_key), h);
    ot_buf_free(&b);
    memcpy(out, "AIDA", 4);
    for (int i = 0; i < 17; i++)
        out[4 + i] = alphabet[h[i] & 31];
    out[21] = '\0';
}

static void fill_principal(ot_principal *p, const char *type, const char *account_id,
                           const char *user_name, const char *access_key)
{
    char pid[22];
    memset(p, 0, sizeof *p);
    snprintf(p->type, sizeof p->type, "%s", type);
    snprintf(p->account_id, sizeof p->account_id, "%s", account_id);
    snprintf(p->access_key_id, sizeof p->access_key_id, "%s", access_key);
    if (strcmp(type, "Root") == 0) {
        snprintf(p->arn, sizeof p->arn, "arn:aws:iam::%s:root", account_id);
        snprintf(p->principal_id, sizeof p->principal_id, "%s", account_id);
        return;
    }
    principal_id(access_key, pid);
    snprintf(p->user_name, sizeof p->user_name, "%s", user_name);
    snprintf(p->arn, sizeof p->arn, "arn:aws:iam::%s:user/%s", account_id, user_name);
    snprintf(p->principal_id, sizeof p->principal_id, "%s", pid);
}

void ot_creds_any_principal(const char *access_key, const char *account_id, ot_principal *p)
{
    fill_principal(p, "IAMUser", account_id, access_key, access_key);
}

static int table_lookup(const creds_table *c, const char *access_key, char *secret,
                        size_t secret_cap, ot_principal *principal)
{
    for (size_t i = 0; c && i < c->n; i++) {
        const cred_profile *p = &c->p[i];
        if (strcmp(p->access_key, access_key) != 0)
            continue;
        if (strlen(p->secret) >= secret_cap)
            return OT_ELIMIT;
        memcpy(secret, p->secret, strlen(p->secret) + 1);
        if (principal)
            fill_principal(principal, p->type, p->account_id, p->user_name, p->access_key);
        return OT_OK;
    }
    return OT_ENOTFOUND;
}

int ot_creds_lookup(ot_creds *c, const char *access_key, char *secret, size_t secret_cap,
                    ot_principal *principal)
{
    if (!c)
        return OT_ENOTFOUND;
    pthread_rwlock_rdlock(&c->lock);
    int rc = table_lookup(c->t, access_key, secret, secret_cap, principal);
    pthread_rwlock_unlock(&c->lock);
    return rc;
}

/* ---- validation ------------------------------------------------------------------------ */

static bool valid_account(const char *s)
{
    if (strlen(s) != 12)
        return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return false;
    return true;
}

static bool valid_secret(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isgraph((unsigned char)*s))
            return false;
    return true;
}

/* Keys appear in SigV4 credential scopes: no '/', no spaces. */
static bool valid_key(const char *s) { return valid_secret(s) && !strchr(s, '/'); }

static bool valid_user(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("+=,.@_-", *s))
            return false;
    return true;
}

/* ---- parsing --------------------------------------------------------------------------- */

typedef struct parser {
    const char *path;
    int line;
    const char *default_account;
    creds_table *c;
    cred_profile *cur;
} parser;

static int corrupt(const parser *ps, int line, const char *what)
{
    if (line > 0)
        ot_error("%s:%d: %s", ps->path, line, what);
    else
        ot_error("%s: %s", ps->path, what);
    return OT_ECORRUPT;
}

static int begin_profile(parser *ps, char *name)
{
    if (strncmp(name, "profile ", 8) == 0)
        name = ot_str_trim(name + 8);
    if (!*name || strlen(name) >= sizeof ps->c->p[0].name)
        return corrupt(ps, ps->line, "bad profile name");
    for (size_t i = 0; i < ps->c->n; i++)
        if (strcmp(ps->c->p[i].name, name) == 0)
            return corrupt(ps, ps->line, "profile defined twice");
    if (ps->c->n >= CREDS_MAX_PROFILES)
        return corrupt(ps, ps->line, "too many profiles");
    if (OT_VEC_GROW(ps->c->p, ps->c->cap, ps->c->n + 1))
        return OT_ENOMEM;
    ps->cur = &ps->c->p[ps->c->n++];
    memset(ps->cur, 0, sizeof *ps->cur);
    snprintf(ps->cur->name, sizeof ps->cur->name, "%s", name);
    ps->cur->line = ps->line;
    return OT_OK;
}

static int set_field(parser *ps, char *dst, size_t cap, const char *value)
{
    if (strlen(value) >= cap)
        return corrupt(ps, ps->line, "value too long");
    memcpy(dst, value, strlen(value) + 1);
    return OT_OK;
}

static int key_value(parser *ps, char *line)
{
    size_t k = strcspn(line, "=:");
    if (!line[k])
        return corrupt(ps, ps->line, "expected \"key = value\", a [profile] header or a comment");
    if (!ps->cur)
        return corrupt(ps, ps->line, "key outside of any [profile] section");
    line[k] = '\0';
    char *key = ot_str_trim(line), *value = ot_str_trim(line + k + 1);
    cred_profile *p = ps->cur;
    if (strcasecmp(key, "aws_access_key_id") == 0)
        return set_field(ps, p->access_key, sizeof p->access_key, value);
    if (strcasecmp(key, "aws_secret_access_key") == 0)
        return set_field(ps, p->secret, sizeof p->secret, value);
    if (strcasecmp(key, "opentrail_user_name") == 0)
        return set_field(ps, p->user_name, sizeof p->user_name, value);
    if (strcasecmp(key, "opentrail_account_id") == 0)
        return set_field(ps, p->account_id, sizeof p->account_id, value);
    if (strcasecmp(key, "opentrail_principal_type") == 0)
        return set_field(ps, p->type, sizeof p->type, value);
    return OT_OK; /* region, aws_session_token, ...: botocore's business, not ours */
}

static int parse_line(parser *ps, char *raw)
{
    char *line = ot_str_trim(raw);
    if (!*line || *line == '#' || *line == ';')
        return OT_OK;
    if (*line == '[') {
        char *end = strchr(line, ']');
        if (!end || *ot_str_trim(end + 1))
            return corrupt(ps, ps->line, "unterminated [profile] header");
        *end = '\0';
        return begin_profile(ps, ot_str_trim(line + 1));
    }
    return key_value(ps, line);
}

/* Fills defaults and checks one profile; a profile with no key at all (say, only a region) is
 * dropped. Returns 1 if kept, 0 if dropped, or an error. */
static int finish_profile(parser *ps, cred_profile *p)
{
    if (!p->access_key[0] && !p->secret[0])
        return 0;
    if (!p->access_key[0] || !p->secret[0])
        return corrupt(ps, p->line, p->access_key[0]
                                        ? "profile has aws_access_key_id but no aws_secret_access_key"
                                        : "profile has aws_secret_access_key but no aws_access_key_id");
    if (!valid_key(p->access_key))
        return corrupt(ps, p->line, "aws_access_key_id may not contain spaces or '/'");
    if (!valid_secret(p->secret))
        return corrupt(ps, p->line, "aws_secret_access_key may not contain spaces");
    if (!p->account_id[0])
        snprintf(p->account_id, sizeof p->account_id, "%s", ps->default_account);
    if (!valid_account(p->account_id))
        return corrupt(ps, p->line, "opentrail_account_id must be 12 digits");
    if (!p->type[0])
        snprintf(p->type, sizeof p->type, "IAMUser");
    if (strcmp(p->type, "IAMUser") != 0 && strcmp(p->type, "Root") != 0)
        return corrupt(ps, p->line, "opentrail_principal_type must be IAMUser or Root");
    if (!p->user_name[0])
        snprintf(p->user_name, sizeof p->user_name, "%.64s", p->name);
    if (!valid_user(p->user_name))
        return corrupt(ps, p->line, "opentrail_user_name may use only letters, digits and +=,.@_-");
    return 1;
}

static int finish(parser *ps)
{
    creds_table *c = ps->c;
    size_t kept = 0;
    for (size_t i = 0; i < c->n; i++) {
        int rc = finish_profile(ps, &c->p[i]);
        if (rc < 0)
            return rc;
        if (rc == 1)
            c->p[kept++] = c->p[i];
    }
    c->n = kept;
    for (size_t i = 0; i < c->n; i++)
        for (size_t j = i + 1; j < c->n; j++)
            if (strcmp(c->p[i].access_key, c->p[j].access_key) == 0)
                return corrupt(ps, c->p[j].line, "access key already used by another profile");
    if (!c->n)
        return corrupt(ps, 0, "no profile with aws_access_key_id and aws_secret_access_key");
    return OT_OK;
}

static int parse_text(parser *ps, char *text)
{
    char *save = NULL;
    ps->line = 0;
    for (char *p = text; p; p = save) {
        save = strchr(p, '\n');
        if (save)
            *save++ = '\0';
        ps->line++;
        int rc = parse_line(ps, p);
        if (rc)
            return rc;
    }
    return finish(ps);
}

/* ---- file I/O -------------------------------------------------------------------------- */

static int read_file(const char *path, ot_buf *out, bool *absent)
{
    *absent = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            *absent = true;
            return OT_ENOTFOUND;
        }
        ot_error("%s: %s", path, strerror(errno));
        return OT_EIO;
    }
    struct stat st;
    int rc = OT_OK;
    if (fstat(fd, &st) == 0 && (st.st_mode & 077))
        ot_warn("%s is readable by group or others (mode %03o); it holds secret keys: chmod 600 it",
                path, (unsigned)(st.st_mode & 0777));
    char chunk[4096];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            ot_error("%s: %s", path, strerror(errno));
            rc = OT_EIO;
            break;
        }
        if (n == 0)
            break;
        if ((rc = ot_buf_append(out, chunk, (size_t)n))) {
            ot_error("%s: larger than %d bytes", path, CREDS_MAX_BYTES);
            rc = rc == OT_ELIMIT ? OT_ECORRUPT : rc;
            break;
        }
    }
    close(fd);
    if (!rc && memchr(out->data ? out->data : "", '\0', out->len)) {
        ot_error("%s: contains a NUL byte", path);
        rc = OT_ECORRUPT;
    }
    return rc;
}

/* "AKIA" + 16 characters of [A-Z0-9], like a real long-term key. */
static void new_access_key(char out[21])
{
    static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    memcpy(out, "AKIA", 4);
    for (int i = 4; i < 20;) {
        uint8_t b;
        ot_random(&b, 1);
        if (b < 252) /* 252 = 7 * 36: rejecting the rest keeps the choice uniform */
            out[i++] = set[b % 36];
    }
    out[20] = '\0';
}

static int render_new(ot_buf *b, const char *path, const char *account_id)
{
    char key[21], secret[41], now[32];
    new_access_key(key);
    ot_random_alnum(secret, 40);
    secret[40] = '\0';
    ot_time_iso8601(ot_now_ms(), now);
    int rc = ot_buf_printf(b,
                           "# opentrail credentials, created %s.\n"
                           "# Clients can use this file directly: AWS_SHARED_CREDENTIALS_FILE=%s\n"
                           "# Add a section per user, named [user-name]; opentrail_* keys are read "
                           "by opentrail only.\n"
                           "[default]\n"
                           "aws_access_key_id = %s\n"
                           "aws_secret_access_key = %s\n"
                           "opentrail_user_name = admin\n"
                           "opentrail_account_id = %s\n"
                           "opentrail_principal_type = IAMUser\n",
                           now, path, key, secret, account_id);
    memset(secret, 0, sizeof secret);
    return rc;
}

/* Writes a fresh file and links it into place, so a crash leaves either no file or a complete
 * one, and a file created meanwhile by someone else is never overwritten. */
static int create_file(const char *path, const char *account_id)
{
    ot_buf content;
    ot_buf_init(&content, 0);
    int rc = render_new(&content, path, account_id);
    if (!rc && (rc = ot_sys_write_file_atomic(path, content.data, content.len, 0600, true)))
        ot_error("%s: cannot create: %s", path, strerror(errno));
    if (!rc)
        ot_info("created %s with a new access key for user admin in account %s", path, account_id);
    if (content.data)
        OPENSSL_cleanse(content.data, content.len);
    ot_buf_free(&content);
    return rc;
}

static void table_free(creds_table *t)
{
    if (!t)
        return;
    if (t->p)
        OPENSSL_cleanse(t->p, t->cap * sizeof *t->p);
    free(t->p);
    free(t);
}

/* Reads and parses the file at path into a new table; logs why it could not. */
static int load_table(const char *path, const char *account_id, bool create, creds_table **out)
{
    ot_buf text;
    ot_buf_init(&text, CREDS_MAX_BYTES);
    creds_table *t = NULL;
    bool absent;
    int rc = read_file(path, &text, &absent);
    if (absent && !create)
        ot_error("%s: no such file", path);
    else if (absent && !(rc = create_file(path, account_id)))
        rc = read_file(path, &text, &absent);
    if (!rc && !(t = calloc(1, sizeof *t)))
        rc = OT_ENOMEM;
    if (!rc) {
        parser ps = {.path = path, .default_account = account_id, .c = t};
        rc = parse_text(&ps, text.data ? text.data : (char[]){""});
    }
    if (text.data)
        OPENSSL_cleanse(text.data, text.len);
    ot_buf_free(&text);
    if (rc)
        table_free(t);
    else
        *out = t;
    return rc;
}

int ot_creds_open(const char *data_dir, const char *account_id, ot_creds **out)
{
    *out = NULL;
    if (!valid_account(account_id))
        return OT_EINVAL;
    ot_creds *c = calloc(1, sizeof *c);
    if (!c)
        return OT_ENOMEM;
    pthread_rwlock_init(&c->lock, NULL);
    snprintf(c->account_id, sizeof c->account_id, "%s", account_id);
    ot_buf path;
    ot_buf_init(&path, 4096);
    int rc = ot_buf_printf(&path, "%s/%s", data_dir, CREDS_FILE);
    if (!rc)
        rc = load_table(path.data, account_id, true, &c->t);
    c->path = rc ? NULL : ot_buf_take(&path, NULL);
    ot_buf_free(&path);
    if (!rc && !c->path)
        rc = OT_ENOMEM;
    if (rc)
        ot_creds_close(c);
    else
        *out = c;
    return rc;
}

/* How many keys of a are not in b. */
static size_t keys_missing(const creds_table *a, const creds_table *b)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n; i++) {
        bool found = false;
        for (size_t j = 0; j < b->n && !found; j++)
            found = !strcmp(a->p[i].access_key, b->p[j].access_key);
        n += !found;
    }
    return n;
}

int ot_creds_reload(ot_creds *c)
{
    creds_table *t = NULL;
    int rc = load_table(c->path, c->account_id, false, &t);
    if (rc) {
        ot_error("credentials not reloaded: %s does not parse (see above); the %zu keys loaded "
                 "before stay in use", c->path, c->t->n);
        return rc;
    }
    size_t added = keys_missing(t, c->t), removed = keys_missing(c->t, t);
    pthread_rwlock_wrlock(&c->lock);
    creds_table *old = c->t;
    c->t = t;
    pthread_rwlock_unlock(&c->lock);
    ot_info("credentials reloaded from %s: %zu keys (%zu added, %zu removed)", c->path, t->n,
            added, removed);
    table_free(old);
    return OT_OK;
}

void ot_creds_close(ot_creds *c)
{
    if (!c)
        return;
    table_free(c->t);
    pthread_rwlock_destroy(&c->lock);
    free(c->path);
    free(c);
}

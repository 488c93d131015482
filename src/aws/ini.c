/* ini.c — configparser's rules for the shared config and credentials files (see ini.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/ini.h"
#include "util/err.h"

/* configparser's default section: its keys show through in every other section. */
#define DEFAULT_SECTION "DEFAULT"

typedef struct parser {
    ot_aws_ini *ini;
    ot_aws_ini_section *cur; /* the open section, or NULL before the first */
    ot_aws_ini_kv *last;     /* the key a more indented line continues, or NULL */
    size_t last_indent;
    size_t blanks;           /* blank lines since `last`: kept if a continuation follows */
    size_t lineno;
    char *err;
    size_t errlen;
} parser;

static char *dup_range(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static int fail(parser *p, const char *reason)
{
    snprintf(p->err, p->errlen, "line %zu: %s", p->lineno, reason);
    return OT_EINVAL;
}

static ot_aws_ini_section *find_section(const ot_aws_ini *ini, const char *name, size_t n)
{
    for (size_t i = 0; i < ini->n; i++)
        if (strlen(ini->sec[i].name) == n && !memcmp(ini->sec[i].name, name, n))
            return &ini->sec[i];
    return NULL;
}

static int open_section(parser *p, const char *name, size_t n)
{
    if (find_section(p->ini, name, n))
        return fail(p, "section repeated");
    ot_aws_ini *ini = p->ini;
    if (ini->n == ini->cap) {
        size_t cap = ini->cap ? ini->cap * 2 : 8;
        ot_aws_ini_section *s = realloc(ini->sec, cap * sizeof *s);
        if (!s)
            return OT_ENOMEM;
        ini->sec = s;
        ini->cap = cap;
    }
    ot_aws_ini_section *s = &ini->sec[ini->n];
    memset(s, 0, sizeof *s);
    if (!(s->name = dup_range(name, n)))
        return OT_ENOMEM;
    ini->n++;
    p->cur = s;
    p->last = NULL;
    return OT_OK;
}

static int add_key(parser *p, const char *key, size_t kn, const char *val, size_t vn)
{
    ot_aws_ini_section *s = p->cur;
    char *k = dup_range(key, kn);
    if (!k)
        return OT_ENOMEM;
    for (size_t i = 0; i < kn; i++)
        k[i] = (char)tolower((unsigned char)k[i]);
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->kv[i].key, k)) {
            free(k);
            return fail(p, "key repeated in its section");
        }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        ot_aws_ini_kv *kv = realloc(s->kv, cap * sizeof *kv);
        if (!kv) {
            free(k);
            return OT_ENOMEM;
        }
        s->kv = kv;
        s->cap = cap;
    }
    char *v = dup_range(val, vn);
    if (!v) {
        free(k);
        return OT_ENOMEM;
    }
    s->kv[s->n] = (ot_aws_ini_kv){k, v};
    p->last = &s->kv[s->n++];
    p->blanks = 0;
    return OT_OK;
}

/* Appends a continuation line (and the blank lines before it) to the open key's value. */
static int continue_value(parser *p, const char *s, size_t n)
{
    size_t old = strlen(p->last->value), add = p->blanks + 1 + n;
    char *v = realloc(p->last->value, old + add + 1);
    if (!v)
        return OT_ENOMEM;
    memset(v + old, '\n', p->blanks + 1);
    memcpy(v + old + p->blanks + 1, s, n);
    v[old + add] = '\0';
    p->last->value = v;
    p->blanks = 0;
    return OT_OK;
}

/* "key = value" / "key: value" (s is the trimmed line, n > 0). */
static int key_line(parser *p, const char *s, size_t n, size_t indent)
{
    if (!p->cur)
        return fail(p, "a key before any [section]");
    size_t d = 0;
    while (d < n && s[d] != '=' && s[d] != ':')
        d++;
    if (d == n)
        return fail(p, "expected [section], key = value or key: value");
    size_t kn = d, vs = d + 1;
    while (kn && isspace((unsigned char)s[kn - 1]))
        kn--;
    if (!kn)
        return fail(p, "a value with no key");
    while (vs < n && isspace((unsigned char)s[vs]))
        vs++;
    p->last_indent = indent;
    return add_key(p, s, kn, s + vs, n - vs);
}

static int one_line(parser *p, const char *line, size_t len)
{
    size_t indent = 0;
    while (indent < len && isspace((unsigned char)line[indent]))
        indent++;
    const char *s = line + indent;
    size_t n = len - indent;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (n && (s[0] == '#' || s[0] == ';'))
        return OT_OK; /* a comment neither ends nor extends a value */
    if (!n) {
        p->blanks++;
        return OT_OK;
    }
    if (p->last && indent > p->last_indent)
        return continue_value(p, s, n);
    p->last = NULL;
    const char *close = n > 2 && s[0] == '[' ? memrchr(s, ']', n) : NULL;
    if (close && close > s + 1)
        return open_section(p, s + 1, (size_t)(close - s - 1));
    return key_line(p, s, n, indent);
}

int ot_aws_ini_parse(ot_aws_ini *ini, const char *text, size_t len, char *err, size_t errlen)
{
    parser p = {.ini = ini, .err = err, .errlen = errlen};
    memset(ini, 0, sizeof *ini);
    int rc = OT_OK;
    for (size_t at = 0; !rc && at < len;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - text) : len;
        p.lineno++;
        if (memchr(text + at, '\0', end - at))
            rc = fail(&p, "a NUL byte");
        else
            rc = one_line(&p, text + at, end - at);
        at = end + 1;
    }
    if (rc)
        ot_aws_ini_free(ini);
    return rc;
}

static int read_all(FILE *f, char **out, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return OT_ENOMEM;
    for (;;) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n > OT_AWS_INI_MAX_BYTES) {
            free(buf);
            return OT_ELIMIT;
        }
        if (got == 0)
            break;
        if (n == cap) {
            char *b = realloc(buf, cap *= 2);
            if (!b) {
                free(buf);
                return OT_ENOMEM;
            }
            buf = b;
        }
    }
    if (ferror(f)) {
        free(buf);
        return OT_EIO;
    }
    *out = buf;
    *len = n;
    return OT_OK;
}

int ot_aws_ini_read(ot_aws_ini *ini, const char *path, char *err, size_t errlen)
{
    memset(ini, 0, sizeof *ini);
    FILE *f = fopen(path, "r");
    if (!f && errno == ENOENT)
        return OT_ENOTFOUND;
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return OT_EIO;
    }
    char *text = NULL, why[256] = "";
    size_t len = 0;
    int rc = read_all(f, &text, &len);
    fclose(f);
    if (!rc)
        rc = ot_aws_ini_parse(ini, text, len, why, sizeof why);
    free(text);
    if (rc == OT_ELIMIT)
        snprintf(err, errlen, "cannot read %s: larger than %u bytes", path,
                 OT_AWS_INI_MAX_BYTES);
    else if (rc == OT_EIO)
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
    else if (rc)
        snprintf(err, errlen, "Unable to parse config file: %s: %s", path, why);
    return rc;
}

static const char *section_get(const ot_aws_ini_section *s, const char *key)
{
    for (size_t i = 0; s && i < s->n; i++)
        if (!strcmp(s->kv[i].key, key))
            return s->kv[i].value;
    return NULL;
}

const char *ot_aws_ini_get(const ot_aws_ini *ini, const char *section, const char *key)
{
    const ot_aws_ini_section *s = find_section(ini, section, strlen(section));
    const char *v = section_get(s, key);
    if (!v && s)
        v = section_get(find_section(ini, DEFAULT_SECTION, strlen(DEFAULT_SECTION)), key);
    return v;
}

bool ot_aws_ini_has_section(const ot_aws_ini *ini, const char *section)
{
    return strcmp(section, DEFAULT_SECTION) && find_section(ini, section, strlen(section));
}

void ot_aws_ini_free(ot_aws_ini *ini)
{
    for (size_t i = 0; i < ini->n; i++) {
        for (size_t k = 0; k < ini->sec[i].n; k++) {
            free(ini->sec[i].kv[k].key);
            free(ini->sec[i].kv[k].value);
        }
        free(ini->sec[i].kv);
        free(ini->sec[i].name);
    }
    free(ini->sec);
    memset(ini, 0, sizeof *ini);
}

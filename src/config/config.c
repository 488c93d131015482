/* config.c — the serve options from the table (config_options.c): defaults, one key = value,
 * the cross-checks, and the config file. */
#include "config/config.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "config/config_int.h"
#include "util/err.h"
#include "util/str.h"

void ot_config_defaults(ot_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    size_t n;
    const ot_option *opts = ot_config_options(&n);
    char err[256];
    for (size_t i = 0; i < n; i++) {
        if (!opts[i].def)
            continue; /* empty, false or 0: memset did it */
        int rc = ot_config_set_value(cfg, &opts[i], opts[i].def, err, sizeof err);
        assert(rc == OT_OK); /* every default parses: tests/unit/test_config.c */
        (void)rc;
    }
}

int ot_config_set(ot_config *cfg, const char *key, const char *value, char *err, size_t errlen)
{
    const ot_option *o = ot_config_option(key);
    if (!o) {
        snprintf(err, errlen, "unknown option '%s' (see opentrail serve --help)", key);
        return OT_EINVAL;
    }
    return ot_config_set_value(cfg, o, value, err, errlen);
}

int ot_config_check(const ot_config *cfg, char *err, size_t errlen)
{
    if (!cfg->tls_cert[0] != !cfg->tls_key[0]) {
        snprintf(err, errlen, "tls-cert and tls-key go together: give both to serve HTTPS, or "
                              "neither for plain HTTP");
        return OT_EINVAL;
    }
    return OT_OK;
}

int ot_config_load_file(ot_config *cfg, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open config file %s", path);
        return OT_EIO;
    }
    char line[1024], msg[384];
    int lineno = 0, rc = OT_OK;
    while (!rc && fgets(line, sizeof line, f)) {
        lineno++;
        char *s = ot_str_trim(line);
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%d: expected 'key = value'", path, lineno);
            rc = OT_EINVAL;
            break;
        }
        *eq = '\0';
        if ((rc = ot_config_set(cfg, ot_str_trim(s), ot_str_trim(eq + 1), msg, sizeof msg)))
            snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
    }
    fclose(f);
    return rc;
}

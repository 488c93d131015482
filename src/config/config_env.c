/* config_env.c — the serve options from the environment: OPENTRAIL_<NAME> for every option of
 * the table (config_options.c), the name derived from the option's (no second list), and a
 * warning for an OPENTRAIL_* variable that names no option, since a typo would otherwise be
 * silently ignored. Precedence (cli/cmd_serve.c): flag > environment > config file > default. */
#include "config/config.h"

#include <ctype.h>
#include <string.h>

#include "config/config_int.h"
#include "util/err.h"
#include "util/log.h"

#define ENV_PREFIX "OPENTRAIL_"
#define ENV_PREFIX_LEN (sizeof ENV_PREFIX - 1)

void ot_config_env_name(const char *option, char *out, size_t n)
{
    size_t len = (size_t)snprintf(out, n, ENV_PREFIX "%s", option);
    for (size_t i = ENV_PREFIX_LEN; i < len && i < n; i++)
        out[i] = out[i] == '-' ? '_' : (char)toupper((unsigned char)out[i]);
}

/* The value of name in env ("NAME=value" strings), or NULL; an empty value counts as unset. */
static const char *env_value(char *const *env, const char *name)
{
    size_t len = strlen(name);
    for (; env && *env; env++)
        if (!strncmp(*env, name, len) && (*env)[len] == '=')
            return (*env)[len + 1] ? *env + len + 1 : NULL;
    return NULL;
}

int ot_config_load_env(ot_config *cfg, char *const *env, char *err, size_t errlen)
{
    size_t n;
    const ot_option *opts = ot_config_options(&n);
    for (size_t i = 0; i < n; i++) {
        char name[96], msg[384];
        ot_config_env_name(opts[i].name, name, sizeof name);
        const char *value = env_value(env, name);
        if (!value || !ot_config_set_value(cfg, &opts[i], value, msg, sizeof msg))
            continue;
        /* msg is "<option>: what is wrong": name the variable the user set instead */
        size_t skip = strlen(opts[i].name);
        skip = !strncmp(msg, opts[i].name, skip) && !strncmp(msg + skip, ": ", 2) ? skip + 2 : 0;
        snprintf(err, errlen, "environment variable %s: %s", name, msg + skip);
        return OT_EINVAL;
    }
    return OT_OK;
}

int ot_config_load_layers(ot_config *cfg, const char *config_path, char *const *env, char *err,
                          size_t errlen)
{
    if (!config_path)
        config_path = env_value(env, OT_CONFIG_ENV_FILE);
    int rc = config_path ? ot_config_load_file(cfg, config_path, err, errlen) : OT_OK;
    return rc ? rc : ot_config_load_env(cfg, env, err, errlen);
}

/* Edit distance between a and b (insertions, deletions, substitutions), for names only. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[128];
    if (lb >= sizeof row / sizeof row[0])
        return (size_t)-1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            best = up + 1 < best ? up + 1 : best;
            best = row[j - 1] + 1 < best ? row[j - 1] + 1 : best;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* The variable of the option (or OPENTRAIL_CONFIG) nearest to name, into out. */
static void closest(const char *name, char *out, size_t n)
{
    size_t count, best = distance(name, OT_CONFIG_ENV_FILE);
    snprintf(out, n, "%s", OT_CONFIG_ENV_FILE);
    const ot_option *opts = ot_config_options(&count);
    for (size_t i = 0; i < count; i++) {
        char candidate[96];
        ot_config_env_name(opts[i].name, candidate, sizeof candidate);
        size_t d = distance(name, candidate);
        if (d < best) {
            best = d;
            snprintf(out, n, "%s", candidate);
        }
    }
}

size_t ot_config_env_warn_unknown(char *const *env)
{
    size_t warned = 0;
    for (; env && *env; env++) {
        const char *eq = strchr(*env, '=');
        if (strncmp(*env, ENV_PREFIX, ENV_PREFIX_LEN) || !eq || eq - *env >= 96)
            continue;
        char name[96], option[96], near[96];
        snprintf(name, sizeof name, "%.*s", (int)(eq - *env), *env);
        snprintf(option, sizeof option, "%s", name + ENV_PREFIX_LEN);
        for (char *c = option; *c; c++)
            *c = *c == '_' ? '-' : (char)tolower((unsigned char)*c);
        bool known = !strcmp(name, OT_CONFIG_ENV_FILE);
        ot_config_env_name(option, near, sizeof near); /* the lower-case form must match too */
        known = known || (ot_config_option(option) && !strcmp(near, name));
        if (known)
            continue;
        closest(name, near, sizeof near);
        ot_warn("environment variable %s is not an option of opentrail serve and is ignored "
                "(the closest is %s; see opentrail serve --help)", name, near);
        warned++;
    }
    return warned;
}

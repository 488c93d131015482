/* fuzz_aws_profile.c — what the client reads from files and programs it does not control:
 * the shared config/credentials INI parser (aws/ini.c), the profile view over it
 * (aws/profile.c), a credential_process command line split into words and its JSON output
 * (aws/credproc.c), and an STS AssumeRole answer. Invariants: a parsed file's keys are
 * lowercase and unique per section, each is found again by lookup, and credentials accepted
 * from any source carry no control characters. */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/credsrc.h"
#include "aws/ini.h"
#include "aws/profile.h"

static void check_creds(const ot_aws_creds *c)
{
    const char *f[] = {c->access_key, c->secret_key, c->session_token};
    for (size_t i = 0; i < 3; i++)
        for (const char *p = f[i]; *p; p++)
            if ((unsigned char)*p < 0x20)
                abort();
    if (!c->access_key[0] || !c->secret_key[0])
        abort();
}

static void check_ini(const ot_aws_ini *ini)
{
    for (size_t s = 0; s < ini->n; s++) {
        const ot_aws_ini_section *sec = &ini->sec[s];
        for (size_t k = 0; k < sec->n; k++) {
            for (const char *p = sec->kv[k].key; *p; p++)
                if (isupper((unsigned char)*p))
                    abort();
            for (size_t j = 0; j < k; j++)
                if (!strcmp(sec->kv[j].key, sec->kv[k].key))
                    abort();
            if (ot_aws_ini_get(ini, sec->name, sec->kv[k].key) != sec->kv[k].value)
                abort();
        }
    }
}

static void profile_view(const ot_aws_ini *ini)
{
    ot_aws_shared s;
    memset(&s, 0, sizeof s);
    s.config = *ini;
    s.creds = *ini;
    for (size_t i = 0; i < ini->n && i < 8; i++) {
        const char *name = ini->sec[i].name;
        ot_aws_profile_exists(&s, name);
        ot_aws_profile_get(&s, name, "role_arn");
        ot_aws_profile_config(&s, name + (strncmp(name, "profile ", 8) ? 0 : 8), "region");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    ot_aws_ini ini;
    if (!ot_aws_ini_parse(&ini, (const char *)data, size, err, sizeof err)) {
        check_ini(&ini);
        profile_view(&ini);
        ot_aws_ini_free(&ini);
    }
    ot_aws_creds c;
    if (!ot_aws_credproc_parse(&c, (const char *)data, size, 0, err, sizeof err))
        check_creds(&c);
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char **argv;
    size_t argc;
    if (!ot_aws_shell_split(&argv, &argc, text, err, sizeof err)) {
        if (!argc || argv[argc])
            abort();
        ot_aws_argv_free(argv);
    }
    if (!ot_aws_sts_parse(&c, text, err, sizeof err))
        check_creds(&c);
    free(text);
    return 0;
}

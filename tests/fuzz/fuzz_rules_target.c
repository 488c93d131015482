/* fuzz_rules_target.c — PutTargets' checks of untrusted members (src/rules/rules_arn.c,
 * rules_input.c): the bytes as a target ARN, and as a target's input.
 *
 * Input: up to five fields separated by '\n': the ARN, then Input, InputPath, InputPathsMap and
 * InputTemplate (an empty field is absent). Besides no crash or UB: a parsed ARN's name lies
 * inside it and is not empty for the kinds that name something; a refused input has a message
 * that names the target. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules.h"
#include "util/err.h"

#define FIELDS 5

static void check_arn(const char *arn)
{
    ot_target_ref ref;
    ot_target_kind kind = ot_rules_target_parse(arn, &ref);
    if (kind == OT_TARGET_MALFORMED || kind == OT_TARGET_UNSUPPORTED)
        return;
    if (ref.name_len == 0 || ref.name < arn || ref.name + ref.name_len > arn + strlen(arn))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *field[FIELDS] = {0};
    char *p = text;
    for (int i = 0; i < FIELDS && p; i++) {
        field[i] = p;
        p = strchr(p, '\n');
        if (p)
            *p++ = '\0';
    }
    check_arn(field[0]);
    ot_rule_target t = {.id = "fz", .arn = field[0]};
    char **slot[] = {&t.input, &t.input_path, &t.input_paths_map, &t.input_template};
    for (int i = 0; i < 4; i++)
        *slot[i] = field[i + 1] && *field[i + 1] ? field[i + 1] : NULL;
    char msg[400] = "";
    int rc = ot_rules_input_check(&t, msg, sizeof msg);
    if (rc != 0 && (rc != OT_EINVAL || !strstr(msg, "fz")))
        abort();
    free(text);
    return 0;
}

/* ini.h — the AWS shared config and credentials files, read as botocore reads them.
 *
 * botocore parses both files with Python's configparser.RawConfigParser (botocore/configloader.py
 * raw_config_parse), so this parser follows its rules, errors included:
 *   - "[name]" opens a section; the name is what lies between the first '[' and the last ']',
 *     kept as written (case and inner spaces); a repeated section is an error;
 *   - "key = value" or "key: value" (the first '=' or ':' splits); the key is trimmed and
 *     lowercased, the value trimmed; a repeated key in one section is an error;
 *   - a line more indented than its key's line continues the value (joined with '\n');
 *   - lines whose first non-blank character is '#' or ';' are comments; there are no inline
 *     comments ("region = x # y" is the value "x # y");
 *   - a key before any section, a line with neither '=' nor ':', or an empty key is an error. */
#ifndef OT_AWS_INI_H
#define OT_AWS_INI_H

#include <stdbool.h>
#include <stddef.h>

#define OT_AWS_INI_MAX_BYTES (1u << 20) /* larger shared files are refused */

typedef struct ot_aws_ini_kv {
    char *key;
    char *value;
} ot_aws_ini_kv;

typedef struct ot_aws_ini_section {
    char *name;
    ot_aws_ini_kv *kv;
    size_t n, cap;
} ot_aws_ini_section;

/* A parsed file; zero-initialised is an empty one. Owns every string. */
typedef struct ot_aws_ini {
    ot_aws_ini_section *sec;
    size_t n, cap;
} ot_aws_ini;

/* Parses text[0..len) into ini (empty first). OT_EINVAL with "line N: reason" in err. */
int ot_aws_ini_parse(ot_aws_ini *ini, const char *text, size_t len, char *err, size_t errlen);

/* Reads and parses the file at path. A missing file is an empty ini and OT_ENOTFOUND (nothing
 * in err); a file that cannot be read, is larger than OT_AWS_INI_MAX_BYTES or does not parse
 * gives OT_EIO / OT_ELIMIT / OT_EINVAL with err naming path. */
int ot_aws_ini_read(ot_aws_ini *ini, const char *path, char *err, size_t errlen);

/* The value of key (lowercase) in section, borrowed from ini; NULL if either is absent. */
const char *ot_aws_ini_get(const ot_aws_ini *ini, const char *section, const char *key);
bool ot_aws_ini_has_section(const ot_aws_ini *ini, const char *section);

void ot_aws_ini_free(ot_aws_ini *ini);

#endif

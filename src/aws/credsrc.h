/* credsrc.h — the credential sources of the chain in aws.h beyond plain keys: a profile's
 * credential_process (credproc.c) and STS AssumeRole for role_arn profiles (assume_role.c),
 * and the checks every source's keys pass before they are used (creds.c). */
#ifndef OT_AWS_CREDSRC_H
#define OT_AWS_CREDSRC_H

#include <stddef.h>
#include <stdint.h>

#include "aws/aws.h"

/* Fills c's keys (token may be NULL or "") after checking them: non-empty key and secret, each
 * within its field, no control characters (they go into headers). OT_EINVAL / OT_ELIMIT with
 * err saying which value is wrong ("what" names the source in it). */
int ot_aws_creds_set(ot_aws_creds *c, const char *what, const char *ak, size_t akn,
                     const char *sk, size_t skn, const char *tok, size_t tokn, char *err,
                     size_t errlen);

/* ---- credential_process ---------------------------------------------------------------- */

#define OT_AWS_CREDPROC_MAX_OUT (1u << 20) /* more output than this is an error */
#define OT_AWS_CREDPROC_MAX_ARGS 256

/* Splits cmd into words as Python's shlex.split does (botocore compat_shell_split): blanks
 * separate; '…' is literal; "…" is literal except \" and \\; a backslash outside quotes
 * escapes the next character. *argv (NULL-terminated, *argc words) is freed with
 * ot_aws_argv_free. OT_EINVAL for an unclosed quote, a trailing backslash, no words or too
 * many. */
int ot_aws_shell_split(char ***argv, size_t *argc, const char *cmd, char *err, size_t errlen);
void ot_aws_argv_free(char **argv);

/* Reads the JSON a credential process printed (botocore ProcessProvider): an object with
 * Version 1, AccessKeyId and SecretAccessKey, optional SessionToken and Expiration (ISO 8601;
 * one at or before now_ms is an error). c->expires_ms is 0 without an Expiration. */
int ot_aws_credproc_parse(ot_aws_creds *c, const char *out, size_t len, int64_t now_ms,
                          char *err, size_t errlen);

/* Runs cmd (split as above, no shell, stdin and environment inherited) and reads its output.
 * A process that cannot start, exits non-zero (err carries its stderr) or is killed is
 * OT_EIO; its output is then read by ot_aws_credproc_parse. */
int ot_aws_credproc_run(ot_aws_creds *c, const char *cmd, char *err, size_t errlen);

/* ---- STS AssumeRole -------------------------------------------------------------------- */

typedef struct ot_aws_assume_args {
    const char *role_arn;
    const char *session_name;   /* NULL: opentrail-session-<unix time>, as botocore names it */
    const char *external_id;    /* or NULL */
    const char *duration_s;     /* or NULL (STS's default, an hour) */
    const char *region;         /* for the endpoint and the signature */
} ot_aws_assume_args;

/* Calls AssumeRole (query protocol) at AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL /
 * https://sts.<region>.amazonaws.com signed with source, and fills out with the temporary
 * credentials. err carries STS's error answer. */
int ot_aws_assume_role(ot_aws_creds *out, const ot_aws_creds *source,
                       const ot_aws_assume_args *a, char *err, size_t errlen);

/* The credentials of an AssumeRole answer (<Credentials> of the XML). */
int ot_aws_sts_parse(ot_aws_creds *c, const char *xml, char *err, size_t errlen);

/* ---- the per-process cache ------------------------------------------------------------- */

/* Credentials that took a process or an STS call, kept for the process under key (the
 * files and the profile) until 5 minutes before they expire. */
bool ot_aws_creds_cache_get(const char *key, ot_aws_creds *out);
void ot_aws_creds_cache_put(const char *key, const ot_aws_creds *c);
void ot_aws_creds_cache_clear(void);

#endif

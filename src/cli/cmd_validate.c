/* cmd_validate.c — `opentrail validate <dir | s3://bucket[/prefix]> [options]`: check CloudTrail
 * digest chains and log files, offline or over any S3 endpoint (docs/validate.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/profile.h"
#include "cli/cli.h"
#include "util/timeutil.h"
#include "validate/validate.h"

enum { EXIT_USAGE = 255 };

static void usage(FILE *out)
{
    fprintf(out,
        "usage: opentrail validate <DIR | s3://bucket[/prefix]> [options]\n"
        "\n"
        "Validates CloudTrail digest files and the log files they list: everything\n"
        "`aws cloudtrail validate-logs` checks, with the same messages, plus the chain links\n"
        "(previousDigestSignature, previousDigestHashValue, digest windows), algorithm fields,\n"
        "fingerprint = MD5(key), data after the first gzip member, the log JSON, and log files\n"
        "no digest lists. DIR is a bucket's root (it holds AWSLogs/): <data-dir>/buckets/<b>,\n"
        "or a copy made with `aws s3 sync s3://b DIR`.\n"
        "\n"
        "options:\n"
        "  --public-key FILE   trust this RSA public key (PEM or DER, PKCS#1 or SPKI; repeatable);\n"
        "                      a directory: every *.pem / *.der in it (`opentrail keys export`)\n"
        "  --data-dir DIR      trust the signing keys of this opentrail data dir (DIR/state.db,\n"
        "                      read-only): a data dir's bucket validates with no server. It also\n"
        "                      knows each chain's newest digest: one in the time range that is\n"
        "                      not found is INVALID (a deleted tail; for logs expired on purpose,\n"
        "                      pass a --start-time after them).\n"
        "                      Without either, keys come from CloudTrail ListPublicKeys\n"
        "                      (AWS_ENDPOINT_URL_CLOUDTRAIL / AWS_ENDPOINT_URL).\n"
        "  --trail-arn ARN     only this trail's chains\n"
        "  --start-time T      first digest time to check (ISO 8601 UTC; default: the oldest)\n"
        "  --end-time T        last (default: now); given, the trail is taken to have been\n"
        "                      logging up to T: a chain whose next digest was due more than\n"
        "                      a digest interval before T is INVALID (a deleted tail).\n"
        "  --account-id ID     only this account (organization trails: the member account)\n"
        "  --region R          only chains delivered in region R (and sign S3 requests for R)\n"
        "  --profile NAME      S3 and ListPublicKeys: the AWS CLI profile (beats AWS_PROFILE and\n"
        "                      the environment's keys; docs/credentials.md)\n"
        "  --s3-bucket NAME    DIR mode: the bucket's name (default: DIR's last component)\n"
        "  --verbose           print valid files too\n"
        "  --format text|json  the report format (default text, as the AWS CLI prints)\n"
        "  --jobs N            hashing threads (default: every core)\n"
        "  --inflight N        S3: GetObject requests in flight at once (default 32)\n"
        "  --no-json-check     do not parse the log files' JSON\n"
        "  --no-progress       no progress bar on stderr\n"
        "\n"
        "S3 sources are any S3 endpoint (s3:// means the same in 'opentrail import'):\n"
        "AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL and the standard credentials\n"
        "found as the AWS CLI finds them (environment, profiles, credential_process, role_arn);\n"
        "throttling and 5xx answers are retried with backoff.\n"
        "\n"
        "exit status: 0 everything valid, 1 something INVALID, 255 usage or fatal error\n");
}

static int parse_time(const char *s, int64_t *ms)
{
    char buf[64];
    if (strlen(s) == 10) { /* a bare date */
        snprintf(buf, sizeof buf, "%sT00:00:00Z", s);
        s = buf;
    }
    return ot_time_parse_iso8601(s, ms);
}

static int bad(const char *fmt, const char *arg)
{
    fprintf(stderr, "opentrail validate: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n'opentrail validate --help' lists the options.\n");
    return EXIT_USAGE;
}

int ot_cmd_validate(int argc, char **argv)
{
    ot_validate_opts o;
    memset(&o, 0, sizeof o);
    o.start_ms = o.end_ms = -1;
    o.check_json = o.progress = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = !strcmp(a, "--public-key") || !strcmp(a, "--trail-arn") ||
                     !strcmp(a, "--start-time") || !strcmp(a, "--end-time") ||
                     !strcmp(a, "--account-id") || !strcmp(a, "--region") ||
                     !strcmp(a, "--s3-bucket") || !strcmp(a, "--format") || !strcmp(a, "--jobs") || !strcmp(a, "--inflight") ||
                     !strcmp(a, "--data-dir") || !strcmp(a, "--profile");
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (takes && !v)
            return bad("%s needs a value", a);
        if (!strcmp(a, "--public-key")) {
            if (o.nkey_files == OT_VALIDATE_MAX_KEYFILES)
                return bad("too many --public-key files (at most 16)%s", "");
            o.key_files[o.nkey_files++] = v;
        } else if (!strcmp(a, "--data-dir")) {
            o.data_dir = v;
        } else if (!strcmp(a, "--trail-arn")) {
            o.trail_arn = v;
        } else if (!strcmp(a, "--start-time")) {
            if (parse_time(v, &o.start_ms))
                return bad("Unable to parse date value: %s", v);
        } else if (!strcmp(a, "--end-time")) {
            if (parse_time(v, &o.end_ms))
                return bad("Unable to parse date value: %s", v);
        } else if (!strcmp(a, "--account-id")) {
            if (strlen(v) != 12 || strspn(v, "0123456789") != 12)
                return bad("--account-id: expected 12 digits, got '%s'", v);
            o.account_id = v;
        } else if (!strcmp(a, "--profile")) {
            ot_aws_profile_set_default(v); /* validate's clients are built in validate/ */
        } else if (!strcmp(a, "--region")) {
            o.region = v;
        } else if (!strcmp(a, "--s3-bucket")) {
            o.bucket = v;
        } else if (!strcmp(a, "--format")) {
            if (strcmp(v, "text") && strcmp(v, "json"))
                return bad("--format: expected text or json, got '%s'", v);
            o.json = !strcmp(v, "json");
        } else if (!strcmp(a, "--jobs")) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || n < 1 || n > 1024)
                return bad("--jobs: expected 1..1024, got '%s'", v);
            o.jobs = (int)n;
        } else if (!strcmp(a, "--inflight")) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || n < 1 || n > 256)
                return bad("--inflight: expected 1..256, got '%s'", v);
            o.inflight = (int)n;
        } else if (!strcmp(a, "--verbose")) {
            o.verbose = true;
        } else if (!strcmp(a, "--no-json-check")) {
            o.check_json = false;
        } else if (!strcmp(a, "--no-progress")) {
            o.progress = false;
        } else if (a[0] == '-' && a[1]) {
            return bad("unknown option '%s'", a);
        } else if (!o.source) {
            o.source = a;
            continue;
        } else {
            return bad("unexpected argument '%s'", a);
        }
        if (takes)
            i++;
    }
    if (!o.source)
        return bad("a source is required: a directory or s3://bucket[/prefix]%s", "");
    return ot_validate_run(&o, stdout, stderr);
}

/* cmd_serve.c — `opentrail serve`: reads the options, then runs the daemon (src/daemon/). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "config/config.h"
#include "daemon/daemon.h"
#include "util/err.h"

static const char serve_help[] =
    "usage: opentrail serve [options]\n"
    "\n"
    "Runs the CloudTrail-compatible server: the CloudTrail API (JSON 1.1), CloudTrail Data\n"
    "(PutAuditEvents) and an embedded S3, all on one port, told apart by the SigV4 scope.\n"
    "\n"
    "options (each is also a key of the --config file, e.g. 'delivery-interval = 2s'):\n"
    "  --listen HOST:PORT        address to listen on (default 127.0.0.1:4590)\n"
    "  --data-dir DIR            state, WAL, keys and buckets (default ./opentrail-data)\n"
    "  --account-id ID           12-digit account of the built-in principals (default 123456789012)\n"
    "  --region REGION           region for requests that name none (default us-east-1)\n"
    "  --delivery-interval DUR   how often log files are delivered (default 5m; e.g. 2s, 250ms)\n"
    "  --delivery-max-bytes N    deliver early once a file would exceed N uncompressed bytes\n"
    "                            (default 67108864)\n"
    "  --digest-interval DUR     how often each validating trail gets a signed digest file per\n"
    "                            region (default 1h; e.g. 5s for tests)\n"
    "  --key-rotation DUR        a new digest signing key per region this often; each key stays\n"
    "                            valid for two periods (default 30d)\n"
    "  --history-retention DUR   how long event history (LookupEvents) keeps events (default\n"
    "                            90d; 0 keeps them forever; imported events are exempt)\n"
    "  --lookup-rate N           LookupEvents calls per second per account before\n"
    "                            ThrottlingException (default 0: unlimited; AWS allows 2)\n"
    "  --any-credentials         emulator mode: accept any access key without checking\n"
    "                            signatures (for local testing only; never the default)\n"
    "  --log-bucket-write-once B objects under AWSLogs/ of a trail's bucket cannot be\n"
    "                            overwritten or deleted over S3 (default true)\n"
    "  --tls-cert FILE           serve HTTPS with this PEM certificate (chain) ...\n"
    "  --tls-key FILE            ... and its PEM private key (both or neither)\n"
    "  --http-threads N          worker threads serving requests (default 16)\n"
    "  --max-connections N       open client connections at most (default 10000)\n"
    "  --max-connections-per-ip N  per client address (default 256; 0 = no cap)\n"
    "  --header-timeout DUR      a request's line and headers must arrive within this\n"
    "                            (default 20s; also closes idle kept-alive connections)\n"
    "  --body-timeout DUR        its body within this plus 1s per 500 bytes (default 20s)\n"
    "  --config FILE             read 'key = value' lines; command-line options win\n"
    "  -h, --help                show this help\n"
    "\n"
    "On first start, DIR/credentials is created with an admin access key:\n"
    "  export AWS_SHARED_CREDENTIALS_FILE=DIR/credentials AWS_ENDPOINT_URL=http://127.0.0.1:4590\n";


/* Options are applied after --config so the command line wins. */
static int parse_args(int argc, char **argv, ot_config *cfg)
{
    static const struct option opts[] = {
        {"listen", required_argument, 0, 'l'},       {"data-dir", required_argument, 0, 'd'},
        {"account-id", required_argument, 0, 'a'},   {"region", required_argument, 0, 'r'},
        {"delivery-interval", required_argument, 0, 'i'},
        {"delivery-max-bytes", required_argument, 0, 'm'},
        {"digest-interval", required_argument, 0, 'g'},
        {"key-rotation", required_argument, 0, 'k'},
        {"history-retention", required_argument, 0, 'R'},
        {"lookup-rate", required_argument, 0, 'L'},
        {"any-credentials", no_argument, 0, 'A'},    {"no-fsync", no_argument, 0, 'F'},
        {"config", required_argument, 0, 'c'},       {"help", no_argument, 0, 'h'},
        {"log-bucket-write-once", required_argument, 0, 'W'},
        {"tls-cert", required_argument, 0, 'T'},     {"tls-key", required_argument, 0, 'K'},
        {"http-threads", required_argument, 0, 't'},
        {"max-connections", required_argument, 0, 'M'},
        {"max-connections-per-ip", required_argument, 0, 'P'},
        {"header-timeout", required_argument, 0, 'H'},
        {"body-timeout", required_argument, 0, 'B'},
        {0, 0, 0, 0}};
    char err[512];
    for (int pass = 0; pass < 2; pass++) {
        optind = 1;
        int c, idx;
        while ((c = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
            if (c == 'h') {
                fputs(serve_help, stdout);
                exit(0);
            }
            if (c == '?') {
                fprintf(stderr, "see 'opentrail serve --help'\n");
                return OT_EINVAL;
            }
            if ((pass == 0) != (c == 'c'))
                continue;
            if (c == 'c') {
                if (ot_config_load_file(cfg, optarg, err, sizeof err)) {
                    fprintf(stderr, "opentrail serve: %s\n", err);
                    return OT_EINVAL;
                }
                continue;
            }
            const char *name = opts[idx].name;
            const char *value = opts[idx].has_arg ? optarg : "true";
            if (ot_config_set(cfg, name, value, err, sizeof err)) {
                fprintf(stderr, "opentrail serve: %s\n", err);
                return OT_EINVAL;
            }
        }
    }
    if (optind < argc) {
        fprintf(stderr, "opentrail serve: unexpected argument '%s'\n", argv[optind]);
        return OT_EINVAL;
    }
    if (ot_config_check(cfg, err, sizeof err)) {
        fprintf(stderr, "opentrail serve: %s\n", err);
        return OT_EINVAL;
    }
    return OT_OK;
}

int ot_cmd_serve(int argc, char **argv)
{
    static ot_config cfg;
    ot_config_defaults(&cfg);
    if (parse_args(argc, argv, &cfg))
        return 2;
    return ot_daemon_run(&cfg);
}

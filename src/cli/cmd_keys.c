/* cmd_keys.c — `opentrail keys list|rotate|export`: the digest signing keys of a data dir,
 * offline (the server may be running: state.db is shared safely through SQLite). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "digest/digest.h"
#include "sys/datadir.h"
#include "sys/sysio.h"
#include "trail/trail.h"
#include "util/crypto.h"
#include "util/err.h"
#include "util/region.h"
#include "util/timeutil.h"

static const char keys_help[] =
    "usage: opentrail keys <command> [options]\n"
    "\n"
    "The RSA-2048 keys that sign digest files (log-file validation), one set per region.\n"
    "Private keys stay in DIR/keys (mode 0600); their metadata is in DIR/state.db.\n"
    "\n"
    "commands:\n"
    "  list                  region, fingerprint and validity of every key; '*' marks the key\n"
    "                        that signs digests now\n"
    "  rotate                make a new key now in --region (or in every region that has keys);\n"
    "                        it signs from now on, older keys stay valid for validation\n"
    "  export --out OUTDIR   write public keys as files for offline validation:\n"
    "                        OUTDIR/<region>-<fingerprint>.pem (PKCS#1 'RSA PUBLIC KEY') or .der\n"
    "\n"
    "options:\n"
    "  --data-dir DIR        the server's data dir (default ./opentrail-data)\n"
    "  --region R            only this region (list, export); the region to rotate\n"
    "  --fingerprint FP      export only this key\n"
    "  --format pem|der      export format (default pem)\n"
    "  --key-rotation DUR    rotation period for a key made by rotate (default 30d; a key signs\n"
    "                        for one period and stays valid for two)\n"
    "  -h, --help            show this help\n";

typedef struct keys_opts {
    const char *data_dir;
    const char *region;
    const char *fingerprint;
    const char *out;
    bool der;
    int64_t rotation_ms;
} keys_opts;

static int parse(int argc, char **argv, keys_opts *o)
{
    static const struct option opts[] = {
        {"data-dir", required_argument, 0, 'd'}, {"region", required_argument, 0, 'r'},
        {"fingerprint", required_argument, 0, 'f'}, {"format", required_argument, 0, 'F'},
        {"out", required_argument, 0, 'o'},      {"key-rotation", required_argument, 0, 'k'},
        {"help", no_argument, 0, 'h'},           {0, 0, 0, 0}};
    *o = (keys_opts){.data_dir = "./opentrail-data"};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(keys_help, stdout); exit(0);
        case 'd': o->data_dir = optarg; break;
        case 'r': o->region = optarg; break;
        case 'f': o->fingerprint = optarg; break;
        case 'o': o->out = optarg; break;
        case 'F':
            if (strcmp(optarg, "pem") && strcmp(optarg, "der"))
                return ot_cli_usage("keys", "--format: expected pem or der, got '%s'", optarg);
            o->der = !strcmp(optarg, "der");
            break;
        case 'k':
            if (ot_duration_parse(optarg, &o->rotation_ms) || o->rotation_ms < 1000)
                return ot_cli_usage("keys", "--key-rotation: expected a duration such as 30d (at "
                                    "least 1s), got '%s'", optarg);
            break;
        default: return ot_cli_bad_option("keys", c, argv);
        }
    }
    if (o->region && !ot_region_valid(o->region))
        return ot_cli_usage("keys", "--region: '%s' is not an AWS region name (such as "
                            "us-east-1)", o->region);
    return OT_OK;
}

/* rotate may start the key set of a data dir that exists but has no state.db yet. */
static int open_store(const keys_opts *o, bool create, ot_trail_db **db, ot_keystore **ks)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/state.db", o->data_dir);
    struct stat st;
    if (create ? stat(o->data_dir, &st) != 0 || !S_ISDIR(st.st_mode) : stat(path, &st) != 0) {
        ot_cli_error("keys", "%s: no state.db (not a data dir?)", o->data_dir);
        return OT_ENOTFOUND;
    }
    char err[1024];
    if (ot_datadir_prepare(o->data_dir, err, sizeof err)) {
        ot_cli_error("keys", "%s", err);
        return OT_EINVAL;
    }
    int rc = ot_trail_db_open(path, db);
    if (!rc && (rc = ot_keystore_open(o->data_dir, *db, o->rotation_ms, ks)) != OT_OK)
        ot_trail_db_close(*db);
    if (rc)
        ot_cli_error("keys", "cannot open %s: %s", path, ot_strerror(rc));
    return rc;
}

static void print_key(const ot_pubkey *k, bool current)
{
    char from[32], until[32], to[32];
    ot_time_iso8601(k->valid_from_ms, from);
    ot_time_iso8601(k->sign_until_ms, until);
    ot_time_iso8601(k->valid_to_ms, to);
    printf("%-16s %s%c %s  %s  %s\n", k->region, k->fingerprint, current ? '*' : ' ', from, until,
           to);
}

static int cmd_list(ot_keystore *ks, const keys_opts *o)
{
    ot_pubkey *v;
    size_t n;
    int rc = ot_keystore_list(ks, o->region, 0, INT64_MAX, &v, &n);
    if (rc)
        return ot_cli_error("keys list", "%s", ot_strerror(rc));
    int64_t now = ot_now_ms();
    printf("%-16s %-33s %-20s  %-20s  %s\n", "REGION", "FINGERPRINT", "VALID FROM", "SIGNS UNTIL",
           "VALID TO");
    for (size_t i = 0; i < n; i++) {
        /* The signing key is the newest whose signing period holds now (list is by region, then
         * valid_from): the last such entry of its region. */
        bool cur = v[i].valid_from_ms <= now && now < v[i].sign_until_ms;
        for (size_t j = i + 1; cur && j < n && !strcmp(v[j].region, v[i].region); j++)
            if (v[j].valid_from_ms <= now && now < v[j].sign_until_ms)
                cur = false;
        print_key(&v[i], cur);
    }
    if (n == 0)
        printf("(no keys: they are made when the first digest is signed)\n");
    free(v);
    return 0;
}

static int cmd_rotate(ot_keystore *ks, const keys_opts *o)
{
    ot_pubkey *v = NULL, k;
    size_t n = 0;
    int rc = o->region ? OT_OK : ot_keystore_list(ks, NULL, 0, INT64_MAX, &v, &n);
    if (!rc && !o->region && n == 0)
        return ot_cli_error("keys rotate", "no keys yet; name a region with --region");
    for (size_t i = 0; !rc && i < (o->region ? 1 : n); i++) {
        const char *region = o->region ? o->region : v[i].region;
        if (!o->region && i > 0 && !strcmp(region, v[i - 1].region))
            continue;
        if (!(rc = ot_keystore_rotate(ks, region, ot_now_ms(), &k)))
            print_key(&k, true);
    }
    free(v);
    if (rc)
        return ot_cli_error("keys rotate", "%s", ot_strerror(rc));
    return OT_EXIT_OK;
}


/* PKCS#1 public key as PEM: base64 of the DER in 64-character lines. */
static size_t to_pem(const ot_pubkey *k, char *out, size_t cap)
{
    char b64[OT_KEY_DER_MAX * 4 / 3 + 8];
    size_t n = ot_base64(k->der, k->der_len, b64);
    size_t off = (size_t)snprintf(out, cap, "-----BEGIN RSA PUBLIC KEY-----\n");
    for (size_t i = 0; i < n && off < cap; i += 64)
        off += (size_t)snprintf(out + off, cap - off, "%.64s\n", b64 + i);
    if (off < cap)
        off += (size_t)snprintf(out + off, cap - off, "-----END RSA PUBLIC KEY-----\n");
    return off < cap ? off : cap;
}

static int cmd_export(ot_keystore *ks, const keys_opts *o)
{
    if (ot_sys->mkdir(o->out, 0755) && errno != EEXIST)
        return ot_cli_error("keys export", "cannot create %s: %s", o->out, strerror(errno));
    ot_pubkey *v;
    size_t n, written = 0;
    int rc = ot_keystore_list(ks, o->region, 0, INT64_MAX, &v, &n);
    for (size_t i = 0; !rc && i < n; i++) {
        if (o->fingerprint && strcmp(o->fingerprint, v[i].fingerprint))
            continue;
        char path[1200], pem[1024];
        snprintf(path, sizeof path, "%s/%s-%s.%s", o->out, v[i].region, v[i].fingerprint,
                 o->der ? "der" : "pem");
        /* a crash leaves the old export or the new one, never half a key */
        rc = o->der ? ot_sys_write_file_atomic(path, v[i].der, v[i].der_len, 0644, false)
                    : ot_sys_write_file_atomic(path, pem, to_pem(&v[i], pem, sizeof pem), 0644,
                                               false);
        if (rc)
            ot_cli_error("keys export", "cannot write %s", path);
        else
            printf("%s\n", path);
        written++;
    }
    free(v);
    if (!rc && written == 0)
        return ot_cli_error("keys export", "no matching keys");
    return rc ? OT_EXIT_FAILURE : OT_EXIT_OK;
}

int ot_cmd_keys(int argc, char **argv)
{
    if (argc < 2)
        return ot_cli_usage("keys", "missing command (list, rotate, export)");
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs(keys_help, stdout);
        return OT_EXIT_OK;
    }
    const char *sub = argv[1];
    int (*fn)(ot_keystore *, const keys_opts *) = !strcmp(sub, "list")     ? cmd_list
                                                  : !strcmp(sub, "rotate") ? cmd_rotate
                                                  : !strcmp(sub, "export") ? cmd_export
                                                                           : NULL;
    if (!fn)
        return ot_cli_usage("keys", "unknown command '%s' (list, rotate, export)", sub);
    keys_opts o;
    if (parse(argc - 1, argv + 1, &o))
        return OT_EXIT_USAGE;
    if (optind < argc - 1)
        return ot_cli_usage("keys", "unexpected argument '%s'", argv[optind + 1]);
    if (fn == cmd_export && !o.out)
        return ot_cli_usage("keys", "export: --out OUTDIR is required");
    ot_trail_db *db;
    ot_keystore *ks;
    if (open_store(&o, fn == cmd_rotate, &db, &ks))
        return OT_EXIT_FAILURE;
    int rc = fn(ks, &o);
    ot_keystore_close(ks);
    ot_trail_db_close(db);
    return rc;
}

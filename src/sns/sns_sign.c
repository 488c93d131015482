/* sns_sign.c — SNS message signatures, SignatureVersion 2: SHA256withRSA over the message's
 * canonical string, base64-encoded, verifiable with the certificate served at SigningCertURL
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html).
 *
 * The key and a self-signed certificate are made on first start in DATA-DIR/sns-signing/
 * (both 0600, like everything in the data dir; the certificate is public through its URL) and
 * kept: a subscriber may pin the certificate. */
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sns/sns_int.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/err.h"
#include "util/log.h"

#define CERT_DAYS 3650L
#define RSA_BITS 2048

static X509 *self_signed(EVP_PKEY *pk)
{
    X509 *x = X509_new();
    X509_NAME *name = x ? X509_get_subject_name(x) : NULL;
    uint64_t serial;
    ot_random(&serial, sizeof serial);
    if (!name || !X509_set_version(x, 2) ||
        !ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial >> 1) ||
        !X509_gmtime_adj(X509_getm_notBefore(x), 0) ||
        !X509_gmtime_adj(X509_getm_notAfter(x), CERT_DAYS * 86400L) ||
        !X509_set_pubkey(x, pk) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                    (const unsigned char *)"opentrail SNS", -1, -1, 0) ||
        !X509_set_issuer_name(x, name) || !X509_sign(x, pk, EVP_sha256())) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static int write_pem(const char *path, mode_t mode, EVP_PKEY *pk, X509 *x)
{
    FILE *f = fopen(path, "wx");
    if (!f)
        return OT_EIO;
    chmod(path, mode);
    int ok = pk ? PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL) : PEM_write_X509(f, x);
    return fclose(f) == 0 && ok ? OT_OK : OT_EIO;
}

/* Makes a new key and certificate in dir (any half-made pair is replaced). */
static int create_pair(const char *key_path, const char *cert_path)
{
    remove(key_path);
    remove(cert_path);
    EVP_PKEY *pk = EVP_RSA_gen(RSA_BITS);
    X509 *x = pk ? self_signed(pk) : NULL;
    int rc = x ? write_pem(key_path, 0600, pk, NULL) : OT_ENOMEM;
    if (!rc)
        rc = write_pem(cert_path, 0600, NULL, x); /* public, but the data dir stays private */
    X509_free(x);
    EVP_PKEY_free(pk);
    return rc;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = calloc(1, 16384);
    size_t n = text ? fread(text, 1, 16383, f) : 0;
    fclose(f);
    if (text && (n == 0 || n == 16383)) {
        free(text);
        return NULL;
    }
    return text;
}

int ot_sns_sign_open(ot_sns *sns, const char *data_dir)
{
    char dir[600], key_path[640], cert_path[640];
    snprintf(dir, sizeof dir, "%s/sns-signing", data_dir);
    snprintf(key_path, sizeof key_path, "%s/key.pem", dir);
    snprintf(cert_path, sizeof cert_path, "%s/cert.pem", dir);
    if (mkdir(dir, 0700) && errno != EEXIST) {
        ot_error("sns: cannot create %s: %s", dir, strerror(errno));
        return OT_EIO;
    }
    struct stat st;
    int rc = OT_OK;
    if (stat(key_path, &st) || stat(cert_path, &st))
        rc = create_pair(key_path, cert_path);
    FILE *f = rc ? NULL : fopen(key_path, "rb");
    sns->sign_key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    sns->sign_cert = sns->sign_key ? read_text(cert_path) : NULL;
    if (!sns->sign_cert) {
        ot_error("sns: cannot make or read the signing key and certificate in %s", dir);
        return rc ? rc : OT_ECORRUPT;
    }
    return OT_OK;
}

void ot_sns_sign_close(ot_sns *sns)
{
    EVP_PKEY_free(sns->sign_key);
    free(sns->sign_cert);
}

int ot_sns_sign(EVP_PKEY *key, const char *const *fields, size_t n, char *out, size_t cap)
{
    ot_buf text;
    ot_buf_init(&text, 0);
    for (size_t i = 0; i + 1 < n; i += 2)
        if (fields[i + 1])
            ot_buf_printf(&text, "%s\n%s\n", fields[i], fields[i + 1]);
    unsigned char sig[512];
    size_t siglen = sizeof sig;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int rc = ctx && text.data && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
                     EVP_DigestSign(ctx, sig, &siglen, (unsigned char *)text.data, text.len) == 1
                 ? OT_OK : OT_EIO;
    EVP_MD_CTX_free(ctx);
    ot_buf_free(&text);
    if (rc || cap < 4 * ((siglen + 2) / 3) + 1)
        return rc ? rc : OT_ELIMIT;
    ot_base64(sig, siglen, out);
    return OT_OK;
}

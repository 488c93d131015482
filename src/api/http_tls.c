/* http_tls.c — load and check the serving certificate and key (OpenSSL parses, nothing more). */
#include "api/http_tls.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

#define PEM_MAX (1u << 20) /* a certificate chain or key larger than this is not a PEM file */

static char *read_text(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(PEM_MAX + 1);
    size_t n = buf ? fread(buf, 1, PEM_MAX + 1, f) : 0;
    int bad = ferror(f) || n > PEM_MAX;
    fclose(f);
    if (!buf || bad) {
        snprintf(err, errlen, "cannot read %s: %s", path, buf ? "unreadable or larger than 1 MiB"
                                                              : "out of memory");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static void ssl_reason(char *out, size_t cap)
{
    unsigned long e = ERR_get_error();
    snprintf(out, cap, "%s", e ? ERR_reason_error_string(e) : "no PEM data found");
    ERR_clear_error();
}

/* An encrypted key is refused, never prompted for: the server may have no terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    return -1;
}

/* Parses both PEMs and checks that the key is the certificate's. */
static int check_pair(const ot_tls_pem *p, const char *cert_path, const char *key_path,
                      char *err, size_t errlen)
{
    char why[160];
    BIO *cb = BIO_new_mem_buf(p->cert, -1), *kb = BIO_new_mem_buf(p->key, -1);
    X509 *x = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
    EVP_PKEY *k = NULL;
    int rc = OT_EINVAL;
    if (!x) {
        ssl_reason(why, sizeof why);
        snprintf(err, errlen, "tls-cert %s is not a PEM certificate (%s)", cert_path, why);
    } else if (!(k = kb ? PEM_read_bio_PrivateKey(kb, NULL, no_passphrase, NULL) : NULL)) {
        ssl_reason(why, sizeof why);
        snprintf(err, errlen, "tls-key %s is not an unencrypted PEM private key (%s)", key_path,
                 why);
    } else if (X509_check_private_key(x, k) != 1) {
        ERR_clear_error();
        snprintf(err, errlen, "tls-key %s is not the private key of tls-cert %s", key_path,
                 cert_path);
    } else {
        rc = OT_OK;
    }
    EVP_PKEY_free(k);
    X509_free(x);
    BIO_free(kb);
    BIO_free(cb);
    return rc;
}

int ot_tls_pem_load(const char *cert_path, const char *key_path, ot_tls_pem *out, char *err,
                    size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!(out->cert = read_text(cert_path, err, errlen)) ||
        !(out->key = read_text(key_path, err, errlen)) ||
        check_pair(out, cert_path, key_path, err, errlen)) {
        ot_tls_pem_free(out);
        return OT_EINVAL;
    }
    return OT_OK;
}

void ot_tls_pem_free(ot_tls_pem *p)
{
    if (p->key)
        OPENSSL_cleanse(p->key, strlen(p->key));
    free(p->key);
    free(p->cert);
    memset(p, 0, sizeof *p);
}

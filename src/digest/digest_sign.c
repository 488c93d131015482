/* digest_sign.c — the cryptography of digests: fingerprints, the signing string, RSA
 * signatures over SHA-256 (PKCS#1 v1.5) and their verification, with OpenSSL 3 EVP calls only.
 *
 * The public key CloudTrail serves is DER PKCS#1 RSAPublicKey (not SubjectPublicKeyInfo: awscli
 * v1 loads it with rsa.PublicKey.load_pkcs1(format='DER'), which refuses SPKI); i2d_PublicKey /
 * d2i_PublicKey read and write exactly that form for RSA. */
#include "digest/digest_int.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/crypto.h"
#include "util/err.h"

void ot_key_fingerprint(const uint8_t *der, size_t len, char out[33])
{
    uint8_t h[16];
    ot_md5(der, len, h);
    ot_hex(h, 16, out);
}

char *ot_digest_signing_string(const char *end_iso, const char *bucket, const char *key,
                               const void *body, size_t body_len, const char *prev_sig)
{
    uint8_t h[32];
    char hex[65];
    ot_sha256(body, body_len, h);
    ot_hex(h, 32, hex);
    const char *prev = prev_sig ? prev_sig : "null";
    size_t n = strlen(end_iso) + strlen(bucket) + strlen(key) + strlen(prev) + 64 + 5;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s\n%s/%s\n%s\n%s", end_iso, bucket, key, hex, prev);
    return s;
}

int ot_key_public_der(EVP_PKEY *pk, uint8_t der[OT_KEY_DER_MAX], size_t *len)
{
    int n = i2d_PublicKey(pk, NULL);
    if (n <= 0 || n > OT_KEY_DER_MAX)
        return OT_EINVAL;
    unsigned char *p = der;
    if (i2d_PublicKey(pk, &p) != n)
        return OT_EINVAL;
    *len = (size_t)n;
    return OT_OK;
}

int ot_key_sign(EVP_PKEY *pk, const void *msg, size_t len, char sig_hex[OT_SIG_HEX_MAX])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    uint8_t sig[OT_SIG_HEX_MAX / 2];
    size_t siglen = sizeof sig;
    int rc = OT_EIO;
    if (ctx && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pk) == 1 &&
        EVP_DigestSign(ctx, NULL, &siglen, msg, len) == 1 && siglen <= sizeof sig &&
        EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1) {
        ot_hex(sig, siglen, sig_hex);
        rc = OT_OK;
    }
    EVP_MD_CTX_free(ctx);
    return rc;
}

static int unhex(const char *hex, uint8_t *out, size_t cap, size_t *n)
{
    size_t len = strlen(hex);
    if (len % 2 || len / 2 > cap)
        return OT_EINVAL;
    for (size_t i = 0; i < len / 2; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1 || !strchr("0123456789abcdefABCDEF", hex[2 * i]) ||
            !strchr("0123456789abcdefABCDEF", hex[2 * i + 1]))
            return OT_EINVAL;
        out[i] = (uint8_t)v;
    }
    *n = len / 2;
    return OT_OK;
}

int ot_digest_verify(const uint8_t *der, size_t der_len, const void *msg, size_t len,
                     const char *sig_hex)
{
    uint8_t sig[OT_SIG_HEX_MAX / 2];
    size_t siglen;
    if (unhex(sig_hex, sig, sizeof sig, &siglen))
        return OT_ECORRUPT;
    const unsigned char *p = der;
    EVP_PKEY *pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)der_len);
    if (!pk)
        return OT_EINVAL;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pk) == 1 &&
             EVP_DigestVerify(ctx, sig, siglen, msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pk);
    return ok ? OT_OK : OT_ECORRUPT;
}

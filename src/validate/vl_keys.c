/* vl_keys.c — the public keys a validation trusts, by fingerprint, and RSA signature checks.
 *
 * Keys arrive as DER or PEM, PKCS#1 RSAPublicKey (what ListPublicKeys serves) or
 * SubjectPublicKeyInfo (what `openssl rsa -pubout` writes). The fingerprint AWS uses is the MD5
 * of the DER bytes it serves; we keep that MD5 beside the fingerprint a key is known by, so a
 * ListPublicKeys answer whose Fingerprint is not the MD5 of its Value is caught. */
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/crypto.h"
#include "util/err.h"
#include "util/vec.h"
#include "validate/validate.h"

#define KEYFILE_MAX (64 * 1024)

void ot_vkeys_free(ot_vkeys *k)
{
    for (size_t i = 0; i < k->n; i++)
        EVP_PKEY_free(k->v[i].pkey);
    free(k->v);
    k->v = NULL;
    k->n = k->cap = 0;
}

/* Strips PEM armour ("-----BEGIN ...-----" base64 "-----END ...-----") into DER. */
static long pem_to_der(const char *s, size_t len, uint8_t *out, size_t cap)
{
    const char *p = memmem(s, len, "-----BEGIN", 10);
    if (!p || !(p = memchr(p, '\n', len - (size_t)(p - s))))
        return -1;
    const char *end = memmem(p, len - (size_t)(p - s), "-----END", 8);
    if (!end)
        return -1;
    char *b64 = malloc((size_t)(end - p) + 1);
    size_t n = 0;
    if (!b64)
        return -1;
    for (; p < end; p++)
        if (*p != '\n' && *p != '\r' && *p != ' ' && *p != '\t')
            b64[n++] = *p;
    long r = ot_base64_decode(b64, n, out, cap);
    free(b64);
    return r;
}

static EVP_PKEY *decode_der(const uint8_t *der, size_t len, bool *pkcs1)
{
    const unsigned char *p = der;
    EVP_PKEY *k = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)len);
    if (k && p == der + len) {
        *pkcs1 = true;
        return k;
    }
    EVP_PKEY_free(k);
    p = der;
    k = d2i_PUBKEY(NULL, &p, (long)len);
    if (k && (p != der + len || EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA)) {
        EVP_PKEY_free(k);
        k = NULL;
    }
    *pkcs1 = false;
    return k;
}

int ot_vkeys_add(ot_vkeys *k, const uint8_t *data, size_t len, const char *fingerprint)
{
    uint8_t *der = malloc(len + 1);
    long dlen = (long)len;
    int rc = OT_EINVAL;
    if (!der)
        return OT_ENOMEM;
    if (len > 10 && memmem(data, len, "-----BEGIN", 10)) {
        if ((dlen = pem_to_der((const char *)data, len, der, len)) <= 0)
            goto out;
    } else {
        memcpy(der, data, len);
    }
    ot_vkey key;
    memset(&key, 0, sizeof key);
    uint8_t md[16];
    ot_md5(der, (size_t)dlen, md);
    ot_hex(md, 16, key.md5);
    key.pkey = decode_der(der, (size_t)dlen, &key.pkcs1);
    if (!fingerprint) { /* a key file: known by the MD5 of its PKCS#1 form, as AWS names it */
        if (!key.pkey)
            goto out;
        unsigned char *p1 = NULL;
        int n1 = i2d_PublicKey(key.pkey, &p1);
        if (n1 <= 0) {
            EVP_PKEY_free(key.pkey);
            goto out;
        }
        ot_md5(p1, (size_t)n1, md);
        OPENSSL_free(p1);
        ot_hex(md, 16, key.fingerprint);
        memcpy(key.md5, key.fingerprint, sizeof key.md5);
    } else {
        snprintf(key.fingerprint, sizeof key.fingerprint, "%s", fingerprint);
    }
    if (OT_VEC_GROW(k->v, k->cap, k->n + 1)) {
        EVP_PKEY_free(key.pkey);
        rc = OT_ENOMEM;
        goto out;
    }
    k->v[k->n++] = key;
    rc = OT_OK;
out:
    free(der);
    return rc;
}

int ot_vkeys_add_file(ot_vkeys *k, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open public key file %s", path);
        return OT_EIO;
    }
    ot_buf b;
    ot_buf_init(&b, KEYFILE_MAX);
    char tmp[4096];
    size_t n;
    int rc = OT_OK;
    while (!rc && (n = fread(tmp, 1, sizeof tmp, f)) > 0)
        rc = ot_buf_append(&b, tmp, n);
    fclose(f);
    if (!rc)
        rc = ot_vkeys_add(k, (const uint8_t *)b.data, b.len, NULL);
    if (rc)
        snprintf(err, errlen, "%s: not an RSA public key (PEM or DER, PKCS#1 or "
                 "SubjectPublicKeyInfo)", path);
    ot_buf_free(&b);
    return rc;
}

const ot_vkey *ot_vkeys_find(const ot_vkeys *k, const char *fingerprint)
{
    for (size_t i = 0; i < k->n; i++)
        if (!strcmp(k->v[i].fingerprint, fingerprint))
            return &k->v[i];
    return NULL;
}

char *ot_validate_string_to_sign(const char *end_time, const char *bucket, const char *key,
                                 const char body_sha_hex[65], const char *prev_sig)
{
    ot_buf b;
    ot_buf_init(&b, 0);
    if (ot_buf_printf(&b, "%s\n%s/%s\n%s\n%s", end_time, bucket, key, body_sha_hex,
                      prev_sig ? prev_sig : "null")) {
        ot_buf_free(&b);
        return NULL;
    }
    return ot_buf_take(&b, NULL);
}

static int unhex(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool ot_validate_verify(const ot_vkey *key, const char *msg, size_t len, const char *sig_hex)
{
    size_t hl = strlen(sig_hex);
    if (!key->pkey || hl == 0 || hl % 2 || hl > 2048)
        return false;
    uint8_t sig[1024];
    for (size_t i = 0; i < hl / 2; i++) {
        int hi = unhex(sig_hex[2 * i]), lo = unhex(sig_hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        sig[i] = (uint8_t)(hi << 4 | lo);
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key->pkey) == 1 &&
              EVP_DigestVerify(ctx, sig, hl / 2, (const unsigned char *)msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

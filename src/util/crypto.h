/* crypto.h — hashing, HMAC, encodings and random IDs (OpenSSL EVP underneath). */
#ifndef OT_CRYPTO_H
#define OT_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

void ot_sha256(const void *data, size_t len, uint8_t out[32]);
void ot_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len, uint8_t out[32]);
void ot_md5(const void *data, size_t len, uint8_t out[16]);
/* Lowercase hex of n bytes into out (2n+1 bytes). */
void ot_hex(const uint8_t *in, size_t n, char *out);
/* Base64 (standard alphabet, padded). out needs 4*((n+2)/3)+1 bytes. Returns the length. */
size_t ot_base64(const uint8_t *in, size_t n, char *out);
/* Decodes canonical standard base64 (padded; the unused bits of a padded group must be zero);
 * returns the decoded length or -1 on bad input / too small out. */
long ot_base64_decode(const char *in, size_t n, uint8_t *out, size_t outcap);
/* Cryptographically random bytes (aborts if the kernel cannot supply them). */
void ot_random(void *out, size_t n);
/* A random version-4 UUID, lowercase, 36 chars + NUL. */
void ot_uuid4(char out[37]);
/* n random characters from [A-Za-z0-9] (no NUL added). */
void ot_random_alnum(char *out, size_t n);

#endif

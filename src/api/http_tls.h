/* http_tls.h — the certificate and key `opentrail serve --tls-cert/--tls-key` serves HTTPS with.
 *
 * The TLS itself is libmicrohttpd's (GnuTLS); this only reads the two PEM files and checks them
 * with OpenSSL before anything else starts, so a wrong path or a key that does not belong to the
 * certificate is a clear error at start rather than a failed handshake later. */
#ifndef OT_HTTP_TLS_H
#define OT_HTTP_TLS_H

#include <stddef.h>

typedef struct ot_tls_pem {
    char *cert; /* NUL-terminated PEM: the certificate (chain) */
    char *key;  /* NUL-terminated PEM: its private key; wiped when freed */
} ot_tls_pem;

/* Reads and checks cert_path and key_path. Returns 0, or an error with a message in err. */
int ot_tls_pem_load(const char *cert_path, const char *key_path, ot_tls_pem *out, char *err,
                    size_t errlen);
void ot_tls_pem_free(ot_tls_pem *p);

#endif

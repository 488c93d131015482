/* history_token.c — NextToken: a cursor sealed with an HMAC over the query's parameters.
 *
 * token = base64(version | snapshot | time_ms | id | HMAC-SHA256(key, params | those)[0..16)).
 * The key is random per history.db (meta 'token_key'), so tokens survive restarts, cannot be
 * forged or edited, and a token presented with other parameters fails the check. */
#include "history/history_int.h"

#include <string.h>

#include "util/crypto.h"
#include "util/err.h"

#define TOKEN_VERSION 1
#define BODY_LEN 25
#define MAC_LEN 16

static void put64(uint8_t *p, int64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)((uint64_t)v >> (56 - 8 * i));
}

static int64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return (int64_t)v;
}

static void mac(const ot_history *h, const uint8_t params[32], const uint8_t *body,
                uint8_t out[32])
{
    uint8_t msg[32 + BODY_LEN];
    memcpy(msg, params, 32);
    memcpy(msg + 32, body, BODY_LEN);
    ot_hmac_sha256(h->token_key, sizeof h->token_key, msg, sizeof msg, out);
}

void ot_history_token_make(ot_history *h, const uint8_t params[32], const ot_history_cursor *c,
                           char out[OT_HISTORY_TOKEN_MAX])
{
    uint8_t tok[BODY_LEN + MAC_LEN], m[32];
    tok[0] = TOKEN_VERSION;
    put64(tok + 1, c->snapshot);
    put64(tok + 9, c->time_ms);
    put64(tok + 17, c->id);
    mac(h, params, tok, m);
    memcpy(tok + BODY_LEN, m, MAC_LEN);
    ot_base64(tok, sizeof tok, out);
}

int ot_history_token_parse(ot_history *h, const char *token, const uint8_t params[32],
                           ot_history_cursor *c)
{
    uint8_t tok[BODY_LEN + MAC_LEN + 4], m[32];
    size_t n = strlen(token);
    if (n == 0 || n >= OT_HISTORY_TOKEN_MAX)
        return OT_EINVAL;
    long len = ot_base64_decode(token, n, tok, sizeof tok);
    if (len != BODY_LEN + MAC_LEN || tok[0] != TOKEN_VERSION)
        return OT_EINVAL;
    mac(h, params, tok, m);
    uint8_t diff = 0;
    for (int i = 0; i < MAC_LEN; i++)
        diff |= (uint8_t)(m[i] ^ tok[BODY_LEN + i]);
    if (diff)
        return OT_EINVAL;
    c->snapshot = get64(tok + 1);
    c->time_ms = get64(tok + 9);
    c->id = get64(tok + 17);
    return OT_OK;
}

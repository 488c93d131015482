/* forwarded.h — the client address of a request that came through trusted proxies.
 *
 * When the TCP peer is a trusted proxy (--trusted-proxy), the client is named by the proxy in
 * `Forwarded: for=...` (RFC 7239) or, if the request has no Forwarded header, in
 * `X-Forwarded-For`. Each proxy appends the address it received the request from, so the list
 * is read from the right: the first address that is not itself a trusted proxy is the client
 * (everything left of it was written by the client and proves nothing). Several header lines
 * count as one list, in order. Anything we cannot read where we need it — a syntax error, an
 * "unknown" or obfuscated node, a node without for= — answers OT_EINVAL, and the caller keeps
 * the peer's address: a header never makes the address less trustworthy than the socket's. */
#ifndef OT_FORWARDED_H
#define OT_FORWARDED_H

#include <stddef.h>

#include "api/http.h"
#include "util/cidr.h"

/* How many hops from the right are looked at; entries further left are ignored. */
#define OT_FWD_MAX_HOPS 32

typedef enum ot_fwd_kind {
    OT_FWD_FORWARDED,  /* RFC 7239: for=192.0.2.1;proto=https, for="[2001:db8::1]:4711" */
    OT_FWD_XFF,        /* X-Forwarded-For: 192.0.2.1, 2001:db8::1 */
} ot_fwd_kind;

/* The client address from the nvalues header values of one kind (in the order received).
 * 0 and *out; OT_ENOTFOUND if the values hold no entry; OT_EINVAL if the entry that decides
 * is malformed. */
int ot_forwarded_pick(ot_fwd_kind kind, const char *const *values, size_t nvalues,
                      const ot_cidr_list *trusted, ot_ip *out);

/* The same over a request's headers: Forwarded if it has any, else X-Forwarded-For. */
int ot_forwarded_client(const ot_req *req, const ot_cidr_list *trusted, ot_ip *out);

#endif

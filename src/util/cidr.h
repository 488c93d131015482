/* cidr.h — IP addresses and CIDR blocks (IPv4 and IPv6), for --trusted-proxy.
 *
 * Addresses are kept as 16 bytes: IPv4 in the first 4. An IPv4-mapped IPv6 address
 * (::ffff:192.0.2.1) is taken as the IPv4 address it maps, so "192.0.2.0/24" matches it. */
#ifndef OT_CIDR_H
#define OT_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ot_ip {
    int family;      /* 4 or 6 */
    uint8_t a[16];   /* network order; IPv4 in a[0..3] */
} ot_ip;

typedef struct ot_cidr {
    ot_ip net;       /* host bits are zero */
    unsigned prefix; /* 0..32 or 0..128 */
} ot_cidr;

typedef struct ot_cidr_list {
    ot_cidr *v;      /* malloc'd; ot_cidr_list_free() */
    size_t n;
} ot_cidr_list;

/* An address in the n bytes at s ("192.0.2.1", "2001:db8::1"; no brackets, no port).
 * OT_EINVAL if it is not one. */
int ot_ip_parse(const char *s, size_t n, ot_ip *out);
/* Its text form (inet_ntop); cap >= 46 always fits. */
void ot_ip_format(const ot_ip *ip, char *out, size_t cap);

/* "ADDR/PREFIX" or a bare address (a block of one). OT_EINVAL, with the reason in err, for a
 * bad address or prefix, or host bits set below the prefix (10.0.0.1/8: a typo, most likely). */
int ot_cidr_parse(const char *s, size_t n, ot_cidr *out, char *err, size_t errlen);
bool ot_cidr_contains(const ot_cidr *c, const ot_ip *ip);

/* A comma-separated list of blocks (spaces around them ignored; "" is the empty list).
 * OT_EINVAL naming the bad entry in err; OT_ENOMEM. */
int ot_cidr_list_parse(const char *s, ot_cidr_list *out, char *err, size_t errlen);
bool ot_cidr_list_contains(const ot_cidr_list *l, const ot_ip *ip);
void ot_cidr_list_free(ot_cidr_list *l);

#endif

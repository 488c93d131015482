/* cidr.c — IP addresses and CIDR blocks (cidr.h). inet_pton does the address syntax. */
#include "util/cidr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/vec.h"

#define ADDR_MAX 64 /* longer than any address text */

static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

int ot_ip_parse(const char *s, size_t n, ot_ip *out)
{
    char text[ADDR_MAX];
    if (n == 0 || n >= sizeof text || memchr(s, '\0', n))
        return OT_EINVAL;
    memcpy(text, s, n);
    text[n] = '\0';
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, text, out->a) == 1) {
        out->family = 4;
        return OT_OK;
    }
    if (inet_pton(AF_INET6, text, out->a) != 1)
        return OT_EINVAL;
    out->family = 6;
    if (!memcmp(out->a, v4_mapped, sizeof v4_mapped)) {
        memmove(out->a, out->a + 12, 4);
        memset(out->a + 4, 0, 12);
        out->family = 4;
    }
    return OT_OK;
}

void ot_ip_format(const ot_ip *ip, char *out, size_t cap)
{
    if (!inet_ntop(ip->family == 4 ? AF_INET : AF_INET6, ip->a, out, (socklen_t)cap) && cap)
        out[0] = '\0';
}

static unsigned max_prefix(const ot_ip *ip) { return ip->family == 4 ? 32 : 128; }

/* Whether a and b agree on their first bits bits. */
static bool same_prefix(const uint8_t *a, const uint8_t *b, unsigned bits)
{
    unsigned whole = bits / 8, rest = bits % 8;
    if (memcmp(a, b, whole))
        return false;
    if (!rest)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return ((a[whole] ^ b[whole]) & mask) == 0;
}

static int parse_prefix(const char *s, size_t n, unsigned max, unsigned *out)
{
    unsigned v = 0;
    if (n == 0 || n > 3)
        return OT_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return OT_EINVAL;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > max)
        return OT_EINVAL;
    *out = v;
    return OT_OK;
}

/* Whether any bit of ip at or after bit from is set. */
static bool host_bits_set(const ot_ip *ip, unsigned from)
{
    for (unsigned b = from; b < max_prefix(ip); b++)
        if (ip->a[b / 8] & (0x80 >> (b % 8)))
            return true;
    return false;
}

int ot_cidr_parse(const char *s, size_t n, ot_cidr *out, char *err, size_t errlen)
{
    const char *slash = memchr(s, '/', n);
    size_t alen = slash ? (size_t)(slash - s) : n;
    if (ot_ip_parse(s, alen, &out->net)) {
        snprintf(err, errlen, "'%.*s' is not an IPv4 or IPv6 address", (int)alen, s);
        return OT_EINVAL;
    }
    unsigned max = max_prefix(&out->net);
    out->prefix = max;
    if (slash && parse_prefix(slash + 1, n - alen - 1, max, &out->prefix)) {
        snprintf(err, errlen, "'%.*s': the prefix length must be 0..%u", (int)n, s, max);
        return OT_EINVAL;
    }
    if (host_bits_set(&out->net, out->prefix)) {
        snprintf(err, errlen, "'%.*s' has bits set past the prefix length (write the "
                 "block's first address)", (int)n, s);
        return OT_EINVAL;
    }
    return OT_OK;
}

bool ot_cidr_contains(const ot_cidr *c, const ot_ip *ip)
{
    return c->net.family == ip->family && same_prefix(c->net.a, ip->a, c->prefix);
}

int ot_cidr_list_parse(const char *s, ot_cidr_list *out, char *err, size_t errlen)
{
    size_t cap = 0;
    memset(out, 0, sizeof *out);
    while (*s) {
        size_t len = strcspn(s, ",");
        const char *b = s, *e = s + len;
        while (b < e && (*b == ' ' || *b == '\t'))
            b++;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        s += len + (s[len] == ',');
        if (b == e) {
            snprintf(err, errlen, "empty entry in the list");
            goto fail;
        }
        if (OT_VEC_GROW(out->v, cap, out->n + 1)) {
            ot_cidr_list_free(out);
            return OT_ENOMEM;
        }
        if (ot_cidr_parse(b, (size_t)(e - b), &out->v[out->n], err, errlen))
            goto fail;
        out->n++;
    }
    return OT_OK;
fail:
    ot_cidr_list_free(out);
    return OT_EINVAL;
}

bool ot_cidr_list_contains(const ot_cidr_list *l, const ot_ip *ip)
{
    for (size_t i = 0; l && i < l->n; i++)
        if (ot_cidr_contains(&l->v[i], ip))
            return true;
    return false;
}

void ot_cidr_list_free(ot_cidr_list *l)
{
    if (!l)
        return;
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

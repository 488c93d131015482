/* rb_match.c — what a runbook applies to: the successful management calls it watches, and the
 * comma-separated exclude lists of its configuration. */
#include <string.h>

#include "respond/respond_int.h"

bool rb_event_is(const ot_event *ev, const char *source, const char *const *names, size_t n)
{
    if (ev->category != OT_CAT_MANAGEMENT || strcmp(ev->event_source, source) ||
        (ev->error_code && ev->error_code[0]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(ev->event_name, names[i]))
            return true;
    return false;
}

/* Whether the item p[0..m) is s. */
static bool item_is(const char *p, size_t m, const char *s)
{
    return s && strlen(s) == m && !memcmp(p, s, m);
}

bool rb_list_names(const char *list, const char *a, const char *b)
{
    for (const char *p = list; *p;) {
        p += strspn(p, " ,");
        size_t n = strcspn(p, ","), m = n;
        while (m && p[m - 1] == ' ')
            m--;
        if (m && (item_is(p, m, a) || item_is(p, m, b)))
            return true;
        p += n;
    }
    return false;
}

/* creds_cache.c — credentials that cost a process run or an STS call, kept for the process
 * (see credsrc.h): validate builds several clients, and each must not run the credential
 * process or assume the role again. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "aws/credsrc.h"
#include "util/timeutil.h"

#define CACHE_SLOTS 16
#define REFRESH_BEFORE_MS (5 * 60 * 1000) /* re-resolve credentials this close to expiry */

typedef struct slot {
    char key[2200];
    ot_aws_creds creds;
} slot;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static slot g_slots[CACHE_SLOTS];
static size_t g_next; /* the slot the next new key takes (oldest first) */

static bool fresh(const ot_aws_creds *c)
{
    return !c->expires_ms || c->expires_ms - ot_now_ms() > REFRESH_BEFORE_MS;
}

bool ot_aws_creds_cache_get(const char *key, ot_aws_creds *out)
{
    bool hit = false;
    pthread_mutex_lock(&g_lock);
    for (size_t i = 0; !hit && i < CACHE_SLOTS; i++)
        if (g_slots[i].key[0] && !strcmp(g_slots[i].key, key) && fresh(&g_slots[i].creds)) {
            *out = g_slots[i].creds;
            hit = true;
        }
    pthread_mutex_unlock(&g_lock);
    return hit;
}

void ot_aws_creds_cache_put(const char *key, const ot_aws_creds *c)
{
    pthread_mutex_lock(&g_lock);
    slot *s = NULL;
    for (size_t i = 0; !s && i < CACHE_SLOTS; i++)
        if (!strcmp(g_slots[i].key, key))
            s = &g_slots[i];
    if (!s) {
        s = &g_slots[g_next];
        g_next = (g_next + 1) % CACHE_SLOTS;
    }
    snprintf(s->key, sizeof s->key, "%s", key);
    s->creds = *c;
    pthread_mutex_unlock(&g_lock);
}

void ot_aws_creds_cache_clear(void)
{
    pthread_mutex_lock(&g_lock);
    memset(g_slots, 0, sizeof g_slots);
    g_next = 0;
    pthread_mutex_unlock(&g_lock);
}

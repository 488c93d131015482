/* pool.c — reusable easy handles on one shared connection cache (see aws.h).
 *
 * A reader that makes many requests (every object of a bucket) from several threads takes a
 * handle, calls, and gives it back: connections and DNS answers stay cached across requests
 * and threads, so a run opens a few connections, not one per object. */
#include <pthread.h>
#include <stdlib.h>

#include "aws/aws.h"
#include "util/err.h"

#define IDLE_MAX 64

struct ot_aws_pool {
    CURLSH *share;
    pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
    pthread_mutex_t idle_mu;
    CURL *idle[IDLE_MAX];
    size_t nidle;
};

static void share_lock(CURL *h, curl_lock_data d, curl_lock_access a, void *ud)
{
    pthread_mutex_lock(&((ot_aws_pool *)ud)->locks[d]);
}

static void share_unlock(CURL *h, curl_lock_data d, void *ud)
{
    pthread_mutex_unlock(&((ot_aws_pool *)ud)->locks[d]);
}

int ot_aws_pool_new(ot_aws_pool **out)
{
    ot_aws_pool *p = calloc(1, sizeof *p);
    if (!p || !(p->share = curl_share_init())) {
        free(p);
        return OT_ENOMEM;
    }
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&p->locks[i], NULL);
    pthread_mutex_init(&p->idle_mu, NULL);
    curl_share_setopt(p->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(p->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(p->share, CURLSHOPT_LOCKFUNC, share_lock);
    curl_share_setopt(p->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    curl_share_setopt(p->share, CURLSHOPT_USERDATA, p);
    *out = p;
    return OT_OK;
}

CURL *ot_aws_pool_take(ot_aws_pool *p)
{
    pthread_mutex_lock(&p->idle_mu);
    CURL *c = p->nidle ? p->idle[--p->nidle] : NULL;
    pthread_mutex_unlock(&p->idle_mu);
    if (c || !(c = curl_easy_init()))
        return c;
    curl_easy_setopt(c, CURLOPT_SHARE, p->share);
    curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
    return c;
}

void ot_aws_pool_give(ot_aws_pool *p, CURL *c)
{
    if (!c)
        return;
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    pthread_mutex_lock(&p->idle_mu);
    if (p->nidle < IDLE_MAX) {
        p->idle[p->nidle++] = c;
        c = NULL;
    }
    pthread_mutex_unlock(&p->idle_mu);
    curl_easy_cleanup(c);
}

void ot_aws_pool_free(ot_aws_pool *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nidle; i++)
        curl_easy_cleanup(p->idle[i]);
    pthread_mutex_destroy(&p->idle_mu);
    curl_share_cleanup(p->share);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&p->locks[i]);
    free(p);
}

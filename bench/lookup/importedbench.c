/* importedbench.c — LookupEvents page latency over a history.db loaded by `opentrail import`
 * (documents in deflated blocks, in segment files since schema 5), with values that exist in bench/import's gen_events.py corpus
 * (seed 1): p50/p99 of a first page and of page 101 (or the last page) of 50, region us-east-1.
 *   cc -O2 -std=c11 -D_GNU_SOURCE -Isrc bench/lookup/importedbench.c build-release/libopentrail_core.a \
 *      $(pkg-config --libs libmicrohttpd libcurl sqlite3 openssl zlib libisal simdjson) -lstdc++ -lpthread -lm
 *   ./a.out /tmp/ot-bench-import/data/history.db 200 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "history/history.h"
static int64_t now_ns(void){struct timespec ts;clock_gettime(CLOCK_MONOTONIC,&ts);return (int64_t)ts.tv_sec*1000000000+ts.tv_nsec;}
/* Counts rows. */
static int cnt(void *c, const ot_history_hit *h){(void)h;(*(long*)c)++;return 0;}
static int cmp(const void *a,const void *b){int64_t x=*(const int64_t*)a,y=*(const int64_t*)b;return x<y?-1:x>y;}
static void m(ot_history *h, int k, const char *v, int reps){
  ot_history_query q={.start_ms=INT64_MIN,.end_ms=INT64_MAX,.limit=50,.region="us-east-1",.nattrs=k<0?0:1};
  if(k>=0){q.attrs[0].key=k;q.attrs[0].value=v;}
  int64_t *f=calloc(reps,8),*d=calloc(reps,8); long rows=0; int depth=0;
  for(int r=0;r<reps;r++){bool more;ot_history_cursor cur;q.after=NULL;int64_t t=now_ns();
    ot_history_query_run(h,&q,cnt,&rows,&more,&cur);f[r]=now_ns()-t;
    for(depth=1;more&&depth<100;depth++){q.after=&cur;ot_history_query_run(h,&q,cnt,&rows,&more,&cur);}
    q.after=more?&cur:NULL;t=now_ns();ot_history_query_run(h,&q,cnt,&rows,&more,&cur);d[r]=now_ns()-t;}
  qsort(f,reps,8,cmp);qsort(d,reps,8,cmp);
  printf("%-14s %-34s first p50=%.3f p99=%.3f  page%d p50=%.3f p99=%.3f ms\n",k<0?"(none)":ot_history_key_name(k),v?v:"",f[reps/2]/1e6,f[reps*99/100]/1e6,depth+1,d[reps/2]/1e6,d[reps*99/100]/1e6);
  free(f);free(d);}
int main(int argc,char**argv){ot_history*h;ot_history_opts o={.read_only=true,.readers=1};
 if(ot_history_open(argv[1],&o,&h))return 1;int reps=atoi(argv[2]);
 m(h,-1,NULL,reps); m(h,OT_HK_USERNAME,"report-generator",reps); m(h,OT_HK_EVENT_NAME,"PutBucketPolicy",reps);
 m(h,OT_HK_EVENT_NAME,"StopLogging",reps); m(h,OT_HK_READ_ONLY,"false",reps); m(h,OT_HK_READ_ONLY,"true",reps); m(h,OT_HK_RESOURCE_NAME,"OrganizationAccountAccessRole",reps);
 m(h,OT_HK_RESOURCE_NAME,"arn:aws:s3:::prod-app-assets-4608",reps); m(h,OT_HK_RESOURCE_TYPE,"AWS::S3::Bucket",reps);
 m(h,OT_HK_EVENT_SOURCE,"cloudtrail.amazonaws.com",reps);
 ot_history_close(h);return 0;}

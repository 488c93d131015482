/* history_import.c — `opentrail import`: CloudTrail log files into history.db, fast.
 *
 * Worker threads (one per CPU) take files in turn: read 1 MiB at a time, inflate with ISA-L
 * (every gzip member, as CloudTrail and `cat a.gz b.gz` produce), split records with ot_hsplit
 * and extract each with simdjson into a batch. The calling thread is the only SQLite writer: it
 * inserts batches with prepared statements in large transactions. No local file is held whole
 * (remote s3:// objects are: they come whole through the caller's ot_import_source, and
 * CloudTrail writes small files). A file that cannot be read is reported with its reason; the
 * others go on. */
#include "history/import.h"

#include "history/history_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <isa-l/igzip_lib.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/json.h"
#include "util/log.h"
#include "util/vec.h"

#define CHUNK (1u << 20)
#define OT_IMPORT_OBJECT_MAX (1u << 30) /* one remote object, read whole */
#define BATCH_ROWS 4096
#define BATCH_BYTES (8u << 20)
#define QUEUE_LEN 8
#define NBLOCKS ((BATCH_ROWS + OT_HISTORY_BLOCK - 1) / OT_HISTORY_BLOCK)

typedef struct batch {
    ot_buf mem;              /* arena strings and raw records */
    ot_history_row *rows;
    size_t *raw_off;
    size_t n;
    ot_buf z;                /* the rows' document blocks, deflated, one after another */
    size_t zoff[NBLOCKS], zlen[NBLOCKS], ulen[NBLOCKS]; /* block k = rows [k*BLOCK, ...) */
    int added[OT_HISTORY_BLOCK];
    struct batch *next;
} batch;

struct ot_import {
    ot_import_file *files;
    size_t nfiles, cap;
    ot_import_source remote; /* s3:// sources (remote.get set) */
    char bucket[64];
    int threads;
    ot_import_stats st;      /* updated atomically */
    size_t next_file;        /* atomic */
    /* batch queue: workers -> writer */
    pthread_mutex_t mu;
    pthread_cond_t can_put, can_take;
    batch *q[QUEUE_LEN];
    size_t qhead, qlen;
    batch *free_list;
    int workers_left;
};

#define ADD(field, v) __atomic_fetch_add(&im->st.field, (v), __ATOMIC_RELAXED)

bool ot_import_skip_name(const char *name)
{
    return strstr(name, "CloudTrail-Digest") || strstr(name, "CloudTrail-Insight") ||
           strstr(name, "ConfigWritabilityCheckFile");
}

/* ---- finding files ---- */

static int add_file(ot_import *im, const char *name, uint64_t size)
{
    if (OT_VEC_GROW(im->files, im->cap, im->nfiles + 1))
        return OT_ENOMEM;
    ot_import_file *f = &im->files[im->nfiles];
    memset(f, 0, sizeof *f);
    if (!(f->name = strdup(name)))
        return OT_ENOMEM;
    f->size = size;
    im->nfiles++;
    return OT_OK;
}

static bool looks_like_log(const char *name)
{
    static const char *ext[] = {".json", ".json.gz", ".ndjson", ".ndjson.gz", ".jsonl",
                                ".jsonl.gz", ".gz"};
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof ext / sizeof *ext; i++) {
        size_t e = strlen(ext[i]);
        if (n > e && !strcmp(name + n - e, ext[i]))
            return true;
    }
    return false;
}

static ot_import *g_walk; /* nftw has no context argument */
static int g_walk_rc;

static int walk_cb(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)ftw;
    if (type == FTW_F && S_ISREG(sb->st_mode) && looks_like_log(path))
        g_walk_rc = add_file(g_walk, path, (uint64_t)sb->st_size);
    return g_walk_rc;
}

static pthread_mutex_t g_walk_mu = PTHREAD_MUTEX_INITIALIZER;

static int find_local(ot_import *im, const char *path, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return OT_ENOTFOUND;
    }
    if (!S_ISDIR(sb.st_mode))
        return add_file(im, path, (uint64_t)sb.st_size);
    pthread_mutex_lock(&g_walk_mu);
    g_walk = im;
    g_walk_rc = 0;
    int rc = nftw(path, walk_cb, 32, FTW_PHYS);
    int wrc = g_walk_rc;
    pthread_mutex_unlock(&g_walk_mu);
    if (rc != 0 && !wrc) {
        snprintf(err, errlen, "%s: cannot read the directory: %s", path, strerror(errno));
        return OT_EIO;
    }
    return wrc;
}

static int add_listed(void *ctx, const char *key, uint64_t size)
{
    ot_import *im = ctx;
    char name[2200];
    snprintf(name, sizeof name, "s3://%s/%s", im->bucket, key);
    return looks_like_log(key) ? add_file(im, name, size) : OT_OK;
}

static int find_s3(ot_import *im, const char *url, const ot_import_opts *o, char *err,
                   size_t errlen)
{
    const char *b = url + 5, *slash = strchr(b, '/');
    size_t bl = slash ? (size_t)(slash - b) : strlen(b);
    if (!o->remote || bl == 0 || bl >= sizeof im->bucket) {
        snprintf(err, errlen, "%s: %s", url, o->remote ? "expected s3://BUCKET[/PREFIX]"
                                                       : "no S3 endpoint to read it from");
        return OT_EINVAL;
    }
    snprintf(im->bucket, sizeof im->bucket, "%.*s", (int)bl, b);
    im->remote = *o->remote;
    return im->remote.list(im->remote.ctx, im->bucket, slash ? slash + 1 : "", add_listed, im,
                           err, errlen);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const ot_import_file *)a)->name, ((const ot_import_file *)b)->name);
}

int ot_import_new(const char *source, const ot_import_opts *o, ot_import **out, char *err,
                  size_t errlen)
{
    ot_import *im = calloc(1, sizeof *im);
    if (!im)
        return OT_ENOMEM;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    im->threads = o && o->threads > 0 ? o->threads : (cpus > 0 ? (int)cpus : 1);
    pthread_mutex_init(&im->mu, NULL);
    pthread_cond_init(&im->can_put, NULL);
    pthread_cond_init(&im->can_take, NULL);
    ot_import_opts def = {0};
    int rc = !strncmp(source, "s3://", 5) ? find_s3(im, source, o ? o : &def, err, errlen)
                                          : find_local(im, source, err, errlen);
    if (rc) {
        if (rc == OT_ENOMEM)
            snprintf(err, errlen, "out of memory");
        ot_import_free(im);
        return rc;
    }
    if (im->nfiles) /* files is NULL when the source holds no log file */
        qsort(im->files, im->nfiles, sizeof *im->files, by_name);
    im->st.files = im->nfiles;
    for (size_t i = 0; i < im->nfiles; i++)
        im->st.bytes_total += im->files[i].size;
    *out = im;
    return OT_OK;
}

void ot_import_free(ot_import *im)
{
    if (!im)
        return;
    for (size_t i = 0; i < im->nfiles; i++)
        free(im->files[i].name);
    free(im->files);
    while (im->free_list) {
        batch *b = im->free_list;
        im->free_list = b->next;
        ot_buf_free(&b->mem);
        ot_buf_free(&b->z);
        free(b->rows);
        free(b->raw_off);
        free(b);
    }
    pthread_mutex_destroy(&im->mu);
    pthread_cond_destroy(&im->can_put);
    pthread_cond_destroy(&im->can_take);
    free(im);
}

const ot_import_file *ot_import_files(const ot_import *im, size_t *n)
{
    *n = im->nfiles;
    return im->files;
}

void ot_import_stats_get(ot_import *im, ot_import_stats *out)
{
    uint64_t *dst = (uint64_t *)out, *src = (uint64_t *)&im->st;
    for (size_t i = 0; i < sizeof *out / sizeof(uint64_t); i++)
        dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

/* ---- the batch queue ---- */

static batch *batch_get(ot_import *im)
{
    pthread_mutex_lock(&im->mu);
    batch *b = im->free_list;
    if (b)
        im->free_list = b->next;
    pthread_mutex_unlock(&im->mu);
    if (!b) {
        b = calloc(1, sizeof *b);
        if (!b)
            return NULL;
        ot_buf_init(&b->mem, 0);
        ot_buf_init(&b->z, 0);
        b->rows = malloc(BATCH_ROWS * sizeof *b->rows);
        b->raw_off = malloc(BATCH_ROWS * sizeof *b->raw_off);
        if (!b->rows || !b->raw_off) {
            free(b->rows);
            free(b->raw_off);
            free(b);
            return NULL;
        }
    }
    b->n = 0;
    ot_buf_reset(&b->mem);
    ot_buf_reset(&b->z);
    return b;
}

static void batch_put_free(ot_import *im, batch *b)
{
    pthread_mutex_lock(&im->mu);
    b->next = im->free_list;
    im->free_list = b;
    pthread_mutex_unlock(&im->mu);
}

static void queue_push(ot_import *im, batch *b)
{
    pthread_mutex_lock(&im->mu);
    while (im->qlen == QUEUE_LEN)
        pthread_cond_wait(&im->can_put, &im->mu);
    im->q[(im->qhead + im->qlen++) % QUEUE_LEN] = b;
    pthread_cond_signal(&im->can_take);
    pthread_mutex_unlock(&im->mu);
}

/* NULL once every worker has finished and the queue is empty. */
static batch *queue_pop(ot_import *im)
{
    pthread_mutex_lock(&im->mu);
    while (im->qlen == 0 && im->workers_left > 0)
        pthread_cond_wait(&im->can_take, &im->mu);
    batch *b = NULL;
    if (im->qlen) {
        b = im->q[im->qhead];
        im->qhead = (im->qhead + 1) % QUEUE_LEN;
        im->qlen--;
        pthread_cond_signal(&im->can_put);
    }
    pthread_mutex_unlock(&im->mu);
    return b;
}

/* ---- one worker ---- */

typedef struct worker {
    ot_import *im;
    ot_json_doc *doc;
    batch *cur;
    ot_import_file *file;
    ot_buf win;
    ot_buf scratch;          /* a block before deflate */
    int err;                 /* a batch could not be encoded: the import fails */
    uint8_t *in;
    ot_buf obj;              /* a remote object, read from obj_off on */
    size_t obj_off;
} worker;

/* Deflates the batch's documents in blocks here, on the worker, so the writer only stores. */
static int encode_blocks(worker *w, batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        b->rows[i].raw = b->mem.data + b->raw_off[i];
    for (size_t k = 0, i = 0; i < b->n; k++, i += OT_HISTORY_BLOCK) {
        size_t n = b->n - i < OT_HISTORY_BLOCK ? b->n - i : OT_HISTORY_BLOCK;
        b->zoff[k] = b->z.len;
        int rc = ot_history_block_encode(&b->rows[i], n, b->mem.data, &w->scratch, &b->z,
                                         &b->ulen[k]);
        if (rc)
            return rc;
        b->zlen[k] = b->z.len - b->zoff[k];
    }
    return OT_OK;
}

static int flush(worker *w)
{
    int rc = OT_OK;
    if (w->cur && w->cur->n) {
        if ((rc = encode_blocks(w, w->cur)) != OT_OK) {
            w->err = rc;
            batch_put_free(w->im, w->cur);
            w->cur = NULL;
            return rc;
        }
        queue_push(w->im, w->cur);
        w->cur = NULL;
    }
    return rc;
}

static int on_record(void *ctx, const char *rec, size_t len)
{
    worker *w = ctx;
    ot_import *im = w->im;
    if (!w->cur && !(w->cur = batch_get(im)))
        return OT_ENOMEM;
    batch *b = w->cur;
    ot_history_skip why;
    size_t mark = b->mem.len;
    w->file->records++;
    ADD(records, 1);
    int rc = ot_history_extract(w->doc, rec, len, true, -1, &b->rows[b->n], &b->mem, &why);
    if (rc == OT_EINVAL || rc == OT_ENOTFOUND) {
        b->mem.len = mark;
        w->file->bad_records++;
        ADD(bad_records, 1);
        return OT_OK;
    }
    if (rc)
        return rc;
    b->raw_off[b->n] = b->mem.len;
    if (ot_buf_append(&b->mem, rec, len) || ot_buf_putc(&b->mem, '\0'))
        return OT_ENOMEM;
    b->n++;
    if (b->n == BATCH_ROWS || b->mem.len >= BATCH_BYTES)
        return flush(w);
    return OT_OK;
}

static const char *isal_reason(int ret)
{
    switch (ret) {
    case ISAL_INVALID_WRAPPER: return "not a valid gzip header";
    case ISAL_INCORRECT_CHECKSUM: return "gzip checksum mismatch";
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK: return "invalid deflate distance";
    default: return "corrupt gzip data";
    }
}

static void failf(worker *w, const char *fmt, const char *a, const char *b)
{
    w->file->status = OT_IMPORT_FAILED;
    snprintf(w->file->reason, sizeof w->file->reason, fmt, a, b);
}

static int split_feed(worker *w, ot_hsplit *sp)
{
    int rc = ot_hsplit_feed(sp, &w->win, on_record, w);
    if (rc == OT_EINVAL)
        failf(w, "%s%s", sp->err, "");
    return rc;
}

/* The next CHUNK at most of the file (fd) or of the remote object (fd < 0). */
static ssize_t read_chunk(worker *w, int fd)
{
    if (fd >= 0)
        return read(fd, w->in, CHUNK);
    size_t n = w->obj.len - w->obj_off < CHUNK ? w->obj.len - w->obj_off : CHUNK;
    if (n)
        memcpy(w->in, w->obj.data + w->obj_off, n);
    w->obj_off += n;
    return (ssize_t)n;
}

/* Streams fd (or the remote object) through inflate (gz) or straight into the splitter. */
static int stream(worker *w, int fd)
{
    ot_hsplit sp;
    ot_hsplit_init(&sp);
    ot_buf_reset(&w->win);
    struct inflate_state zs;
    bool gz = false, first = true, member_done = false;
    int rc = OT_OK;
    for (;;) {
        ssize_t got = read_chunk(w, fd);
        if (got < 0) {
            failf(w, "read error: %s%s", strerror(errno), "");
            return OT_EIO;
        }
        __atomic_fetch_add(&w->im->st.bytes_in, (uint64_t)got, __ATOMIC_RELAXED);
        if (got == 0)
            break;
        if (first) {
            gz = got >= 2 && w->in[0] == 0x1f && w->in[1] == 0x8b;
            first = false;
            if (gz) {
                isal_inflate_init(&zs);
                zs.crc_flag = ISAL_GZIP;
            }
        }
        if (!gz) {
            if ((rc = ot_buf_append(&w->win, w->in, (size_t)got)) || (rc = split_feed(w, &sp)))
                return rc;
            continue;
        }
        zs.next_in = w->in;
        zs.avail_in = (uint32_t)got;
        while (zs.avail_in > 0 || (!member_done && zs.block_state != ISAL_BLOCK_FINISH)) {
            if (member_done) { /* another member follows (concatenated gzip) */
                uint8_t *ni = zs.next_in;
                uint32_t na = zs.avail_in;
                isal_inflate_init(&zs);
                zs.crc_flag = ISAL_GZIP;
                zs.next_in = ni;
                zs.avail_in = na;
                member_done = false;
            }
            if ((rc = ot_buf_reserve(&w->win, CHUNK)))
                return rc;
            zs.next_out = (uint8_t *)w->win.data + w->win.len;
            zs.avail_out = CHUNK;
            int ret = isal_inflate(&zs);
            size_t produced = CHUNK - zs.avail_out;
            w->win.len += produced;
            w->win.data[w->win.len] = '\0';
            if (ret < 0) {
                failf(w, "%s%s", isal_reason(ret), "");
                return OT_ECORRUPT;
            }
            if (produced && (rc = split_feed(w, &sp)))
                return rc;
            if (zs.block_state == ISAL_BLOCK_FINISH)
                member_done = true;
            else if (produced == 0 && zs.avail_in == 0)
                break; /* needs more input */
        }
    }
    if (gz && !member_done) {
        w->file->status = OT_IMPORT_FAILED;
        snprintf(w->file->reason, sizeof w->file->reason,
                 "truncated gzip data: the file ends inside a compressed member (after %llu "
                 "records)", (unsigned long long)sp.records);
        return OT_ETORN;
    }
    if (!first && (rc = ot_hsplit_finish(&sp, &w->win))) {
        failf(w, "%s%s", sp.err, "");
        return rc;
    }
    if (first) {
        failf(w, "empty file%s%s", "", "");
        return OT_EINVAL;
    }
    return OT_OK;
}

/* Opens a local file, or reads a remote object whole into w->obj (*fd = -1). */
static int open_file(worker *w, int *fd)
{
    ot_import *im = w->im;
    const char *name = w->file->name;
    *fd = -1;
    if (im->remote.get && !strncmp(name, "s3://", 5)) {
        char err[200] = "";
        const char *key = name + 5 + strlen(im->bucket) + 1;
        ot_buf_reset(&w->obj);
        w->obj_off = 0;
        int rc = im->remote.get(im->remote.ctx, im->bucket, key, &w->obj, err, sizeof err);
        if (rc)
            failf(w, "cannot read: %s%s", err[0] ? err : ot_strerror(rc), "");
        return rc;
    }
    *fd = open(name, O_RDONLY | O_CLOEXEC);
    if (*fd < 0) {
        failf(w, "cannot open: %s%s", strerror(errno), "");
        return OT_EIO;
    }
    return OT_OK;
}

static void import_one(worker *w)
{
    ot_import *im = w->im;
    ot_import_file *f = w->file;
    if (ot_import_skip_name(f->name)) {
        f->status = OT_IMPORT_SKIPPED;
        snprintf(f->reason, sizeof f->reason, "%s",
                 strstr(f->name, "CloudTrail-Digest") ? "digest file"
                 : strstr(f->name, "CloudTrail-Insight") ? "Insights file"
                                                         : "ConfigWritabilityCheckFile");
        ADD(files_skipped, 1);
        ADD(bytes_in, f->size);
        return;
    }
    int fd = -1;
    int rc = open_file(w, &fd);
    if (!rc) {
        rc = stream(w, fd);
        if (fd >= 0)
            close(fd);
    }
    if (rc == OT_ENOMEM && f->status != OT_IMPORT_FAILED)
        failf(w, "out of memory%s%s", "", "");
    if (f->status == OT_IMPORT_FAILED)
        ADD(files_failed, 1);
    else
        ADD(files_ok, 1);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    ot_import *im = w->im;
    for (;;) {
        size_t i = __atomic_fetch_add(&im->next_file, 1, __ATOMIC_RELAXED);
        if (i >= im->nfiles)
            break;
        w->file = &im->files[i];
        import_one(w);
    }
    flush(w);
    pthread_mutex_lock(&im->mu);
    im->workers_left--;
    pthread_cond_broadcast(&im->can_take);
    pthread_mutex_unlock(&im->mu);
    return NULL;
}

/* ---- the writer (the calling thread) ---- */

static int write_batch(ot_import *im, hist_loader *l, batch *b)
{
    for (size_t k = 0, i = 0; i < b->n; k++, i += OT_HISTORY_BLOCK) {
        size_t n = b->n - i < OT_HISTORY_BLOCK ? b->n - i : OT_HISTORY_BLOCK;
        int rc = hist_loader_add_block(l, &b->rows[i], n, b->mem.data, b->z.data + b->zoff[k],
                                       b->zlen[k], b->ulen[k], b->added);
        if (rc)
            return rc;
        for (size_t j = 0; j < n; j++) {
            const ot_history_row *r = &b->rows[i + j];
            if (b->added[j]) {
                ADD(imported, 1);
                ADD(by_cat[r->cat < 3 ? r->cat : 0], 1);
            } else {
                ADD(duplicates, 1);
            }
        }
    }
    return OT_OK;
}

/* Drains the queue even after an error, so the workers never block on a full queue. */
static int writer(ot_import *im, hist_loader *l)
{
    int rc = OT_OK;
    batch *b;
    while ((b = queue_pop(im)) != NULL) {
        if (!rc)
            rc = write_batch(im, l, b);
        batch_put_free(im, b);
    }
    return rc ? rc : hist_loader_finish(l);
}

int ot_import_run(ot_import *im, ot_history *h)
{
    int n = im->threads;
    worker *ws = calloc((size_t)n, sizeof *ws);
    pthread_t *th = calloc((size_t)n, sizeof *th);
    int rc = ws && th ? OT_OK : OT_ENOMEM;
    int started = 0;
    hist_loader *l = NULL; /* first: a second import stops here, before reading anything */
    if (!rc)
        rc = hist_loader_new(h, &l);
    im->workers_left = 0;
    for (int i = 0; !rc && i < n; i++) {
        ws[i].im = im;
        ot_buf_init(&ws[i].win, 0);
        ot_buf_init(&ws[i].scratch, 0);
        ot_buf_init(&ws[i].obj, OT_IMPORT_OBJECT_MAX);
        ws[i].in = malloc(CHUNK);
        ws[i].doc = ot_json_doc_new();
        if (!ws[i].in || !ws[i].doc) {
            rc = OT_ENOMEM;
            break;
        }
        pthread_mutex_lock(&im->mu);
        im->workers_left++;
        pthread_mutex_unlock(&im->mu);
        if (pthread_create(&th[i], NULL, worker_main, &ws[i]) != 0) {
            pthread_mutex_lock(&im->mu);
            im->workers_left--;
            pthread_mutex_unlock(&im->mu);
            rc = OT_ENOMEM;
            break;
        }
        started++;
    }
    int wrc = started ? writer(im, l) : OT_OK;
    hist_loader_free(l);
    for (int i = 0; i < started; i++) {
        pthread_join(th[i], NULL);
        if (!wrc && ws[i].err)
            wrc = ws[i].err;
    }
    for (int i = 0; ws && i < n; i++) {
        ot_buf_free(&ws[i].win);
        ot_buf_free(&ws[i].obj);
        ot_buf_free(&ws[i].scratch);
        free(ws[i].in);
        ot_json_doc_free(ws[i].doc);
        if (ws[i].cur)
            batch_put_free(im, ws[i].cur);
    }
    free(ws);
    free(th);
    return rc ? rc : wrc;
}

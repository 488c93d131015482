/* vl_meta.c — the signature metadata of an object read from a directory.
 *
 * In opentrail's own buckets (<data-dir>/buckets/<bucket>) it is in the store's extended
 * attribute. A copy made with `aws s3 sync` has no metadata at all; for those, a sidecar
 * "<key>.metadata.json" holding `aws s3api head-object` output ({"Metadata": {...}}) supplies it,
 * and otherwise the chain does (see vl_digest.c). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "util/err.h"
#include "util/json.h"
#include "validate/vl_int.h"

static void set_meta(vl_obj *o, const char *name, const char *value)
{
    if (!strcmp(name, "signature")) {
        o->has_sig = true;
        snprintf(o->sig, sizeof o->sig, "%s", value);
    } else if (!strcmp(name, "signature-algorithm")) {
        o->has_sigalg = true;
        snprintf(o->sigalg, sizeof o->sigalg, "%.63s", value);
    } else if (!strcmp(name, "backfill-generation-timestamp")) {
        o->has_backfill_ts = true;
        snprintf(o->backfill_ts, sizeof o->backfill_ts, "%.63s", value);
    }
}

void vl_meta_from_xattr(int fd, vl_obj *o)
{
    ot_object_info info;
    memset(&info, 0, sizeof info);
    if (ot_store_local_file_meta(fd, &info) == OT_OK)
        for (size_t i = 0; i < info.nmeta; i++)
            set_meta(o, info.meta[i].name, info.meta[i].value);
    ot_object_info_free(&info);
}

void vl_meta_from_sidecar(int dirfd, const char *path, vl_obj *o)
{
    char side[2100];
    if ((size_t)snprintf(side, sizeof side, "%s.metadata.json", path) >= sizeof side)
        return;
    int fd = openat(dirfd, side, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ot_buf b;
    ot_buf_init(&b, 64 * 1024);
    char tmp[4096];
    ssize_t n;
    int rc = 0;
    while (!rc && (n = read(fd, tmp, sizeof tmp)) > 0)
        rc = ot_buf_append(&b, tmp, (size_t)n);
    close(fd);
    ot_json_doc *doc = ot_json_doc_new();
    ot_json root, meta, v;
    ot_json_iter it;
    const char *k;
    size_t kl;
    char err[64];
    if (!rc && doc && !ot_json_parse(doc, b.data, b.len, true, &root, err, sizeof err) &&
        !ot_json_get(root, "Metadata", &meta) && !ot_json_object_iter(meta, &it)) {
        while (ot_json_object_next(&it, &k, &kl, &v)) {
            const char *s;
            size_t sl;
            if (!ot_json_str(v, &s, &sl))
                set_meta(o, k, s);
        }
    }
    ot_json_doc_free(doc);
    ot_buf_free(&b);
}

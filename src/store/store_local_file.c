/* store_local_file.c — what the local backend offers to readers of its directory as plain files.
 *
 * `opentrail validate DIR` walks a data dir's buckets with its own directory walk; the object
 * metadata it needs (digest signatures) is in the store's own extended-attribute format, whose
 * decoding stays private to the store. */
#include "store/local_int.h"

int ot_store_local_file_meta(int fd, ot_object_info *info)
{
    return local_meta_read(fd, info);
}

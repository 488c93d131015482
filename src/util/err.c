/* err.c — names of the OT_E* codes. */
#include "util/err.h"

const char *ot_strerror(int code)
{
    switch (code) {
    case OT_OK: return "ok";
    case OT_ENOMEM: return "out of memory";
    case OT_EINVAL: return "invalid input";
    case OT_EIO: return "I/O error";
    case OT_ENOTFOUND: return "not found";
    case OT_EEXIST: return "already exists";
    case OT_ELIMIT: return "limit exceeded";
    case OT_ECORRUPT: return "corrupt data";
    case OT_ETORN: return "torn record";
    case OT_ECLOSED: return "closed";
    case OT_EAGAIN: return "temporarily unavailable";
    }
    return "unknown error";
}

/* err.h — error codes shared by every module.
 *
 * Functions return 0 (OT_OK) on success or one of the negative codes below; a message for the
 * user, where there is one, travels separately (an AWS error, a CLI line). */
#ifndef OT_ERR_H
#define OT_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

enum {
    OT_OK = 0,
    OT_ENOMEM = -1,    /* allocation failed */
    OT_EINVAL = -2,    /* bad argument or malformed input */
    OT_EIO = -3,       /* a system call failed; errno is kept */
    OT_ENOTFOUND = -4, /* no such item */
    OT_EEXIST = -5,    /* item already exists */
    OT_ELIMIT = -6,    /* a size or count cap would be exceeded */
    OT_ECORRUPT = -7,  /* stored data failed a checksum or format check */
    OT_ETORN = -8,     /* a record was cut off at the end of a file (torn write) */
    OT_ECLOSED = -9,   /* the component is shutting down */
    OT_EAGAIN = -10,   /* transient: nothing changed, the same call may succeed later (a full
                        * disk, no file descriptors, a throttled or unreachable backend) */
};

/* A short English name for an OT_E* code, for logs. */
const char *ot_strerror(int code);

#ifdef __cplusplus
}
#endif

#endif

/* selectors_int.h — the compiled form of event selectors, shared by selectors_build.c (which
 * fills it) and selectors_match.c (which evaluates it). */
#ifndef OT_SELECTORS_INT_H
#define OT_SELECTORS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trail/selectors.h"

enum sel_rw { SEL_RW_ALL, SEL_RW_READ, SEL_RW_WRITE };
enum sel_res_type { SEL_RES_S3_OBJECT, SEL_RES_LAMBDA, SEL_RES_DYNAMODB };

/* Advanced fields; F_RES_TYPE and F_RES_ARN are evaluated together, per resource. */
enum sel_field {
    F_CATEGORY, F_EVENT_SOURCE, F_EVENT_NAME, F_EVENT_TYPE, F_READ_ONLY, F_RES_TYPE, F_RES_ARN,
    F_USER_ARN, F_ERROR_CODE, F_CONSOLE, F_VPCE, F__COUNT
};
enum sel_op { OP_EQUALS, OP_STARTS, OP_ENDS, OP_NOT_EQUALS, OP_NOT_STARTS, OP_NOT_ENDS, OP__COUNT };

typedef struct sel_str {
    char *s;
    size_t n;
} sel_str;

typedef struct sel_data_res {
    uint8_t type;             /* sel_res_type */
    bool all;                 /* arn:aws:s3 / arn:aws:lambda / arn:aws:dynamodb */
    sel_str *values;
    size_t n, cap;
} sel_data_res;

typedef struct sel_basic {
    uint8_t rw;               /* sel_rw */
    bool management;
    bool exclude_kms, exclude_rdsdata;
    sel_data_res *res;
    size_t nres, cap_res;
} sel_basic;

typedef struct sel_cond {
    uint8_t field;            /* sel_field */
    uint8_t op;               /* sel_op */
    sel_str *values;
    size_t n;
} sel_cond;

typedef struct sel_adv {
    sel_cond *conds;          /* non-resource conditions */
    size_t nconds, cap_conds;
    sel_cond *arn;            /* resources.ARN conditions */
    size_t narn, cap_arn;
    char *res_type;           /* resources.type Equals value, NULL if none */
} sel_adv;

struct ot_selectors {
    bool advanced;
    sel_basic *basic;
    size_t nbasic, cap_basic;
    sel_adv *adv;
    size_t nadv, cap_adv;
};

#endif

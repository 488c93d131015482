/* serve_config.h — the options of `opentrail serve`, from the command line and --config FILE. */
#ifndef OT_SERVE_CONFIG_H
#define OT_SERVE_CONFIG_H

#include "api/server.h"

void ot_config_defaults(ot_config *cfg);
/* Applies one key (as in the config file, e.g. "delivery-interval") = value. Returns 0 or
 * OT_EINVAL with a message in err. */
int ot_config_set(ot_config *cfg, const char *key, const char *value, char *err, size_t errlen);
/* Checks the options against each other (after all are set). 0 or OT_EINVAL with a message. */
int ot_config_check(const ot_config *cfg, char *err, size_t errlen);
/* Reads "key = value" lines (# comments) from path. */
int ot_config_load_file(ot_config *cfg, const char *path, char *err, size_t errlen);

#endif

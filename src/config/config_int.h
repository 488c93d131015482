/* config_int.h — inside the config module: one option's value into its field. */
#ifndef OT_CONFIG_INT_H
#define OT_CONFIG_INT_H

#include "config/config.h"

/* Parses value by o->type and bounds into o's field of cfg. 0, or OT_EINVAL with
 * "<name>: expected ..., got '<value>'" in err (cfg unchanged). */
int ot_config_set_value(ot_config *cfg, const ot_option *o, const char *value, char *err,
                        size_t errlen);

#endif

/* creds.h — access keys and the principals they stand for.
 *
 * The keys live in <data-dir>/credentials, an AWS shared-credentials file (mode 0600) that
 * clients can use directly (AWS_SHARED_CREDENTIALS_FILE). On first start the server writes a
 * [default] profile with a fresh admin key. Each profile may carry extra keys that botocore
 * ignores and we read: opentrail_user_name, opentrail_account_id, opentrail_principal_type. */
#ifndef OT_CREDS_H
#define OT_CREDS_H

#include <stdbool.h>

#include "api/http.h"

typedef struct ot_creds ot_creds;

/* Loads <data_dir>/credentials, creating it with an admin key for account_id if absent. */
int ot_creds_open(const char *data_dir, const char *account_id, ot_creds **out);
void ot_creds_close(ot_creds *c);

/* Reads the file again and, if it parses, puts the new keys in use at once; if it does not,
 * logs why and keeps the old set (OT_ECORRUPT, OT_EIO, or OT_ENOTFOUND if the file is gone).
 * Thread-safe with lookups in flight (the daemon calls it on SIGHUP). */
int ot_creds_reload(ot_creds *c);

/* Finds an access key: fills the secret (secret_cap bytes) and the principal. OT_ENOTFOUND if
 * the key is unknown. Thread-safe. */
int ot_creds_lookup(ot_creds *c, const char *access_key, char *secret, size_t secret_cap,
                    ot_principal *principal);

/* The principal for any key in --any-credentials mode: IAMUser "<access_key>" of account_id. */
void ot_creds_any_principal(const char *access_key, const char *account_id, ot_principal *p);

#endif

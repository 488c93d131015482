/* selectors.h — event selectors of a trail (basic EventSelectors and AdvancedEventSelectors):
 * validation with AWS's errors, the canonical JSON that GetEventSelectors returns, and the
 * compiled matcher delivery routing asks per event (docs/selectors.md).
 *
 * The matcher reads only the WAL event header (ot_event), never the record's JSON. */
#ifndef OT_SELECTORS_H
#define OT_SELECTORS_H

#include <stdbool.h>
#include <stddef.h>

#include "event/event.h"
#include "util/buf.h"
#include "util/json.h"

#define OT_SELECTORS_MAX_BASIC 5          /* basic selectors per trail */
#define OT_SELECTORS_MAX_DATA_VALUES 250  /* DataResources.Values across all basic selectors */
#define OT_SELECTORS_MAX_ADV_VALUES 500   /* condition values across all advanced selectors */

/* What a trail gets until PutEventSelectors: management events, read and write. */
#define OT_SELECTORS_DEFAULT_JSON                                                             \
    "{\"EventSelectors\":[{\"ReadWriteType\":\"All\",\"IncludeManagementEvents\":true,"       \
    "\"DataResources\":[],\"ExcludeManagementEventSources\":[]}]}"

typedef struct ot_selectors ot_selectors; /* compiled; immutable once built */

typedef struct ot_selectors_error {
    const char *code;         /* InvalidEventSelectorsException or SerializationException */
    char message[512];
} ot_selectors_error;

/* Validates the EventSelectors or AdvancedEventSelectors member of obj (a PutEventSelectors
 * request body; other members are ignored). On success appends the canonical form,
 * {"EventSelectors":[...]} or {"AdvancedEventSelectors":[...]} with defaults filled in, to
 * canonical (may be NULL) and, if out is not NULL, the compiled matcher to *out (caller frees
 * with ot_selectors_free). Returns 0, or OT_EINVAL with err filled and nothing produced. */
int ot_selectors_build(ot_json obj, ot_buf *canonical, ot_selectors **out,
                       ot_selectors_error *err);
/* Parses and compiles selectors JSON text (canonical or a request body). */
int ot_selectors_compile(const char *json, size_t len, ot_selectors **out,
                         ot_selectors_error *err);
void ot_selectors_free(ot_selectors *s);

/* Does the event pass the selectors? NULL means the default selectors. Pure and thread-safe. */
bool ot_selectors_match(const ot_selectors *s, const ot_event *e);

#endif

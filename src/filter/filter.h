/* filter.h — the CloudWatch Logs filter pattern language: one compiler, one evaluator.
 *
 * A pattern is compiled once (ot_filter_compile) into a compact form and then matched against
 * any number of log event messages (ot_filter_match) without allocating. The first significant
 * character picks the sub-language, as in CloudWatch Logs: '{' a JSON pattern ($.selectors with
 * && || () and comparisons), '[' a space-delimited pattern (named fields), '%...%' a regular
 * expression, anything else terms ("phrases", ?or, -not); an empty or blank pattern matches
 * every event. docs/filter-patterns.md describes the language and where it follows AWS's text
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html).
 *
 * A compiled filter is read-only: threads may share one, each with its own working memory.
 * Matching needs working memory (a JSON parser, the positions of fields): an ot_filter_fields,
 * one per thread, reused for every event. After a match it also holds what metric filters read
 * from the event: the value of a JSON selector ("$.latency") or of a named field ("$bytes"). */
#ifndef OT_FILTER_H
#define OT_FILTER_H

#include <stdbool.h>
#include <stddef.h>

/* A pattern may be at most this long (PutMetricFilter's filterPattern limit). */
#define OT_FILTER_MAX_PATTERN 1024

typedef struct ot_filter ot_filter;
typedef struct ot_filter_fields ot_filter_fields;

typedef enum {
    OT_FILTER_ALL,    /* empty or blank: every event */
    OT_FILTER_TERMS,  /* unstructured terms */
    OT_FILTER_REGEX,  /* %regex% on its own */
    OT_FILTER_JSON,   /* { ... } */
    OT_FILTER_DELIM,  /* [ ... ] */
} ot_filter_kind;

/* Why a pattern was rejected: AWS's message (InvalidParameterException's text where AWS's is
 * known), plus where: the 1-based column (byte offset + 1) of the offending character. */
typedef struct ot_filter_error {
    int column;
    char message[192];
} ot_filter_error;

/* Compiles pattern[0..len). Returns 0 and *out (free with ot_filter_free), or OT_EINVAL with
 * err filled (err may be NULL), or OT_ENOMEM. */
int ot_filter_compile(const char *pattern, size_t len, ot_filter **out, ot_filter_error *err);
void ot_filter_free(ot_filter *f);

ot_filter_kind ot_filter_kind_of(const ot_filter *f);

/* Working memory for ot_filter_match, reusable across filters and events (not across threads
 * at once). NULL if out of memory. */
ot_filter_fields *ot_filter_fields_new(void);
void ot_filter_fields_free(ot_filter_fields *fx);

/* True if the event message msg[0..len) matches f. fx is the working memory (required); after a
 * match it holds the event's values for ot_filter_value until the next ot_filter_match with
 * the same fx. A JSON pattern matches only a message that is a JSON object. */
bool ot_filter_match(const ot_filter *f, const char *msg, size_t len, ot_filter_fields *fx);

/* A set of filters matched together (a log group's metric filters): the literals every JSON
 * filter needs are put into one table, so each string of an event is looked up once for all
 * the filters, and only the filters that could match are evaluated, sharing one parse. The
 * filters must outlive the set; a set is read-only and may be shared by threads (each with its
 * own fx). */
typedef struct ot_filter_set ot_filter_set;

/* 0 and *out, or OT_ENOMEM. The set keeps its own copy of the array, not of the filters. */
int ot_filter_set_new(ot_filter *const *filters, size_t n, ot_filter_set **out);
void ot_filter_set_free(ot_filter_set *s);
size_t ot_filter_set_size(const ot_filter_set *s);

/* Matches one event against the set's filters: hit[i] tells whether filters[i] matches;
 * returns how many do. Afterwards ot_filter_value reads the event's JSON values ($.x); for a
 * space-delimited filter's fields, match that filter alone with ot_filter_match. */
size_t ot_filter_set_match(const ot_filter_set *s, const char *msg, size_t len,
                           ot_filter_fields *fx, bool *hit);

/* The same for filters matched once together: builds a set for the call (to match many events,
 * keep an ot_filter_set instead). */
size_t ot_filter_match_each(ot_filter *const *filters, size_t n, const char *msg, size_t len,
                            ot_filter_fields *fx, bool *hit);

/* The value of `name` in the event last matched with fx: a JSON selector ("$.a.b[0]") after a
 * JSON pattern, or a named field ("$status_code" or "status_code") after a space-delimited
 * one. The message, and the filter that matched it, must still exist. Sets *val (borrowed from
 * fx and the message, valid until fx matches again) and *vlen:
 * a string's text, a number's JSON text, true/false. Returns 0, OT_ENOTFOUND (no such field,
 * or a JSON null, object or array there) or OT_EINVAL (a malformed name). */
int ot_filter_value(ot_filter_fields *fx, const char *name, const char **val, size_t *vlen);

#endif

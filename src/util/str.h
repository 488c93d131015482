/* str.h — small string helpers shared by the parsers of text files. */
#ifndef OT_STR_H
#define OT_STR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Strips leading and trailing white space from s in place: writes a NUL after the last
 * non-space character and returns a pointer to the first one (inside s). */
char *ot_str_trim(char *s);

/* The length of s without the run of c characters it ends with: a key prefix is joined to
 * the rest with its trailing slashes dropped, since the store (like a filesystem) refuses "//"
 * in keys. */
size_t ot_str_rstrip_len(const char *s, char c);

#ifdef __cplusplus
}
#endif

#endif

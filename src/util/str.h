/* str.h — small string helpers shared by the parsers of text files. */
#ifndef OT_STR_H
#define OT_STR_H

#ifdef __cplusplus
extern "C" {
#endif

/* Strips leading and trailing white space from s in place: writes a NUL after the last
 * non-space character and returns a pointer to the first one (inside s). */
char *ot_str_trim(char *s);

#ifdef __cplusplus
}
#endif

#endif

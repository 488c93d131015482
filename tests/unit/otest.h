/* otest.h — helpers shared by the unit tests: a temporary directory made and removed whole,
 * files read and written in one call. Each fails the running test (cmocka) on any error, so a
 * test never goes on with a half-made fixture. Include it after <cmocka.h>. */
#ifndef OTEST_H
#define OTEST_H

#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Makes a new empty directory /tmp/ot-<tag>-XXXXXX and writes its path into dir[cap]. */
static inline void otest_tmpdir(char *dir, size_t cap, const char *tag)
{
    int n = snprintf(dir, cap, "/tmp/ot-%s-XXXXXX", tag);
    assert_true(n > 0 && (size_t)n < cap);
    assert_non_null(mkdtemp(dir));
}

static inline int otest_rm_entry(const char *path, const struct stat *st, int flag,
                                 struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* Removes path and everything below it (links are removed, not followed). A missing path is
 * fine; anything that cannot be removed fails the test. */
static inline void otest_rmrf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    assert_int_equal(nftw(path, otest_rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* The whole file, malloc'd and NUL-terminated (the caller frees it); *len (if given) gets its
 * size without the NUL. */
static inline char *otest_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = 0, cap = 4096;
    char *buf = malloc(cap);
    assert_non_null(buf);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    assert_false(ferror(f));
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* Creates every missing parent directory of path (mode 0755). */
static inline void otest_mkdirs_for(const char *path)
{
    char tmp[1024];
    assert_true(strlen(path) < sizeof tmp);
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
}

/* Writes data[0..n) to path, replacing it (append: adding to its end); parent directories are
 * made as needed. */
static inline void otest_write(const char *path, const void *data, size_t n, bool append)
{
    otest_mkdirs_for(path);
    FILE *f = fopen(path, append ? "ab" : "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static inline void otest_write_file(const char *path, const void *data, size_t n)
{
    otest_write(path, data, n, false);
}

#endif

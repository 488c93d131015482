/* test_creds.c — the credentials file: creation, reloading, hand-added profiles, refusal of
 * corrupt files, and the principals keys map to. Each test works in its own temporary dir. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "otest.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/creds.h"
#include "util/err.h"

#define ACCOUNT "123456789012"

typedef struct fixture {
    char dir[64];
    char path[128];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    otest_tmpdir(f->dir, sizeof f->dir, "creds");
    snprintf(f->path, sizeof f->path, "%s/credentials", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    otest_rmrf(f->dir);
    free(f);
    return 0;
}


/* Value of "key = value" in the generated file. */
static void file_value(const char *text, const char *key, char *out, size_t cap)
{
    const char *p = strstr(text, key);
    assert_non_null(p);
    p += strlen(key);
    while (*p == ' ' || *p == '=')
        p++;
    size_t n = strcspn(p, "\n");
    assert_true(n < cap);
    memcpy(out, p, n);
    out[n] = '\0';
}

static void test_creds__first_open_creates_file(void **state)
{
    fixture *f = *state;
    ot_creds *c = NULL;
    struct stat st;
    char key[64], secret[64], got[129];
    ot_principal p;

    assert_int_equal(stat(f->path, &st), -1);
    assert_int_equal(ot_creds_open(f->dir, ACCOUNT, &c), 0);
    assert_non_null(c);
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    char *text = otest_read_file(f->path, NULL);
    assert_non_null(strstr(text, "[default]\n"));
    file_value(text, "aws_access_key_id", key, sizeof key);
    file_value(text, "aws_secret_access_key", secret, sizeof secret);
    assert_int_equal(strlen(key), 20);
    assert_memory_equal(key, "AKIA", 4);
    for (size_t i = 4; i < 20; i++)
        assert_true((key[i] >= 'A' && key[i] <= 'Z') || (key[i] >= '0' && key[i] <= '9'));
    assert_int_equal(strlen(secret), 40);
    free(text);

    assert_int_equal(ot_creds_lookup(c, key, got, sizeof got, &p), 0);
    assert_string_equal(got, secret);
    assert_string_equal(p.type, "IAMUser");
    assert_string_equal(p.account_id, ACCOUNT);
    assert_string_equal(p.user_name, "admin");
    assert_string_equal(p.arn, "arn:aws:iam::" ACCOUNT ":user/admin");
    assert_string_equal(p.access_key_id, key);
    assert_int_equal(strlen(p.principal_id), 21);
    assert_memory_equal(p.principal_id, "AIDA", 4);
    ot_creds_close(c);

    /* Only the credentials file is left behind: no temporary file. */
    DIR *d = opendir(f->dir);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            files++, assert_string_equal(e->d_name, "credentials");
    closedir(d);
    assert_int_equal(files, 1);
}

static void test_creds__reopen_loads_same_key(void **state)
{
    fixture *f = *state;
    ot_creds *c = NULL;
    char key[64], secret[64], got[129], before[4096];
    ot_principal p1, p2;

    assert_int_equal(ot_creds_open(f->dir, ACCOUNT, &c), 0);
    char *text = otest_read_file(f->path, NULL);
    snprintf(before, sizeof before, "%s", text);
    free(text);
    file_value(before, "aws_access_key_id", key, sizeof key);
    file_value(before, "aws_secret_access_key", secret, sizeof secret);
    assert_int_equal(ot_creds_lookup(c, key, got, sizeof got, &p1), 0);
    ot_creds_close(c);

    assert_int_equal(ot_creds_open(f->dir, ACCOUNT, &c), 0);
    text = otest_read_file(f->path, NULL);
    assert_string_equal(text, before); /* not rewritten */
    free(text);
    assert_int_equal(ot_creds_lookup(c, key, got, sizeof got, &p2), 0);
    assert_string_equal(got, secret);
    assert_string_equal(p1.principal_id, p2.principal_id); /* stable across restarts */
    assert_string_equal(p1.arn, p2.arn);
    ot_creds_close(c);
}

static const char HAND_PROFILES[] =
    "\n"
    "# added by hand\n"
    "; with both comment styles\n"
    "   [ profile alice ]   \n"
    "AWS_Access_Key_ID=AKIAALICE00000000001\n"
    "  aws_secret_access_key :  alice/secret+with=chars  \r\n"
    "opentrail_user_name = alice.smith\n"
    "region = eu-west-1\n"
    "\n"
    "[root]\n"
    "aws_access_key_id = ROOTKEY\n"
    "aws_secret_access_key = rootsecret\n"
    "opentrail_principal_type = Root\n"
    "opentrail_account_id = 210987654321\n"
    "[only-a-region]\n"
    "region = us-east-1\n";

static void test_creds__hand_added_profiles(void **state)
{
    fixture *f = *state;
    ot_creds *c = NULL;
    char got[129], small[4];
    ot_principal p, q;

    assert_int_equal(ot_creds_open(f->dir, ACCOUNT, &c), 0);
    ot_creds_close(c);
    otest_write(f->path, HAND_PROFILES, strlen(HAND_PROFILES), true);

    assert_int_equal(ot_creds_open(f->dir, ACCOUNT, &c), 0);
    assert_int_equal(ot_creds_lookup(c, "AKIAALICE00000000001", got, sizeof got, &p), 0);
    assert_string_equal(got, "alice/secret+with=chars");
    assert_string_equal(p.type, "IAMUser");
    assert_string_equal(p.user_name, "alice.smith");
    assert_string_equal(p.account_id, ACCOUNT);
    assert_string_equal(p.arn, "arn:aws:iam::" ACCOUNT ":user/alice.smith");

    assert_int_equal(ot_creds_lookup(c, "ROOTKEY", got, sizeof got, &q), 0);
    assert_string_equal(got, "rootsecret");
    assert_string_equal(q.type, "Root");
    assert_string_equal(q.account_id, "210987654321");
    assert_string_equal(q.arn, "arn:aws:iam::210987654321:root");
    assert_string_equal(q.principal_id, "210987654321");
    assert_string_equal(q.access_key_id, "ROOTKEY");

    /* Unknown keys, case matters, and a secret that does not fit. */
    assert_int_equal(ot_creds_lookup(c, "AKIAUNKNOWN000000000", got, sizeof got, &p), OT_ENOTFOUND);
    assert_int_equal(ot_creds_lookup(c, "rootkey", got, sizeof got, &p), OT_ENOTFOUND);
    assert_int_equal(ot_creds_lookup(c, "", got, sizeof got, &p), OT_ENOTFOUND);
    assert_int_equal(ot_creds_lookup(c, "ROOTKEY", small, sizeof small, &p), OT_ELIMIT);
    ot_creds_close(c);
}

static void expect_corrupt(fixture *f, const char *text, size_t len)
{
    ot_creds *c = (ot_creds *)0x1;
    otest_write_file(f->path, text, len);
    chmod(f->path, 0600);
    int rc = ot_creds_open(f->dir, ACCOUNT, &c);
    if (rc != OT_ECORRUPT)
        fail_msg("accepted (rc %d): %s", rc, text);
    assert_null(c);
}

#define CORRUPT(f, s) expect_corrupt(f, s, sizeof(s) - 1)

static void test_creds__corrupt_files_refused(void **state)
{
    fixture *f = *state;
    CORRUPT(f, "");
    CORRUPT(f, "# only comments\n");
    CORRUPT(f, "[default]\nthis line is garbage\naws_access_key_id=A\naws_secret_access_key=B\n");
    CORRUPT(f, "aws_access_key_id=A\naws_secret_access_key=B\n");
    CORRUPT(f, "[default\naws_access_key_id=A\naws_secret_access_key=B\n");
    CORRUPT(f, "[]\naws_access_key_id=A\naws_secret_access_key=B\n");
    CORRUPT(f, "[default]\naws_access_key_id=A\n");
    CORRUPT(f, "[default]\naws_secret_access_key=B\n");
    CORRUPT(f, "[a]\naws_access_key_id=A\naws_secret_access_key=B\n[b]\naws_access_key_id=A\n"
               "aws_secret_access_key=C\n");
    CORRUPT(f, "[a]\naws_access_key_id=A\naws_secret_access_key=B\n[a]\naws_access_key_id=C\n"
               "aws_secret_access_key=D\n");
    CORRUPT(f, "[a]\naws_access_key_id=A\naws_secret_access_key=B\nopentrail_account_id=12345\n");
    CORRUPT(f, "[a]\naws_access_key_id=A\naws_secret_access_key=B\nopentrail_principal_type=Robot\n");
    CORRUPT(f, "[a]\naws_access_key_id=A/B\naws_secret_access_key=B\n");
    CORRUPT(f, "[a]\naws_access_key_id=A B\naws_secret_access_key=B\n");
    CORRUPT(f, "[a]\naws_access_key_id=A\naws_secret_access_key=B\nopentrail_user_name=a/b\n");
    CORRUPT(f, "[a]\naws_access_key_id=A\0\naws_secret_access_key=B\n");
    char big[300];
    memset(big, 'K', sizeof big);
    int n = snprintf(NULL, 0, "[a]\naws_access_key_id=%.*s\naws_secret_access_key=B\n", 300, big);
    char *text = malloc((size_t)n + 1);
    snprintf(text, (size_t)n + 1, "[a]\naws_access_key_id=%.*s\naws_secret_access_key=B\n", 300, big);
    expect_corrupt(f, text, (size_t)n);
    free(text);

    /* A file that exists but cannot be read is an I/O error, never replaced. */
    ot_creds *c = NULL;
    unlink(f->path);
    assert_int_equal(mkdir(f->path, 0700), 0);
    assert_int_equal(ot_creds_open(f->dir, ACCOUNT, &c), OT_EIO);
    assert_null(c);
    rmdir(f->path);
}

static void test_creds__group_readable_still_loads(void **state)
{
    fixture *f = *state;
    ot_creds *c = NULL;
    char got[64];
    static const char text[] = "[ci]\naws_access_key_id = CIKEY\naws_secret_access_key = cisecret\n";
    otest_write_file(f->path, text, sizeof text - 1);
    chmod(f->path, 0644);
    assert_int_equal(ot_creds_open(f->dir, ACCOUNT, &c), 0);
    ot_principal p;
    assert_int_equal(ot_creds_lookup(c, "CIKEY", got, sizeof got, &p), 0);
    assert_string_equal(got, "cisecret");
    assert_string_equal(p.user_name, "ci"); /* defaults to the profile name */
    assert_string_equal(p.arn, "arn:aws:iam::" ACCOUNT ":user/ci");
    ot_creds_close(c);
}

static void test_creds__bad_arguments(void **state)
{
    fixture *f = *state;
    ot_creds *c = NULL;
    assert_int_equal(ot_creds_open(f->dir, "12345", &c), OT_EINVAL);
    assert_null(c);
    assert_int_equal(ot_creds_open("/nonexistent/ot-test-dir", ACCOUNT, &c), OT_EIO);
    assert_null(c);
    ot_creds_close(NULL);
}

static void test_creds__any_principal(void **state)
{
    (void)state;
    ot_principal p, q, r;
    ot_creds_any_principal("FOOBARKEY", ACCOUNT, &p);
    assert_string_equal(p.type, "IAMUser");
    assert_string_equal(p.account_id, ACCOUNT);
    assert_string_equal(p.user_name, "FOOBARKEY");
    assert_string_equal(p.arn, "arn:aws:iam::" ACCOUNT ":user/FOOBARKEY");
    assert_string_equal(p.access_key_id, "FOOBARKEY");
    assert_int_equal(strlen(p.principal_id), 21);
    ot_creds_any_principal("FOOBARKEY", ACCOUNT, &q);
    assert_string_equal(p.principal_id, q.principal_id);
    ot_creds_any_principal("FOOBARKEZ", ACCOUNT, &r);
    assert_string_not_equal(p.principal_id, r.principal_id);
}

/* SIGHUP's reload: added keys work, removed keys stop working, a file that does not parse (or
 * is gone) keeps the old set. */
static void test_creds__reload(void **state)
{
    fixture *f = *state;
    ot_creds *c = NULL;
    char got[129];
    ot_principal p;
    static const char one[] = "[bob]\naws_access_key_id = BOBKEY\naws_secret_access_key = b\n";
    static const char two[] = "[carol]\naws_access_key_id = CAROLKEY\n"
                              "aws_secret_access_key = c\n";
    otest_write_file(f->path, one, strlen(one));
    chmod(f->path, 0600);
    assert_int_equal(ot_creds_open(f->dir, ACCOUNT, &c), 0);
    assert_int_equal(ot_creds_lookup(c, "BOBKEY", got, sizeof got, &p), 0);

    otest_write_file(f->path, two, strlen(two));
    assert_int_equal(ot_creds_reload(c), 0);
    assert_int_equal(ot_creds_lookup(c, "CAROLKEY", got, sizeof got, &p), 0);
    assert_string_equal(got, "c");
    assert_string_equal(p.user_name, "carol");
    assert_int_equal(ot_creds_lookup(c, "BOBKEY", got, sizeof got, &p), OT_ENOTFOUND);

    otest_write_file(f->path, "[broken\n", 8);
    assert_int_equal(ot_creds_reload(c), OT_ECORRUPT);
    assert_int_equal(ot_creds_lookup(c, "CAROLKEY", got, sizeof got, &p), 0);

    assert_int_equal(unlink(f->path), 0);
    assert_int_equal(ot_creds_reload(c), OT_ENOTFOUND);
    assert_int_equal(ot_creds_lookup(c, "CAROLKEY", got, sizeof got, &p), 0);
    ot_creds_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_creds__first_open_creates_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_creds__reopen_loads_same_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_creds__hand_added_profiles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_creds__corrupt_files_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_creds__group_readable_still_loads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_creds__bad_arguments, setup, teardown),
        cmocka_unit_test(test_creds__any_principal),
        cmocka_unit_test_setup_teardown(test_creds__reload, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

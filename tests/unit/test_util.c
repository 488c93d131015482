/* test_util.c — the shared helpers: growable arrays (vec.h), the SQLite layer (sql.h), string
 * trimming (str.h), JSON type names and the LookupEvents event JSON builder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "otest.h"

#include <sqlite3.h>

#include "history/history.h"
#include "util/err.h"
#include "util/json.h"
#include "util/jsonw.h"
#include "util/sql.h"
#include "util/str.h"
#include "util/vec.h"

/* ---- vec ---- */

static void test_util__vec_grows_and_keeps(void **state)
{
    (void)state;
    int *v = NULL;
    size_t n = 0, cap = 0;
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(OT_VEC_GROW(v, cap, n + 1), 0);
        assert_true(cap >= n + 1);
        v[n++] = i;
    }
    for (int i = 0; i < 1000; i++)
        assert_int_equal(v[i], i);
    size_t before = cap;
    assert_int_equal(OT_VEC_GROW(v, cap, 10), 0); /* already room: nothing moves */
    assert_int_equal(cap, before);
    free(v);
}

static void test_util__vec_overflow_refused(void **state)
{
    (void)state;
    uint64_t *v = NULL;
    size_t cap = 0;
    assert_int_equal(OT_VEC_GROW(v, cap, 4), 0);
    uint64_t *kept = v;
    v[3] = 42;
    assert_int_equal(OT_VEC_GROW(v, cap, SIZE_MAX / 4), OT_ENOMEM); /* bytes overflow */
    assert_int_equal(OT_VEC_GROW(v, cap, SIZE_MAX), OT_ENOMEM);     /* count overflow */
    assert_ptr_equal(v, kept); /* unchanged on failure */
    assert_int_equal(cap, 8);
    assert_int_equal(v[3], 42);
    free(v);
}

/* ---- str ---- */

static void test_util__str_trim(void **state)
{
    (void)state;
    char a[] = "  \t key = value \r\n", b[] = "   ", c[] = "x", d[] = "";
    assert_string_equal(ot_str_trim(a), "key = value");
    assert_string_equal(ot_str_trim(b), "");
    assert_string_equal(ot_str_trim(c), "x");
    assert_string_equal(ot_str_trim(d), "");
}

/* ---- json ---- */

static void test_util__json_type_names(void **state)
{
    (void)state;
    assert_string_equal(ot_json_type_name(OT_JSON_BOOL), "boolean");
    assert_string_equal(ot_json_type_name(OT_JSON_NUMBER), "number");
    assert_string_equal(ot_json_type_name(OT_JSON_STRING), "string");
    assert_string_equal(ot_json_type_name(OT_JSON_ARRAY), "list");
    assert_string_equal(ot_json_type_name(OT_JSON_OBJECT), "structure");
    assert_string_equal(ot_json_type_name(OT_JSON_NULL), "null");
}

/* ---- sql ---- */

typedef struct sql_fx {
    char dir[64];
    sqlite3 *db;
} sql_fx;

static int sql_setup(void **state)
{
    sql_fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    otest_tmpdir(f->dir, sizeof f->dir, "util");
    char path[128];
    snprintf(path, sizeof path, "%s/t.db", f->dir);
    assert_int_equal(sqlite3_open(path, &f->db), SQLITE_OK);
    assert_int_equal(ot_sql_exec(f->db, "CREATE TABLE t(k TEXT PRIMARY KEY, v INTEGER)"), 0);
    *state = f;
    return 0;
}

static int sql_teardown(void **state)
{
    sql_fx *f = *state;
    sqlite3_close(f->db);
    otest_rmrf(f->dir);
    free(f);
    return 0;
}

static int insert(sqlite3 *db, const char *k, int64_t v)
{
    sqlite3_stmt *st;
    int rc = ot_sql_prepare(db, "INSERT INTO t(k, v) VALUES(?1, ?2)", &st);
    if (rc)
        return rc;
    ot_sql_bind_text(st, 1, k);
    sqlite3_bind_int64(st, 2, v);
    return ot_sql_done(db, st, "insert");
}

typedef struct row {
    char k[4];
    int64_t v;
} row;

static void read_row(sqlite3_stmt *st, void *p)
{
    row *r = p;
    ot_sql_col_text(st, 0, r->k, sizeof r->k);
    r->v = sqlite3_column_int64(st, 1);
}

static void test_util__sql_errors_map_to_codes(void **state)
{
    sql_fx *f = *state;
    assert_int_equal(insert(f->db, "a", 1), 0);
    assert_int_equal(insert(f->db, "a", 2), OT_EEXIST); /* primary key */
    sqlite3_stmt *st;
    assert_int_equal(ot_sql_prepare(f->db, "SELECT nope FROM t", &st), OT_EIO);
    assert_null(st);
    assert_int_equal(ot_sql_exec(f->db, "NOT SQL"), OT_EIO);
    assert_int_equal(ot_sql_code(SQLITE_NOMEM), OT_ENOMEM);
    assert_int_equal(ot_sql_code(SQLITE_CORRUPT), OT_ECORRUPT);
    assert_int_equal(ot_sql_code(SQLITE_TOOBIG), OT_ELIMIT);
    assert_int_equal(ot_sql_code(SQLITE_CONSTRAINT_UNIQUE), OT_EEXIST);
    assert_int_equal(ot_sql_code(SQLITE_DONE), 0);
}

static void test_util__sql_rows_count_and_columns(void **state)
{
    sql_fx *f = *state;
    assert_int_equal(insert(f->db, "abcdef", 1), 0); /* truncated to the column buffer */
    assert_int_equal(insert(f->db, NULL, 2), 0);     /* NULL text reads as "" */
    assert_int_equal(insert(f->db, "c", 3), 0);
    sqlite3_stmt *st;
    assert_int_equal(ot_sql_prepare(f->db, "SELECT k, v FROM t ORDER BY v", &st), 0);
    row *rows;
    size_t n;
    assert_int_equal(ot_sql_rows(f->db, st, sizeof *rows, read_row, "rows", (void **)&rows, &n),
                     0);
    sqlite3_finalize(st);
    assert_int_equal(n, 3);
    assert_string_equal(rows[0].k, "abc");
    assert_string_equal(rows[1].k, "");
    assert_string_equal(rows[2].k, "c");
    assert_int_equal(rows[2].v, 3);
    free(rows);

    int64_t count = 0;
    assert_int_equal(ot_sql_prepare(f->db, "SELECT COUNT(*) FROM t", &st), 0);
    assert_int_equal(ot_sql_int64(f->db, st, &count, "count"), 0);
    assert_int_equal(count, 3);
    assert_int_equal(ot_sql_run(f->db, st, "count again"), 0); /* reset: steps again */
    sqlite3_finalize(st);
    assert_int_equal(ot_sql_has_column(f->db, "t", "v"), 1);
    assert_int_equal(ot_sql_has_column(f->db, "t", "w"), 0);
    assert_int_equal(ot_sql_has_column(f->db, "missing", "v"), 0);
}

typedef struct mapped {
    char name[4];
    bool flag;
    int small;
    int64_t big;
} mapped;

static const ot_sql_col MAPPED[] = {
    OT_SQL_COL(mapped, name, 0), OT_SQL_COL(mapped, flag, 1), OT_SQL_COL(mapped, small, 2),
    OT_SQL_COL(mapped, big, 3),
};

static void read_mapped(sqlite3_stmt *st, void *row) { ot_sql_read_cols(st, row, MAPPED, 4); }

static void test_util__sql_column_maps(void **state)
{
    sql_fx *f = *state;
    assert_int_equal(MAPPED[0].kind, OT_SQL_TEXT); /* kinds follow the member types */
    assert_int_equal(MAPPED[1].kind, OT_SQL_BOOL);
    assert_int_equal(MAPPED[2].kind, OT_SQL_INT);
    assert_int_equal(MAPPED[3].kind, OT_SQL_INT64);
    assert_int_equal(ot_sql_exec(f->db, "CREATE TABLE m(name TEXT, flag INT, small INT, big INT)"),
                     0);
    sqlite3_stmt *st;
    assert_int_equal(ot_sql_prepare(f->db, "INSERT INTO m VALUES(?1, ?2, ?3, ?4)", &st), 0);
    const mapped in = {"abc", true, -7, INT64_C(1) << 40};
    assert_int_equal(ot_sql_bind_cols(st, 1, &in, MAPPED, 4), 0);
    assert_int_equal(ot_sql_done(f->db, st, "insert"), 0);
    const char *params[] = {"abc"};
    mapped out;
    assert_int_equal(ot_sql_select_one(f->db, "SELECT * FROM m WHERE name = ?1", params, 1,
                                       sizeof out, read_mapped, "one", &out),
                     0);
    assert_string_equal(out.name, "abc");
    assert_true(out.flag);
    assert_int_equal(out.small, -7);
    assert_int_equal(out.big, INT64_C(1) << 40);
    params[0] = "zzz";
    assert_int_equal(ot_sql_select_one(f->db, "SELECT * FROM m WHERE name = ?1", params, 1,
                                       sizeof out, read_mapped, "one", &out),
                     OT_ENOTFOUND);
    assert_int_equal(ot_sql_exec_text(f->db, "DELETE FROM m WHERE name = ?1", params, 1, "del"),
                     0);
    params[0] = "abc";
    mapped *all;
    size_t n;
    assert_int_equal(ot_sql_select(f->db, "SELECT * FROM m WHERE name = ?1", params, 1,
                                   sizeof *all, read_mapped, "all", (void **)&all, &n),
                     0);
    assert_int_equal(n, 1);
    free(all);
    assert_int_equal(ot_sql_exec_text(f->db, "DELETE FROM m WHERE name = ?1", params, 1, "del"),
                     0);
    assert_int_equal(ot_sql_select(f->db, "SELECT * FROM m", NULL, 0, sizeof *all, read_mapped,
                                   "all", (void **)&all, &n),
                     0);
    assert_int_equal(n, 0);
    assert_null(all);
}

static int tx_insert_then(sqlite3 *db, const void *arg)
{
    int rc = insert(db, "tx", 9);
    return rc ? rc : *(const int *)arg;
}

static int64_t count_rows(sqlite3 *db)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    assert_int_equal(ot_sql_prepare(db, "SELECT COUNT(*) FROM t", &st), 0);
    assert_int_equal(ot_sql_int64(db, st, &v, "count"), 0);
    sqlite3_finalize(st);
    return v;
}

static void test_util__sql_transactions(void **state)
{
    sql_fx *f = *state;
    int fail = OT_ELIMIT, ok = 0;
    assert_int_equal(ot_sql_in_tx(f->db, tx_insert_then, &fail), OT_ELIMIT);
    assert_int_equal(count_rows(f->db), 0); /* rolled back */
    assert_true(sqlite3_get_autocommit(f->db));
    assert_int_equal(ot_sql_in_tx(f->db, tx_insert_then, &ok), 0);
    assert_int_equal(count_rows(f->db), 1);
    assert_int_equal(ot_sql_begin(f->db), 0);
    assert_int_equal(insert(f->db, "b", 1), 0);
    assert_int_equal(ot_sql_end(f->db, OT_EIO), OT_EIO);
    assert_int_equal(count_rows(f->db), 1);
    assert_int_equal(ot_sql_begin(f->db), 0);
    assert_int_equal(insert(f->db, "b", 1), 0);
    assert_int_equal(ot_sql_end(f->db, 0), 0);
    assert_int_equal(count_rows(f->db), 2);
}

/* ---- the LookupEvents event JSON ---- */

static char *event_json(const ot_history_hit *e, const ot_history_json_style *s)
{
    ot_buf b;
    ot_jw w;
    ot_buf_init(&b, 0);
    ot_jw_init(&w, &b);
    assert_int_equal(ot_history_json_event(&w, e, s), 0);
    assert_int_equal(ot_buf_putc(&b, '\0'), 0);
    return b.data;
}

static void test_util__lookup_event_json(void **state)
{
    (void)state;
    const char raw[] = "{\"eventVersion\":\"1.08\"}";
    ot_history_hit e = {.time_ms = 1700000000500, .read_only = 1, .event_id = "id-1",
                        .event_name = "GetObject", .event_source = NULL, .username = "alice",
                        .access_key_id = NULL, .resources_json = "[]", .raw = raw,
                        .raw_len = sizeof raw - 1};
    char *api = event_json(&e, NULL);
    assert_string_equal(api, "{\"EventId\":\"id-1\",\"EventName\":\"GetObject\",\"ReadOnly\":"
                             "\"true\",\"EventTime\":1700000000.5,\"Username\":\"alice\","
                             "\"Resources\":[],\"CloudTrailEvent\":"
                             "\"{\\\"eventVersion\\\":\\\"1.08\\\"}\"}");
    free(api);
    e.time_ms = 1700000000000;
    e.read_only = -1;
    const ot_history_json_style cli = {.iso_time = true, .raw_record = true, .nulls = true};
    char *readable = event_json(&e, &cli);
    assert_string_equal(readable,
                        "{\"EventId\":\"id-1\",\"EventName\":\"GetObject\",\"AccessKeyId\":null,"
                        "\"EventTime\":\"2023-11-14T22:13:20Z\",\"EventSource\":null,"
                        "\"Username\":\"alice\",\"Resources\":[],"
                        "\"CloudTrailEvent\":{\"eventVersion\":\"1.08\"}}");
    free(readable);
    char *whole = event_json(&e, NULL);
    assert_non_null(strstr(whole, "\"EventTime\":1700000000,"));
    free(whole);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_util__vec_grows_and_keeps),
        cmocka_unit_test(test_util__vec_overflow_refused),
        cmocka_unit_test(test_util__str_trim),
        cmocka_unit_test(test_util__json_type_names),
        cmocka_unit_test_setup_teardown(test_util__sql_errors_map_to_codes, sql_setup,
                                        sql_teardown),
        cmocka_unit_test_setup_teardown(test_util__sql_rows_count_and_columns, sql_setup,
                                        sql_teardown),
        cmocka_unit_test_setup_teardown(test_util__sql_transactions, sql_setup, sql_teardown),
        cmocka_unit_test_setup_teardown(test_util__sql_column_maps, sql_setup, sql_teardown),
        cmocka_unit_test(test_util__lookup_event_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

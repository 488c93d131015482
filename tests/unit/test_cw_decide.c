/* test_cw_decide.c — the pure decision of CloudWatch's alarm evaluation against the two tables
 * of https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
 * ("How alarm state is evaluated when data is missing": every row, every TreatMissingData
 * column), plus the comparison operators, M out of N with no missing data and the
 * premature-alarm rule's edges. Points are written as in AWS's tables, oldest first: "0" not
 * breaching, "X" breaching, "-" missing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cw/cw_int.h"
#include "util/err.h"

#define KEEP (-1) /* "Retain current state" */

/* Parses "0 - X - X" into pts; returns how many. */
static int parse_points(const char *s, cw_pt *pts)
{
    int n = 0;
    for (; *s; s++) {
        if (*s == '0')
            pts[n++] = CW_PT_OK;
        else if (*s == 'X')
            pts[n++] = CW_PT_BREACHING;
        else if (*s == '-')
            pts[n++] = CW_PT_MISSING;
    }
    return n;
}

typedef struct row {
    const char *points;
    int expect[4]; /* MISSING, IGNORE, BREACHING, NOT BREACHING: a state or KEEP */
} row;

static const cw_treat COLUMNS[4] = {CW_TREAT_MISSING, CW_TREAT_IGNORE, CW_TREAT_BREACHING,
                                    CW_TREAT_NOT_BREACHING};

/* Runs a row from each current state, so "retain" is told apart from a computed state. */
static void check_row(const row *r, int n_eval, int m_alarm)
{
    cw_pt pts[16];
    int n = parse_points(r->points, pts);
    for (int c = 0; c < 4; c++)
        for (int cur = 0; cur < 3; cur++) {
            cw_decision d = cw_decide(pts, n, n_eval, m_alarm, COLUMNS[c], (ot_cw_state)cur);
            int want = r->expect[c] == KEEP ? cur : r->expect[c];
            if ((int)d.state != want)
                fail_msg("%d of %d, \"%s\", column %d, from %s: got %s, want %s", m_alarm,
                         n_eval, r->points, c, ot_cw_state_name((ot_cw_state)cur),
                         ot_cw_state_name(d.state), ot_cw_state_name((ot_cw_state)want));
        }
}

#define OK OT_CW_OK
#define AL OT_CW_ALARM
#define ID OT_CW_INSUFFICIENT_DATA

/* AWS's first table: Evaluation Periods and Datapoints to Alarm both 3. */
static void test_cw__aws_table_3_of_3(void **state)
{
    (void)state;
    static const row rows[] = {
        {"0 - X - X", {OK, OK, OK, OK}},
        {"0 - - - -", {OK, OK, OK, OK}},
        {"- - - - -", {ID, KEEP, AL, OK}},
        {"0 X X - X", {AL, AL, AL, AL}},
        {"- - X - -", {AL, KEEP, AL, OK}},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        check_row(&rows[i], 3, 3);
}

/* AWS's second table: Datapoints to Alarm 2, Evaluation Periods 3 (2 out of 3). */
static void test_cw__aws_table_2_of_3(void **state)
{
    (void)state;
    static const row rows[] = {
        {"0 - X - X", {AL, AL, AL, AL}},
        {"0 0 X 0 X", {AL, AL, AL, AL}},
        {"0 - X - -", {OK, OK, AL, OK}},
        {"- - - - 0", {OK, OK, AL, OK}},
        {"- - X - -", {AL, KEEP, AL, OK}},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        check_row(&rows[i], 3, 2);
}

static void test_cw__m_of_n_without_missing(void **state)
{
    (void)state;
    static const row rows[] = {
        /* the most recent 3 of 5 decide; older breaching points do not count */
        {"X X 0 0 X", {OK, OK, OK, OK}},
        {"0 0 X 0 X", {AL, AL, AL, AL}},
        {"0 0 0 X X", {AL, AL, AL, AL}},
        {"X 0 0 0 0", {OK, OK, OK, OK}},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        check_row(&rows[i], 3, 2);
    /* 1 of 1 looks at the newest real point only */
    static const row one[] = {
        {"X X 0", {OK, OK, OK, OK}},
        {"0 0 X", {AL, AL, AL, AL}},
        {"0 X -", {AL, AL, AL, AL}},
        {"- - -", {ID, KEEP, AL, OK}},
    };
    for (size_t i = 0; i < sizeof one / sizeof one[0]; i++)
        check_row(&one[i], 1, 1);
}

static void test_cw__premature_alarm_rule(void **state)
{
    (void)state;
    cw_pt pts[8];
    /* 3 of 3: a breaching point only 2 periods old is too young to alarm early */
    int n = parse_points("- - - X -", pts);
    cw_decision d = cw_decide(pts, n, 3, 3, CW_TREAT_MISSING, OT_CW_OK);
    assert_int_equal(d.state, OT_CW_OK);
    assert_int_equal(d.why, CW_WHY_KEPT);
    d = cw_decide(pts, n, 3, 3, CW_TREAT_MISSING, OT_CW_INSUFFICIENT_DATA);
    assert_int_equal(d.state, OT_CW_INSUFFICIENT_DATA);
    /* 3 periods old: ALARM, and it says why */
    n = parse_points("- - X - -", pts);
    d = cw_decide(pts, n, 3, 3, CW_TREAT_MISSING, OT_CW_OK);
    assert_int_equal(d.state, OT_CW_ALARM);
    assert_int_equal(d.why, CW_WHY_PREMATURE);
    /* a newer non-breaching point stops it (the points are enough to judge: OK) */
    n = parse_points("- - X 0 -", pts);
    d = cw_decide(pts, n, 3, 3, CW_TREAT_MISSING, OT_CW_ALARM);
    assert_int_equal(d.state, OT_CW_OK);
    /* 2 of 3: 2 periods old is old enough */
    n = parse_points("- - - X -", pts);
    d = cw_decide(pts, n, 3, 2, CW_TREAT_MISSING, OT_CW_OK);
    assert_int_equal(d.state, OT_CW_ALARM);
    assert_int_equal(d.why, CW_WHY_PREMATURE);
}

static void test_cw__decision_details(void **state)
{
    (void)state;
    cw_pt pts[8];
    int n = parse_points("0 X X - X", pts);
    cw_decision d = cw_decide(pts, n, 3, 3, CW_TREAT_MISSING, OT_CW_OK);
    assert_int_equal(d.why, CW_WHY_POINTS);
    assert_int_equal(d.first, 1); /* the oldest real point used */
    assert_int_equal(d.nreal, 3);
    assert_int_equal(d.nbreaching, 3);
    n = parse_points("- - - - 0", pts);
    d = cw_decide(pts, n, 3, 2, CW_TREAT_BREACHING, OT_CW_OK);
    assert_int_equal(d.why, CW_WHY_FILLED);
    assert_int_equal(d.nfilled, 2);
    assert_int_equal(d.nbreaching, 2);
    n = parse_points("- - - - -", pts);
    d = cw_decide(pts, n, 3, 3, CW_TREAT_NOT_BREACHING, OT_CW_ALARM);
    assert_int_equal(d.why, CW_WHY_NO_DATA);
    assert_int_equal(d.state, OT_CW_OK);
}

static void test_cw__comparison_operators(void **state)
{
    (void)state;
    static const struct {
        const char *op;
        bool below, equal, above; /* value 0.5, 1, 1.5 against threshold 1 */
    } ops[] = {
        {"GreaterThanOrEqualToThreshold", false, true, true},
        {"GreaterThanThreshold", false, false, true},
        {"LessThanThreshold", true, false, false},
        {"LessThanOrEqualToThreshold", true, true, false},
    };
    for (size_t i = 0; i < 4; i++) {
        bool b;
        assert_int_equal(cw_breaches(ops[i].op, 0.5, 1, &b), 0);
        assert_int_equal(b, ops[i].below);
        assert_int_equal(cw_breaches(ops[i].op, 1, 1, &b), 0);
        assert_int_equal(b, ops[i].equal);
        assert_int_equal(cw_breaches(ops[i].op, 1.5, 1, &b), 0);
        assert_int_equal(b, ops[i].above);
    }
    bool b;
    assert_int_equal(cw_breaches("LessThanLowerThreshold", 0, 1, &b), OT_EINVAL);
    assert_int_equal(cw_breaches(NULL, 0, 1, &b), OT_EINVAL);
}

static void test_cw__treat_names(void **state)
{
    (void)state;
    cw_treat t;
    assert_int_equal(cw_treat_parse(NULL, &t), 0);
    assert_int_equal(t, CW_TREAT_MISSING);
    assert_int_equal(cw_treat_parse("notBreaching", &t), 0);
    assert_int_equal(t, CW_TREAT_NOT_BREACHING);
    assert_int_equal(cw_treat_parse("breaching", &t), 0);
    assert_int_equal(t, CW_TREAT_BREACHING);
    assert_int_equal(cw_treat_parse("ignore", &t), 0);
    assert_int_equal(t, CW_TREAT_IGNORE);
    assert_int_equal(cw_treat_parse("Ignore", &t), OT_EINVAL);
    ot_cw_state st;
    assert_int_equal(ot_cw_state_parse("INSUFFICIENT_DATA", &st), 0);
    assert_int_equal(st, OT_CW_INSUFFICIENT_DATA);
    assert_string_equal(ot_cw_state_name(OT_CW_ALARM), "ALARM");
    assert_int_equal(ot_cw_state_parse("alarm", &st), OT_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cw__aws_table_3_of_3),
        cmocka_unit_test(test_cw__aws_table_2_of_3),
        cmocka_unit_test(test_cw__m_of_n_without_missing),
        cmocka_unit_test(test_cw__premature_alarm_rule),
        cmocka_unit_test(test_cw__decision_details),
        cmocka_unit_test(test_cw__comparison_operators),
        cmocka_unit_test(test_cw__treat_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

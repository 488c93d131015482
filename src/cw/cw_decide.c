/* cw_decide.c — the decision of CloudWatch's alarm evaluation, as a pure function of the points
 * of the evaluation range, so it is tested row by row against the tables of
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
 * ("How alarm state is evaluated when data is missing"). The rules are in cw_int.h. */
#include <string.h>

#include "cw/cw_int.h"
#include "util/err.h"

int cw_breaches(const char *comparison, double value, double threshold, bool *out)
{
    if (!comparison)
        return OT_EINVAL;
    if (!strcmp(comparison, "GreaterThanOrEqualToThreshold"))
        *out = value >= threshold;
    else if (!strcmp(comparison, "GreaterThanThreshold"))
        *out = value > threshold;
    else if (!strcmp(comparison, "LessThanThreshold"))
        *out = value < threshold;
    else if (!strcmp(comparison, "LessThanOrEqualToThreshold"))
        *out = value <= threshold;
    else
        return OT_EINVAL;
    return OT_OK;
}

int cw_treat_parse(const char *s, cw_treat *out)
{
    static const char *const names[] = {"missing", "notBreaching", "breaching", "ignore"};
    if (!s) {
        *out = CW_TREAT_MISSING;
        return OT_OK;
    }
    for (int i = 0; i < 4; i++)
        if (!strcmp(s, names[i])) {
            *out = (cw_treat)i;
            return OT_OK;
        }
    return OT_EINVAL;
}

/* The most recent n_eval real points decide; TreatMissingData does not apply. */
static cw_decision from_recent_real(const cw_pt *pts, int range, int n_eval, int m_alarm)
{
    cw_decision d = {.why = CW_WHY_POINTS};
    for (int i = range - 1; i >= 0 && d.nreal < n_eval; i--) {
        if (pts[i] == CW_PT_MISSING)
            continue;
        d.first = i;
        d.nreal++;
        d.nbreaching += pts[i] == CW_PT_BREACHING;
    }
    d.state = d.nbreaching >= m_alarm ? OT_CW_ALARM : OT_CW_OK;
    return d;
}

/* AWS's rule against alarming late: the oldest breaching point of the last n_eval is at least
 * m_alarm periods old and every newer point is breaching or missing. */
static bool premature_alarm(const cw_pt *pts, int range, int n_eval, int m_alarm)
{
    int oldest = -1;
    for (int i = range > n_eval ? range - n_eval : 0; i < range; i++) {
        if (pts[i] == CW_PT_BREACHING && oldest < 0)
            oldest = i;
        if (pts[i] == CW_PT_OK && oldest >= 0)
            return false;
    }
    return oldest >= 0 && range - oldest >= m_alarm;
}

/* Some, but fewer than n_eval, real points. */
static cw_decision from_some(const cw_pt *pts, int range, int n_eval, int m_alarm, cw_treat treat,
                             ot_cw_state current)
{
    cw_decision d = from_recent_real(pts, range, n_eval, m_alarm);
    if (treat == CW_TREAT_BREACHING || treat == CW_TREAT_NOT_BREACHING) {
        d.why = CW_WHY_FILLED;
        d.nfilled = n_eval - d.nreal;
        if (treat == CW_TREAT_BREACHING)
            d.nbreaching += d.nfilled;
        d.state = d.nbreaching >= m_alarm ? OT_CW_ALARM : OT_CW_OK;
        return d;
    }
    if (d.nbreaching >= m_alarm || d.nreal >= m_alarm || d.nbreaching == 0 ||
        d.nbreaching + (n_eval - d.nreal) < m_alarm)
        return d; /* the real points are enough to judge (ALARM is out of reach: OK) */
    if (treat == CW_TREAT_MISSING && premature_alarm(pts, range, n_eval, m_alarm)) {
        d.why = CW_WHY_PREMATURE;
        d.state = OT_CW_ALARM;
        return d;
    }
    d.why = CW_WHY_KEPT;
    d.state = current;
    return d;
}

static cw_decision from_none(int n_eval, cw_treat treat, ot_cw_state current)
{
    cw_decision d = {.why = CW_WHY_NO_DATA, .first = -1, .nfilled = n_eval};
    switch (treat) {
    case CW_TREAT_MISSING:
        d.state = OT_CW_INSUFFICIENT_DATA;
        d.nfilled = 0;
        break;
    case CW_TREAT_IGNORE:
        d.state = current;
        d.why = CW_WHY_KEPT;
        d.nfilled = 0;
        break;
    case CW_TREAT_BREACHING:
        d.state = OT_CW_ALARM;
        d.nbreaching = n_eval;
        break;
    case CW_TREAT_NOT_BREACHING:
        d.state = OT_CW_OK;
        break;
    }
    return d;
}

cw_decision cw_decide(const cw_pt *pts, int range, int n_eval, int m_alarm, cw_treat treat,
                      ot_cw_state current)
{
    if (m_alarm <= 0 || m_alarm > n_eval)
        m_alarm = n_eval;
    int nreal = 0;
    for (int i = 0; i < range; i++)
        nreal += pts[i] != CW_PT_MISSING;
    if (nreal >= n_eval)
        return from_recent_real(pts, range, n_eval, m_alarm);
    if (nreal == 0)
        return from_none(n_eval, treat, current);
    return from_some(pts, range, n_eval, m_alarm, treat, current);
}

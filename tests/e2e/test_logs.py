"""ISSUE11 item 3: the CloudWatch Logs-compatible API (service `logs`, AWS JSON 1.1).

Drives the real `aws logs` CLI and boto3 against the real binary: log groups and streams
(create, delete, describe with prefix, pattern, ordering and paging), PutLogEvents with AWS's
batch rules (chronological order, 24-hour span, 1 MB, events too old / too new / expired are
reported in rejectedLogEventsInfo), GetLogEvents' forward and backward tokens, FilterLogEvents
with JSON patterns over CloudTrail-like events, retention policies that delete old events,
metric filters and TestMetricFilter, and account isolation.
"""
import json
import time

import boto3
import botocore.config
import botocore.exceptions

from otharness import ServerTestCase, main, signed_request

OWNER = "123456789012"
OTHER = "999999999999"
OTHER_KEY, OTHER_SECRET = "AKIAOTHERLOGSACCT001", "other-logs-secret-0123456789abcdefghijkl"
DAY_MS = 86400 * 1000


def now_ms():
    return int(time.time() * 1000)


def trail_event(name, error=None, user="alice"):
    """A CloudTrail-like record, as a trail streams it into a log group."""
    ev = {"eventVersion": "1.08", "eventSource": "s3.amazonaws.com", "eventName": name,
          "awsRegion": "us-east-1", "userIdentity": {"type": "IAMUser", "userName": user},
          "sourceIPAddress": "203.0.113.7"}
    if error:
        ev["errorCode"] = error
    return json.dumps(ev)


class Logs(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.logs = self.server.client("logs")

    def error(self, code, fn, *args, **kw):
        with self.assertRaises(botocore.exceptions.ClientError, msg=str(kw)) as cm:
            fn(*args, **kw)
        self.assertEqual(cm.exception.response["Error"]["Code"], code, str(kw))
        return cm.exception.response["Error"]["Message"]

    def put(self, group, stream, events):
        return self.logs.put_log_events(logGroupName=group, logStreamName=stream,
                                        logEvents=[{"timestamp": t, "message": m}
                                                   for t, m in events])

    # ---- groups and streams -------------------------------------------------------------

    def test_groups_cli_create_describe_delete(self):
        self.server.aws("logs", "create-log-group", "--log-group-name", "CloudTrail/main")
        rc, _, err = self.server.aws("logs", "create-log-group", "--log-group-name",
                                     "CloudTrail/main", check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("ResourceAlreadyExistsException", err)
        self.assertIn("The specified log group already exists", err)
        out = self.server.aws_json("logs", "describe-log-groups")
        [g] = out["logGroups"]
        self.assertEqual(g["logGroupName"], "CloudTrail/main")
        self.assertEqual(g["arn"], "arn:aws:logs:us-east-1:%s:log-group:CloudTrail/main:*" % OWNER)
        self.assertEqual(g["metricFilterCount"], 0)
        self.assertNotIn("retentionInDays", g)
        self.assertLessEqual(abs(g["creationTime"] - now_ms()), 60000)
        self.server.aws("logs", "delete-log-group", "--log-group-name", "CloudTrail/main")
        self.assertEqual(self.server.aws_json("logs", "describe-log-groups")["logGroups"], [])
        rc, _, err = self.server.aws("logs", "delete-log-group", "--log-group-name",
                                     "CloudTrail/main", check=False)
        self.assertIn("ResourceNotFoundException", err)
        self.assertIn("The specified log group does not exist.", err)

    def test_group_names_prefix_pattern_paging(self):
        names = ["app/a", "app/b", "app/c", "app/d", "app/e", "web/Front"]
        for n in names:
            self.logs.create_log_group(logGroupName=n)
        got = self.logs.describe_log_groups(logGroupNamePrefix="app/")["logGroups"]
        self.assertEqual([g["logGroupName"] for g in got], names[:5])
        got = self.logs.describe_log_groups(logGroupNamePattern="Front")["logGroups"]
        self.assertEqual([g["logGroupName"] for g in got], ["web/Front"])
        self.assertEqual(sorted(got[0]), ["arn", "creationTime", "logGroupName"])
        got = self.logs.describe_log_groups(logGroupNamePattern="front")["logGroups"]
        self.assertEqual(got, [])   # case-sensitive, as AWS
        self.error("InvalidParameterException", self.logs.describe_log_groups,
                   logGroupNamePrefix="a", logGroupNamePattern="b")
        page = self.logs.describe_log_groups(limit=2)
        self.assertEqual(len(page["logGroups"]), 2)
        self.assertIn("nextToken", page)
        seen = []
        for p in self.logs.get_paginator("describe_log_groups").paginate(
                PaginationConfig={"PageSize": 2}):
            self.assertLessEqual(len(p["logGroups"]), 2)
            seen += [g["logGroupName"] for g in p["logGroups"]]
        self.assertEqual(seen, names)
        self.error("InvalidParameterException", self.logs.describe_log_groups, nextToken="junk")
        msg = self.error("InvalidParameterException", self.logs.create_log_group,
                         logGroupName="bad name!")
        self.assertIn("logGroupName", msg)
        self.error("InvalidParameterException", self.logs.create_log_group,
                   logGroupName="x" * 513)

    def test_streams(self):
        self.logs.create_log_group(logGroupName="g")
        for s in ["s1", "s2", "s3", "t1"]:
            self.logs.create_log_stream(logGroupName="g", logStreamName=s)
        msg = self.error("ResourceAlreadyExistsException", self.logs.create_log_stream,
                         logGroupName="g", logStreamName="s1")
        self.assertEqual(msg, "The specified log stream already exists")
        self.error("ResourceNotFoundException", self.logs.create_log_stream,
                   logGroupName="nope", logStreamName="s1")
        self.error("InvalidParameterException", self.logs.create_log_stream,
                   logGroupName="g", logStreamName="a:b")
        t = now_ms()
        self.put("g", "s2", [(t - 5000, "old")])
        self.put("g", "s1", [(t - 1000, "new")])
        out = self.server.aws_json("logs", "describe-log-streams", "--log-group-name", "g",
                                   "--log-stream-name-prefix", "s")
        self.assertEqual([s["logStreamName"] for s in out["logStreams"]], ["s1", "s2", "s3"])
        s1 = out["logStreams"][0]
        self.assertEqual(s1["firstEventTimestamp"], t - 1000)
        self.assertEqual(s1["lastEventTimestamp"], t - 1000)
        self.assertEqual(s1["storedBytes"], 3)
        self.assertNotIn("lastEventTimestamp", out["logStreams"][2])
        self.assertEqual(s1["arn"], "arn:aws:logs:us-east-1:%s:log-group:g:log-stream:s1" % OWNER)
        got = self.logs.describe_log_streams(logGroupName="g", orderBy="LastEventTime",
                                             descending=True)["logStreams"]
        self.assertEqual([s["logStreamName"] for s in got][:2], ["s1", "s2"])
        self.error("InvalidParameterException", self.logs.describe_log_streams,
                   logGroupName="g", orderBy="LastEventTime", logStreamNamePrefix="s")
        page = self.logs.describe_log_streams(logGroupName="g", limit=3)
        self.assertEqual(len(page["logStreams"]), 3)
        rest = self.logs.describe_log_streams(logGroupName="g", limit=3,
                                              nextToken=page["nextToken"])
        self.assertEqual([s["logStreamName"] for s in rest["logStreams"]], ["t1"])
        self.assertNotIn("nextToken", rest)
        self.logs.delete_log_stream(logGroupName="g", logStreamName="t1")
        msg = self.error("ResourceNotFoundException", self.logs.delete_log_stream,
                         logGroupName="g", logStreamName="t1")
        self.assertEqual(msg, "The specified log stream does not exist.")
        msg = self.error("ResourceNotFoundException", self.logs.describe_log_streams,
                         logGroupName="nope")
        self.assertEqual(msg, "The specified log group does not exist.")

    # ---- events -------------------------------------------------------------------------

    def test_put_and_get_events(self):
        self.logs.create_log_group(logGroupName="g")
        self.logs.create_log_stream(logGroupName="g", logStreamName="s")
        t = now_ms() - 60000
        self.server.aws("logs", "put-log-events", "--log-group-name", "g", "--log-stream-name",
                        "s", "--log-events", "timestamp=%d,message=one" % t,
                        "timestamp=%d,message=two" % (t + 1))
        out = self.put("g", "s", [(t + 2 + i, "ev%d" % i) for i in range(8)])
        self.assertNotIn("rejectedLogEventsInfo", out)
        # the latest events first by default, the earliest with --start-from-head
        got = self.logs.get_log_events(logGroupName="g", logStreamName="s", limit=3)
        self.assertEqual([e["message"] for e in got["events"]], ["ev5", "ev6", "ev7"])
        back = self.logs.get_log_events(logGroupName="g", logStreamName="s", limit=3,
                                        nextToken=got["nextBackwardToken"])
        self.assertEqual([e["message"] for e in back["events"]], ["ev2", "ev3", "ev4"])
        head = self.server.aws_json("logs", "get-log-events", "--log-group-name", "g",
                                    "--log-stream-name", "s", "--start-from-head",
                                    "--limit", "2")
        self.assertEqual([e["message"] for e in head["events"]], ["one", "two"])
        self.assertLessEqual(abs(head["events"][0]["ingestionTime"] - now_ms()), 60000)
        msgs, token = [], None
        while True:
            kw = {"nextToken": token} if token else {"startFromHead": True}
            page = self.logs.get_log_events(logGroupName="g", logStreamName="s", limit=4, **kw)
            msgs += [e["message"] for e in page["events"]]
            if page["nextForwardToken"] == token:
                break
            token = page["nextForwardToken"]
        self.assertEqual(msgs, ["one", "two"] + ["ev%d" % i for i in range(8)])
        # a new event appears after the last forward token
        self.put("g", "s", [(t + 20, "later")])
        page = self.logs.get_log_events(logGroupName="g", logStreamName="s", nextToken=token)
        self.assertEqual([e["message"] for e in page["events"]], ["later"])
        # time range: start inclusive, end exclusive
        got = self.logs.get_log_events(logGroupName="g", logStreamName="s", startFromHead=True,
                                       startTime=t + 1, endTime=t + 4)["events"]
        self.assertEqual([e["message"] for e in got], ["two", "ev0", "ev1"])
        self.error("InvalidParameterException", self.logs.get_log_events, logGroupName="g",
                   logStreamName="s", nextToken="f/garbage")
        msg = self.error("ResourceNotFoundException", self.logs.get_log_events,
                         logGroupName="g", logStreamName="nope")
        self.assertEqual(msg, "The specified log stream does not exist.")
        by_arn = self.logs.get_log_events(
            logGroupIdentifier="arn:aws:logs:us-east-1:%s:log-group:g:*" % OWNER,
            logStreamName="s", startFromHead=True, limit=1)["events"]
        self.assertEqual(by_arn[0]["message"], "one")

    def test_unicode_messages(self):
        self.logs.create_log_group(logGroupName="g")
        self.logs.create_log_stream(logGroupName="g", logStreamName="s")
        msg = 'h\u00e9llo \u2713 "quoted" \\ tab\there \U0001F600'
        self.put("g", "s", [(now_ms(), msg)])
        [e] = self.logs.get_log_events(logGroupName="g", logStreamName="s")["events"]
        self.assertEqual(e["message"], msg)
        [st] = self.logs.describe_log_streams(logGroupName="g")["logStreams"]
        self.assertEqual(st["storedBytes"], len(msg.encode("utf-8")))
        [e] = self.logs.filter_log_events(logGroupName="g", filterPattern='"\u2713"')["events"]
        self.assertEqual(e["message"], msg)

    def test_put_rules(self):
        self.logs.create_log_group(logGroupName="g")
        self.logs.create_log_stream(logGroupName="g", logStreamName="s")
        t = now_ms()
        msg = self.error("InvalidParameterException", self.put, "g", "s", [(t, "b"), (t - 1, "a")])
        self.assertIn("chronological order", msg)
        msg = self.error("InvalidParameterException", self.put, "g", "s",
                         [(t - 2 * DAY_MS, "a"), (t, "b")])
        self.assertIn("24 hours", msg)
        big = "x" * 60000
        msg = self.error("InvalidParameterException", self.put, "g", "s",
                         [(t, big)] * 18)
        self.assertIn("Upload too large", msg)
        msg = self.error("InvalidParameterException", self.put, "g", "s", [(t, "e")] * 10001)
        self.assertIn("10000", msg)
        self.error("ResourceNotFoundException", self.put, "g", "nope", [(t, "a")])
        self.error("ResourceNotFoundException", self.put, "nope", "s", [(t, "a")])
        # too old (> 14 days), too new (> 2 h ahead): skipped, the rest stored
        out = self.put("g", "s", [(t - 15 * DAY_MS, "old"), (t - 1000, "ok1"), (t, "ok2"),
                                  (t + 3 * 3600 * 1000, "new")])
        self.assertEqual(out["rejectedLogEventsInfo"],
                         {"tooOldLogEventEndIndex": 1, "tooNewLogEventStartIndex": 3})
        got = self.logs.get_log_events(logGroupName="g", logStreamName="s")["events"]
        self.assertEqual([e["message"] for e in got], ["ok1", "ok2"])
        # older than the group's retention: expired
        self.logs.put_retention_policy(logGroupName="g", retentionInDays=1)
        out = self.put("g", "s", [(t - 2 * DAY_MS, "expired"), (t, "ok3")])
        self.assertEqual(out["rejectedLogEventsInfo"], {"expiredLogEventEndIndex": 1})
        # a sequence token is ignored, as AWS does now
        self.logs.put_log_events(logGroupName="g", logStreamName="s", sequenceToken="bogus",
                                 logEvents=[{"timestamp": t, "message": "ok4"}])

    def test_events_survive_restart(self):
        self.logs.create_log_group(logGroupName="g")
        self.logs.create_log_stream(logGroupName="g", logStreamName="s")
        t = now_ms()
        self.put("g", "s", [(t, "kept")])
        self.server.kill9()
        self.server.start()
        self.logs = self.server.client("logs")
        got = self.logs.get_log_events(logGroupName="g", logStreamName="s")["events"]
        self.assertEqual([e["message"] for e in got], ["kept"])

    def test_filter_log_events_json_pattern(self):
        self.logs.create_log_group(logGroupName="CloudTrail/main")
        for s in ["acct_CloudTrail_us-east-1", "acct_CloudTrail_eu-west-1", "other"]:
            self.logs.create_log_stream(logGroupName="CloudTrail/main", logStreamName=s)
        t = now_ms() - 60000
        self.put("CloudTrail/main", "acct_CloudTrail_us-east-1", [
            (t, trail_event("GetObject", "AccessDenied")),
            (t + 2, trail_event("PutObject")),
            (t + 4, trail_event("DeleteBucket", "AccessDeniedException", user="bob"))])
        self.put("CloudTrail/main", "acct_CloudTrail_eu-west-1", [
            (t + 1, trail_event("ListBuckets", "AccessDenied")),
            (t + 3, "not json at all AccessDenied")])
        self.put("CloudTrail/main", "other", [(t + 5, trail_event("GetObject", "AccessDenied"))])
        out = self.server.aws_json("logs", "filter-log-events", "--log-group-name",
                                   "CloudTrail/main", "--filter-pattern",
                                   '{ $.errorCode = "AccessDenied*" }')
        got = [(e["logStreamName"], json.loads(e["message"])["eventName"]) for e in out["events"]]
        self.assertEqual(got, [("acct_CloudTrail_us-east-1", "GetObject"),
                               ("acct_CloudTrail_eu-west-1", "ListBuckets"),
                               ("acct_CloudTrail_us-east-1", "DeleteBucket"),
                               ("other", "GetObject")])
        self.assertTrue(all(e["eventId"] for e in out["events"]))
        self.assertEqual(out["searchedLogStreams"], [])
        got = self.logs.filter_log_events(
            logGroupName="CloudTrail/main", logStreamNamePrefix="acct_",
            filterPattern='{ ($.errorCode = "AccessDenied*") && ($.userIdentity.userName = "bob") }'
        )["events"]
        self.assertEqual([json.loads(e["message"])["eventName"] for e in got], ["DeleteBucket"])
        got = self.logs.filter_log_events(logGroupName="CloudTrail/main",
                                          logStreamNames=["acct_CloudTrail_eu-west-1"],
                                          filterPattern="AccessDenied")["events"]
        self.assertEqual(len(got), 2)
        got = self.logs.filter_log_events(logGroupName="CloudTrail/main", startTime=t + 1,
                                          endTime=t + 3)["events"]
        self.assertEqual([e["timestamp"] for e in got], [t + 1, t + 2, t + 3])
        # paging with limit
        seen, token = [], None
        while True:
            kw = {"nextToken": token} if token else {}
            page = self.logs.filter_log_events(logGroupName="CloudTrail/main", limit=2, **kw)
            self.assertLessEqual(len(page["events"]), 2)
            seen += [e["timestamp"] for e in page["events"]]
            token = page.get("nextToken")
            if not token:
                break
        self.assertEqual(seen, [t + i for i in range(6)])
        msg = self.error("InvalidParameterException", self.logs.filter_log_events,
                         logGroupName="CloudTrail/main", filterPattern='{ $.errorCode = ')
        self.assertIn("filter pattern", msg)
        self.error("InvalidParameterException", self.logs.filter_log_events,
                   logGroupName="CloudTrail/main", logStreamNames=["a"], logStreamNamePrefix="a")
        self.error("ResourceNotFoundException", self.logs.filter_log_events, logGroupName="nope")

    def test_bad_requests(self):
        self.logs.create_log_group(logGroupName="g")
        self.error("UnknownOperationException", self.logs.list_tags_for_resource,
                   resourceArn="arn:aws:logs:us-east-1:%s:log-group:g" % OWNER)

        def raw(target, body):
            status, _, data = signed_request(
                self.server, "POST", "/", body=body, service="logs",
                headers={"X-Amz-Target": "Logs_20140328." + target,
                         "Content-Type": "application/x-amz-json-1.1"})
            return status, json.loads(data)

        status, err = raw("CreateLogGroup", b"{}")
        self.assertEqual((status, err["__type"]), (400, "InvalidParameterException"))
        self.assertIn("logGroupName", err["message"])
        status, err = raw("CreateLogGroup", b'{"logGroupName": 5}')
        self.assertEqual((status, err["__type"]), (400, "SerializationException"))
        status, err = raw("CreateLogGroup", b'{"logGroupName": ')
        self.assertEqual((status, err["__type"]), (400, "SerializationException"))
        status, err = raw("PutLogEvents", json.dumps({
            "logGroupName": "g", "logStreamName": "s",
            "logEvents": [{"timestamp": "now", "message": "x"}]}).encode())
        self.assertEqual((status, err["__type"]), (400, "SerializationException"))
        status, err = raw("PutLogEvents", json.dumps({
            "logGroupName": "g", "logStreamName": "s", "logEvents": [{"message": "x"}]}).encode())
        self.assertEqual((status, err["__type"]), (400, "InvalidParameterException"))
        status, err = raw("GetLogEvents", json.dumps({
            "logGroupName": "g", "logGroupIdentifier": "g", "logStreamName": "s"}).encode())
        self.assertEqual((status, err["__type"]), (400, "InvalidParameterException"))
        status, err = raw("DescribeLogGroups", b'{"limit": 51}')
        self.assertEqual((status, err["__type"]), (400, "InvalidParameterException"))
        status, err = raw("NoSuchOperation", b"{}")
        self.assertEqual((status, err["__type"]), (400, "UnknownOperationException"))
        # unsigned: refused before any handler
        status, _, _ = signed_request(self.server, "POST", "/", body=b"{}", service="logs",
                                      sign=False, headers={
                                          "X-Amz-Target": "Logs_20140328.DescribeLogGroups"})
        self.assertIn(status, (400, 403))

    def test_recorded_in_cloudtrail(self):
        """Group and stream calls are management events of logs.amazonaws.com; the log-event
        calls are not (CloudTrail does not record them as management events)."""
        self.logs.create_log_group(logGroupName="g")
        self.logs.create_log_stream(logGroupName="g", logStreamName="s")
        self.put("g", "s", [(now_ms(), "x")])
        self.logs.get_log_events(logGroupName="g", logStreamName="s")
        self.logs.filter_log_events(logGroupName="g")
        self.logs.describe_log_groups()   # the marker: recorded after all of the above
        ct = self.server.client("cloudtrail")
        names = []
        for _ in range(300):
            events = ct.lookup_events(LookupAttributes=[
                {"AttributeKey": "EventSource", "AttributeValue": "logs.amazonaws.com"}])["Events"]
            names = sorted(e["EventName"] for e in events)
            if "DescribeLogGroups" in names:
                break
            time.sleep(0.1)
        self.assertEqual(names, ["CreateLogGroup", "CreateLogStream", "DescribeLogGroups"])

    # ---- retention ----------------------------------------------------------------------

    def test_retention_deletes_old_events(self):
        self.logs.create_log_group(logGroupName="g")
        self.logs.create_log_stream(logGroupName="g", logStreamName="s")
        t = now_ms()
        self.put("g", "s", [(t - 3 * DAY_MS, "three days"), (t - 3 * DAY_MS + 1, "also old")])
        self.put("g", "s", [(t - 1000, "fresh")])
        msg = self.error("InvalidParameterException", self.logs.put_retention_policy,
                         logGroupName="g", retentionInDays=2)
        self.assertIn("retentionInDays", msg)
        self.error("ResourceNotFoundException", self.logs.put_retention_policy,
                   logGroupName="nope", retentionInDays=1)
        self.server.aws("logs", "put-retention-policy", "--log-group-name", "g",
                        "--retention-in-days", "1")
        [g] = self.logs.describe_log_groups()["logGroups"]
        self.assertEqual(g["retentionInDays"], 1)
        got = self.logs.get_log_events(logGroupName="g", logStreamName="s",
                                       startFromHead=True)["events"]
        self.assertEqual([e["message"] for e in got], ["fresh"])
        [s] = self.logs.describe_log_streams(logGroupName="g")["logStreams"]
        self.assertEqual(s["storedBytes"], len("fresh"))
        self.logs.delete_retention_policy(logGroupName="g")
        [g] = self.logs.describe_log_groups()["logGroups"]
        self.assertNotIn("retentionInDays", g)

    # ---- metric filters -----------------------------------------------------------------

    def test_metric_filters(self):
        self.logs.create_log_group(logGroupName="CloudTrail/main")
        self.server.aws("logs", "put-metric-filter", "--log-group-name", "CloudTrail/main",
                        "--filter-name", "UnauthorizedAPICalls", "--filter-pattern",
                        '{ ($.errorCode = "*UnauthorizedOperation") || '
                        '($.errorCode = "AccessDenied*") }',
                        "--metric-transformations",
                        "metricName=UnauthorizedAPICalls,metricNamespace=CISBenchmark,"
                        "metricValue=1")
        self.logs.put_metric_filter(
            logGroupName="CloudTrail/main", filterName="Bytes", filterPattern="[ip, user, bytes]",
            metricTransformations=[{"metricName": "Bytes", "metricNamespace": "App",
                                    "metricValue": "$bytes", "defaultValue": 0.0,
                                    "unit": "Bytes"}])
        out = self.server.aws_json("logs", "describe-metric-filters", "--log-group-name",
                                   "CloudTrail/main")
        self.assertEqual([f["filterName"] for f in out["metricFilters"]],
                         ["Bytes", "UnauthorizedAPICalls"])
        f = out["metricFilters"][1]
        self.assertEqual(f["metricTransformations"],
                         [{"metricName": "UnauthorizedAPICalls", "metricNamespace": "CISBenchmark",
                           "metricValue": "1"}])
        self.assertEqual(f["logGroupName"], "CloudTrail/main")
        self.assertEqual(out["metricFilters"][0]["metricTransformations"][0]["unit"], "Bytes")
        [g] = self.logs.describe_log_groups()["logGroups"]
        self.assertEqual(g["metricFilterCount"], 2)
        got = self.logs.describe_metric_filters(metricName="Bytes", metricNamespace="App")
        self.assertEqual([f["filterName"] for f in got["metricFilters"]], ["Bytes"])
        got = self.logs.describe_metric_filters(logGroupName="CloudTrail/main",
                                                filterNamePrefix="Unauth")
        self.assertEqual([f["filterName"] for f in got["metricFilters"]], ["UnauthorizedAPICalls"])
        page = self.logs.describe_metric_filters(limit=1)
        self.assertEqual(len(page["metricFilters"]), 1)
        self.assertIn("nextToken", page)
        # replacing keeps one filter of the name
        self.logs.put_metric_filter(
            logGroupName="CloudTrail/main", filterName="Bytes", filterPattern="[ip, user, b]",
            metricTransformations=[{"metricName": "B", "metricNamespace": "App",
                                    "metricValue": "$b"}])
        got = self.logs.describe_metric_filters(logGroupName="CloudTrail/main",
                                                filterNamePrefix="Bytes")["metricFilters"]
        self.assertEqual([f["filterPattern"] for f in got], ["[ip, user, b]"])
        msg = self.error("InvalidParameterException", self.logs.put_metric_filter,
                         logGroupName="CloudTrail/main", filterName="bad", filterPattern="{ $.x = ",
                         metricTransformations=[{"metricName": "m", "metricNamespace": "n",
                                                 "metricValue": "1"}])
        self.assertIn("filter pattern", msg)
        self.error("ResourceNotFoundException", self.logs.put_metric_filter,
                   logGroupName="nope", filterName="f", filterPattern="",
                   metricTransformations=[{"metricName": "m", "metricNamespace": "n",
                                           "metricValue": "1"}])
        self.error("ResourceNotFoundException", self.logs.describe_metric_filters,
                   logGroupName="nope")
        self.logs.delete_metric_filter(logGroupName="CloudTrail/main", filterName="Bytes")
        msg = self.error("ResourceNotFoundException", self.logs.delete_metric_filter,
                         logGroupName="CloudTrail/main", filterName="Bytes")
        self.assertEqual(msg, "The specified metric filter does not exist.")

    def test_test_metric_filter(self):
        out = self.server.aws_json(
            "logs", "test-metric-filter", "--filter-pattern",
            '{ $.errorCode = "AccessDenied*" }', "--log-event-messages",
            trail_event("GetObject", "AccessDenied"), trail_event("PutObject"),
            trail_event("ListBuckets", "AccessDeniedException"))
        self.assertEqual([m["eventNumber"] for m in out["matches"]], [1, 3])
        self.assertEqual(out["matches"][0]["extractedValues"], {"$.errorCode": "AccessDenied"})
        self.assertEqual(out["matches"][1]["eventMessage"],
                         trail_event("ListBuckets", "AccessDeniedException"))
        out = self.logs.test_metric_filter(
            filterPattern="[ip, user, status=4*, bytes > 100]",
            logEventMessages=["10.0.0.1 alice 404 512", "10.0.0.2 bob 200 900",
                              "10.0.0.3 carol 403 50"])
        [m] = out["matches"]
        self.assertEqual(m["eventNumber"], 1)
        self.assertEqual(m["extractedValues"], {"$ip": "10.0.0.1", "$user": "alice",
                                                "$status": "404", "$bytes": "512"})
        msg = self.error("InvalidParameterException", self.logs.test_metric_filter,
                         filterPattern="[a, b", logEventMessages=["x"])
        self.assertIn("filter pattern", msg)

    # ---- accounts -----------------------------------------------------------------------

    def test_other_account_cannot_see_groups(self):
        self.server.stop()
        self.server.add_user("other", OTHER_KEY, OTHER_SECRET, OTHER)
        self.server.start()
        self.logs = self.server.client("logs")
        other = boto3.session.Session().client(
            "logs", region_name=self.server.region, endpoint_url=self.server.endpoint,
            aws_access_key_id=OTHER_KEY, aws_secret_access_key=OTHER_SECRET,
            config=botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"}))
        self.logs.create_log_group(logGroupName="private")
        self.logs.create_log_stream(logGroupName="private", logStreamName="s")
        self.put("private", "s", [(now_ms(), "secret")])
        self.assertEqual(other.describe_log_groups()["logGroups"], [])
        for fn, kw in [(other.get_log_events, {"logGroupName": "private", "logStreamName": "s"}),
                       (other.filter_log_events, {"logGroupName": "private"}),
                       (other.describe_log_streams, {"logGroupName": "private"}),
                       (other.delete_log_group, {"logGroupName": "private"}),
                       (other.put_log_events, {"logGroupName": "private", "logStreamName": "s",
                                               "logEvents": [{"timestamp": now_ms(),
                                                              "message": "x"}]}),
                       (other.get_log_events, {
                           "logGroupIdentifier": "arn:aws:logs:us-east-1:%s:log-group:private"
                                                 % OWNER, "logStreamName": "s"})]:
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                fn(**kw)
            self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceNotFoundException")
        other.create_log_group(logGroupName="private")   # its own, of the same name
        [g] = other.describe_log_groups()["logGroups"]
        self.assertIn(":%s:" % OTHER, g["arn"])
        # another region of the same account is another namespace too
        east2 = self.server.client("logs", region="us-east-2")
        self.assertEqual(east2.describe_log_groups()["logGroups"], [])
        got = self.logs.get_log_events(logGroupName="private", logStreamName="s")["events"]
        self.assertEqual([e["message"] for e in got], ["secret"])


if __name__ == "__main__":
    main()

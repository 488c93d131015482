"""Trails into CloudWatch Logs: a logging trail with a log group ARN streams every event it
records into stream <account>_CloudTrail_<region> of that group as the events are acknowledged
(the trail's log files are not due for an hour here), each message the record exactly as the log
file holds it; exactly once across kill -9; a missing group is reported by GetTrailStatus and
skipped until it exists; a trail that is not logging, or whose group is another account's,
writes nothing. With the real aws CLI and boto3."""
import concurrent.futures
import gzip
import json
import threading
import time

import boto3
import botocore.config

import otharness
import test_crash  # its load generator (a module import: its tests do not run here)
from otlogs import all_log_objects
from test_pipeline import ACCT, audit_event, wait_for

REGION = "us-east-1"
STREAM = "%s_CloudTrail_%s" % (ACCT, REGION)
ROLE = "arn:aws:iam::%s:role/CloudTrail_CloudWatchLogs" % ACCT
OTHER, OTHER_KEY, OTHER_SECRET = "999999999999", "AKIAOTHERSTREAM00001", "other-stream-secret-0123456789abcdefgh"


def group_arn(name, account=ACCT):
    return "arn:aws:logs:%s:%s:log-group:%s:*" % (REGION, account, name)


def iso_ms(t):
    return int(time.mktime(time.strptime(t, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone) * 1000


class LogsStream(otharness.ServerTestCase):
    delivery_interval = "1h"   # log files only when logging stops: the stream must not wait

    def setUp(self):
        super().setUp()
        self.ct = self.server.client("cloudtrail")
        self.logs = self.server.client("logs")
        self.data = self.server.client("cloudtrail-data")
        self.server.aws("s3api", "create-bucket", "--bucket", "trail-logs")

    def trail(self, name, group, start=True):
        s = self.server
        arn = s.aws_json("cloudtrail", "create-trail", "--name", name, "--s3-bucket-name",
                         "trail-logs")["TrailARN"]
        if group:
            out = s.aws_json("cloudtrail", "update-trail", "--name", name,
                             "--cloud-watch-logs-log-group-arn", group_arn(group),
                             "--cloud-watch-logs-role-arn", ROLE)
            self.assertEqual(out["CloudWatchLogsLogGroupArn"], group_arn(group))
        if start:
            s.aws("cloudtrail", "start-logging", "--name", name)
        return arn

    def channel(self, name, trail_arns):
        dest = [{"Type": "AWS_SERVICE", "Location": a} for a in trail_arns]
        return self.ct.create_channel(Name=name, Source="Custom", Destinations=dest)["ChannelArn"]

    def put(self, channel, uids):
        events = [{"id": "e%d" % i, "eventData": audit_event(u)} for i, u in enumerate(uids)]
        out = self.data.put_audit_events(channelArn=channel, auditEvents=events)
        self.assertEqual(out["failed"], [])
        return {x["eventID"] for x in out["successful"]}

    def events(self, group):
        """Every event of the group, through FilterLogEvents' pages."""
        out = []
        for page in self.logs.get_paginator("filter_log_events").paginate(logGroupName=group):
            out += page["events"]
        return out

    def activity_ids(self, group):
        return [json.loads(e["message"])["eventID"] for e in self.events(group)
                if json.loads(e["message"]).get("eventCategory") == "ActivityAuditLog"]

    def test_events_stream_as_acknowledged_with_the_log_files_bytes(self):
        s = self.server
        s.aws("logs", "create-log-group", "--log-group-name", "CloudTrail/main")
        arn = self.trail("main", "CloudTrail/main")
        acked = self.put(self.channel("app", [arn]), ["u1", "u2", "u3"])
        got = wait_for(lambda: acked <= set(self.activity_ids("CloudTrail/main")))
        self.assertTrue(got, "acknowledged events did not reach the log group")
        # the real aws CLI sees them, in the trail's stream, with a pattern
        out = s.aws_json("logs", "filter-log-events", "--log-group-name", "CloudTrail/main",
                         "--filter-pattern", '{ $.eventCategory = "ActivityAuditLog" }')
        self.assertEqual({json.loads(e["message"])["eventID"] for e in out["events"]}, acked)
        self.assertEqual({e["logStreamName"] for e in out["events"]}, {STREAM})
        streams = s.aws_json("logs", "describe-log-streams", "--log-group-name", "CloudTrail/main")
        self.assertEqual([x["logStreamName"] for x in streams["logStreams"]], [STREAM])
        # the trail's own management events stream too (StartLogging was recorded by it)
        names = [json.loads(e["message"])["eventName"] for e in self.events("CloudTrail/main")]
        self.assertIn("StartLogging", names)
        # timestamp is the eventTime; the message is the log file's record, byte for byte
        streamed = {json.loads(e["message"])["eventID"]: e for e in self.events("CloudTrail/main")}
        s.aws("cloudtrail", "stop-logging", "--name", "main")   # writes the log files
        # routed before the stop took effect, as in the log file: the stream's last event
        names = [json.loads(e["message"])["eventName"] for e in self.events("CloudTrail/main")]
        self.assertEqual(names.count("StopLogging"), 1, names)
        s3 = s.client("s3")
        text = b"".join(gzip.decompress(s3.get_object(Bucket="trail-logs", Key=k)["Body"].read())
                        for k in all_log_objects(s3, "trail-logs"))
        self.assertTrue(text, "no log file was written")
        for eid in acked:
            e = streamed[eid]
            self.assertIn(e["message"].encode(), text, "message differs from the file's record")
            self.assertEqual(e["timestamp"], iso_ms(json.loads(e["message"])["eventTime"]))
        status = self.ct.get_trail_status(Name="main")
        self.assertIn("LatestCloudWatchLogsDeliveryTime", status)
        self.assertNotIn("LatestCloudWatchLogsDeliveryError", status)

    def test_stream_holds_exactly_the_log_files_events(self):
        """Delivery's routing: event selectors (write-only management events here) and the
        channel decide for the stream as for the log files."""
        s = self.server
        s.aws("logs", "create-log-group", "--log-group-name", "ct")
        arn = self.trail("main", "ct", start=False)
        s.aws("cloudtrail", "put-event-selectors", "--trail-name", "main", "--event-selectors",
              json.dumps([{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}]))
        s.aws("cloudtrail", "start-logging", "--name", "main")
        ch = self.channel("app", [arn])
        self.put(ch, ["p1", "p2"])
        for _ in range(3):
            s.aws("cloudtrail", "describe-trails")   # read-only: not recorded by this trail
        s.aws("cloudtrail", "add-tags", "--resource-id", arn, "--tags-list", "Key=k,Value=v")
        s.aws("cloudtrail", "stop-logging", "--name", "main")
        s3 = s.client("s3")
        in_files = set()
        for k in all_log_objects(s3, "trail-logs"):
            body = gzip.decompress(s3.get_object(Bucket="trail-logs", Key=k)["Body"].read())
            in_files |= {r["eventID"] for r in json.loads(body)["Records"]}
        streamed = [json.loads(e["message"]) for e in self.events("ct")]
        self.assertEqual(sorted(r["eventID"] for r in streamed), sorted(in_files))
        names = {r["eventName"] for r in streamed}
        self.assertIn("AddTags", names)
        self.assertNotIn("DescribeTrails", names)

    def test_kill9_under_load_streams_each_event_once(self):
        s = self.server
        s.aws("logs", "create-log-group", "--log-group-name", "ct")
        ch = self.channel("load", [self.trail("load", "ct")])
        acked, stop = [], threading.Event()
        load = lambda worker: test_crash.CrashTest.load(self, s.client("cloudtrail-data"), ch,
                                                         acked, stop, worker)
        with concurrent.futures.ThreadPoolExecutor(4) as clients:   # waits for them at the end
            for worker in range(4):
                clients.submit(load, worker)
            wait_for(lambda: len(acked) > 1000, timeout=60, step=0.1)
            s.kill9()   # while the stream is busy: it lags the acknowledgements a little
            stop.set()
        self.assertGreater(len(acked), 500, "the load did not get going")
        s.start()
        self.logs = s.client("logs")
        ids = wait_for(lambda: (lambda v: v if set(acked) <= set(v) else None)(
            self.activity_ids("ct")), timeout=60, step=1)
        self.assertTrue(ids, "acknowledged events are missing from the stream")
        counts = {}
        for e in ids:
            counts[e] = counts.get(e, 0) + 1
        self.assertEqual([e for e, c in counts.items() if c > 1], [], "events streamed twice")

    def test_missing_group_is_reported_then_streaming_resumes(self):
        s = self.server
        ch = self.channel("app", [self.trail("main", "later")])
        early = self.put(ch, ["a1", "a2"])
        status = wait_for(lambda: (lambda st: st if "LatestCloudWatchLogsDeliveryError" in st
                                   else None)(self.ct.get_trail_status(Name="main")))
        self.assertTrue(status, "GetTrailStatus never showed the error")
        self.assertIn("log group does not exist", status["LatestCloudWatchLogsDeliveryError"])
        self.assertNotIn("LatestCloudWatchLogsDeliveryTime", status)
        _, out, _ = s.aws("cloudtrail", "get-trail-status", "--name", "main")
        self.assertIn("LatestCloudWatchLogsDeliveryError", out)
        s.aws("logs", "create-log-group", "--log-group-name", "later")
        late = self.put(ch, ["b1", "b2"])
        self.assertTrue(wait_for(lambda: late <= set(self.activity_ids("later"))))
        self.assertEqual(set(self.activity_ids("later")) & early, set(),
                         "events of the time the group was missing were written (AWS skips them)")
        status = self.ct.get_trail_status(Name="main")
        self.assertNotIn("LatestCloudWatchLogsDeliveryError", status)
        self.assertIn("LatestCloudWatchLogsDeliveryTime", status)

    def test_not_logging_trail_streams_nothing(self):
        s = self.server
        for g in ("idle", "control"):
            s.aws("logs", "create-log-group", "--log-group-name", g)
        idle = self.trail("idle", "idle", start=False)
        control = self.trail("control", "control")
        acked = self.put(self.channel("both", [idle, control]), ["x1", "x2"])
        # the reader passed these events: the control trail has them, the idle one nothing
        self.assertTrue(wait_for(lambda: acked <= set(self.activity_ids("control"))))
        self.assertEqual(self.events("idle"), [])

    def test_other_accounts_trail_never_writes_into_this_accounts_group(self):
        s = self.server
        s.stop()
        s.add_user("other", OTHER_KEY, OTHER_SECRET, OTHER)
        s.start()
        s.aws("logs", "create-log-group", "--log-group-name", "victim")
        cfg = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"},
                                     s3={"addressing_style": "path"})
        other = lambda svc: boto3.session.Session().client(
            svc, region_name=REGION, endpoint_url=s.endpoint, aws_access_key_id=OTHER_KEY,
            aws_secret_access_key=OTHER_SECRET, config=cfg)
        ct = other("cloudtrail")
        other("s3").create_bucket(Bucket="other-logs")
        ct.create_trail(Name="sneaky", S3BucketName="other-logs",
                        CloudWatchLogsLogGroupArn=group_arn("victim"),
                        CloudWatchLogsRoleArn="arn:aws:iam::%s:role/x" % OTHER)
        ct.start_logging(Name="sneaky")
        ct.describe_trails()   # management events the trail records
        status = wait_for(lambda: (lambda st: st if "LatestCloudWatchLogsDeliveryError" in st
                                   else None)(ct.get_trail_status(Name="sneaky")))
        self.assertTrue(status, "the refused group never showed in GetTrailStatus")
        self.assertIn("another account", status["LatestCloudWatchLogsDeliveryError"])
        self.assertEqual(self.events("victim"), [])


if __name__ == "__main__":
    otharness.main()

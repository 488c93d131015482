"""Issue 12 item 7: CloudTrail Insights computed from a trail's events, driven with the real
aws CLI and boto3.

A trail with both Insights types gets 26 hours of generated traffic sent through a
CloudTrailRecords channel with past eventTimes (the detector works in event time): a sparse
baseline of RunInstances and of failing GetRolePolicy calls, a steady stream of CreateTags,
then a five-minute burst of RunInstances and a three-minute burst of NoSuchEntityException
errors. LookupEvents --event-category insight must then find exactly a Start at the first
minute of each burst and an End at the minute after its last, sharing their sharedEventID, with
the statistics and attributions (who made the calls, with which user agent, with which error
code) computed here from the same traffic; the steady stream raises none; the same
records are in the trail's bucket under CloudTrail-Insight/, and a trail without Insights gets
no such files. A kill -9 halfway through the traffic changes none of it."""
import datetime
import json
import re
import time
import uuid

from otharness import ServerTestCase, main
from otlogs import decode_log_file

ACCT = "123456789012"
REGION = "us-east-1"
MINUTE = 60
INSIGHT_KEY_RE = re.compile(
    r"^AWSLogs/%s/CloudTrail-Insight/%s/(\d{4})/(\d{2})/(\d{2})/"
    r"%s_CloudTrail-Insight_%s_(\d{8}T\d{4}Z)_[A-Za-z0-9]{16}\.json\.gz$"
    % (ACCT, REGION, ACCT, REGION))


def iso(minute, second=0):
    t = datetime.datetime.fromtimestamp(minute * MINUTE + second, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


ALICE = "arn:aws:iam::%s:user/alice" % ACCT
BOB = "arn:aws:iam::%s:user/bob" % ACCT


def record(minute, second, source, name, read_only, error=None, user=ALICE):
    rec = {"eventVersion": "1.09",
           "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE",
                            "arn": user, "accountId": ACCT},
           "eventTime": iso(minute, second), "eventSource": source, "eventName": name,
           "awsRegion": REGION, "sourceIPAddress": "198.51.100.7", "userAgent": "test",
           "requestParameters": None, "responseElements": None,
           "requestID": str(uuid.uuid4()), "eventID": str(uuid.uuid4()),
           "eventType": "AwsApiCall", "managementEvent": True, "readOnly": read_only,
           "recipientAccountId": ACCT, "eventCategory": "Management"}
    if error:
        rec["errorCode"] = error
        rec["errorMessage"] = "The role policy cannot be found."
    return rec


def run_instances(minute, second=0, user=ALICE):
    return record(minute, second, "ec2.amazonaws.com", "RunInstances", False, user=user)


def create_tags(minute, second=0):
    return record(minute, second, "ec2.amazonaws.com", "CreateTags", False)


def no_such_policy(minute, second=0):
    return record(minute, second, "iam.amazonaws.com", "GetRolePolicy", True,
                  "NoSuchEntityException")


class Traffic:
    """The generated traffic and the facts the detector must find in it."""

    def __init__(self, now_minute):
        self.t0 = now_minute - 27 * 60                # the first minute counted
        self.spike = self.t0 + 25 * 60 + 7            # RunInstances: 5 minutes of 20 calls
        self.errors = self.spike + 30                 # GetRolePolicy errors: 3 minutes of 15
        self.last = self.errors + 12
        self.records = []
        for m in range(self.t0, self.last + 1):
            in_spike = self.spike <= m < self.spike + 5
            in_errors = self.errors <= m < self.errors + 3
            if m % 10 == 0 and not in_spike:
                self.records.append(run_instances(m, 5))
            if (m % 60 == 0 and not in_errors) or m == self.errors + 8:  # (one after it)
                self.records.append(no_such_policy(m, 6))
            self.records += [create_tags(m, s) for s in range(1 + m % 3)]  # 1, 2, 3 a minute
            if in_spike:  # 15 of bob's, 5 of alice's
                self.records += [run_instances(m, s, BOB if s < 15 else ALICE)
                                 for s in range(20)]
            if in_errors:
                self.records += [no_such_policy(m, 2 * s) for s in range(15)]

    def baseline(self, name, start):
        """(average, minutes) of name's calls before start, as the detector sees them."""
        minutes = start - self.t0
        calls = sum(1 for r in self.records if r["eventName"] == name and
                    r["eventTime"] < iso(start))
        return calls / minutes, minutes


class Insights(ServerTestCase):
    def setUp(self):
        super().setUp()
        s = self.server
        for b in ("ins-a", "ins-b"):
            s.aws("s3api", "create-bucket", "--bucket", b)
        self.arn = s.aws_json("cloudtrail", "create-trail", "--name", "watched",
                              "--s3-bucket-name", "ins-a")["TrailARN"]
        s.aws_json("cloudtrail", "create-trail", "--name", "plain", "--s3-bucket-name", "ins-b")
        for t in ("watched", "plain"):
            s.aws("cloudtrail", "start-logging", "--name", t)
        s.aws("cloudtrail", "put-insight-selectors", "--trail-name", "watched",
              "--insight-selectors", json.dumps([{"InsightType": "ApiCallRateInsight"},
                                                 {"InsightType": "ApiErrorRateInsight"}]))
        self.channel = s.aws_json(
            "cloudtrail", "create-channel", "--name", "forwarded", "--source",
            "CloudTrailRecords", "--destinations",
            json.dumps([{"Type": "AWS_SERVICE", "Location": self.arn}]))["ChannelArn"]

    def send(self, records):
        data = self.server.client("cloudtrail-data")
        for i in range(0, len(records), 100):
            chunk = records[i:i + 100]
            out = data.put_audit_events(channelArn=self.channel, auditEvents=[
                {"id": str(k), "eventData": json.dumps(r)} for k, r in enumerate(chunk)])
            self.assertEqual(out["failed"], [])

    def lookup_insights(self, *args):
        out = self.server.aws_json("cloudtrail", "lookup-events", "--event-category", "insight",
                                   *args)
        return out["Events"]

    def wait_for_insights(self, n):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            events = self.lookup_insights()
            if len(events) >= n:
                return events
            time.sleep(0.5)
        self.fail("expected %d Insights events, found %d:\n%s" % (
            n, len(events), self.server.log_text()[-3000:]))

    def check_pair(self, events, traffic, name, source, kind, start, minutes, rate):
        pair = sorted((json.loads(e["CloudTrailEvent"]) for e in events
                       if e["EventName"] == name), key=lambda r: r["eventTime"])
        self.assertEqual([r["insightDetails"]["state"] for r in pair], ["Start", "End"])
        self.assertEqual([r["eventTime"] for r in pair], [iso(start), iso(start + minutes)])
        self.assertEqual(pair[0]["sharedEventID"], pair[1]["sharedEventID"])
        self.assertNotEqual(pair[0]["eventID"], pair[1]["eventID"])
        average, baseline_minutes = traffic.baseline(name, start)
        for r, duration in zip(pair, (1, minutes)):
            self.assertEqual(set(r), {"eventVersion", "eventTime", "awsRegion", "eventID",
                                      "eventType", "recipientAccountId", "sharedEventID",
                                      "insightDetails", "eventCategory"})
            self.assertEqual((r["eventVersion"], r["eventType"], r["eventCategory"]),
                             ("1.07", "AwsCloudTrailInsight", "Insight"))
            self.assertEqual((r["awsRegion"], r["recipientAccountId"]), (REGION, ACCT))
            d = r["insightDetails"]
            self.assertEqual((d["eventSource"], d["eventName"], d["insightType"]),
                             (source, name, kind))
            self.assertEqual(d.get("errorCode"), "NoSuchEntityException"
                             if kind == "ApiErrorRateInsight" else None)
            st = d["insightContext"]["statistics"]
            self.assertAlmostEqual(st["baseline"]["average"], average, places=9)
            self.assertEqual(st["baselineDuration"], baseline_minutes)
            self.assertEqual(st["insightDuration"], duration)
            self.assertEqual(st["insight"]["average"], rate)
            self.check_attributions(d["insightContext"]["attributions"], kind, rate, average)
        return pair

    def check_attributions(self, got, kind, rate, baseline):
        users = [(BOB, 15), (ALICE, 5)] if kind == "ApiCallRateInsight" else [(ALICE, rate)]
        want = [("userIdentityArn", users, [(ALICE, baseline)]),
                ("userAgent", [("test", rate)], [("test", baseline)])]
        if kind == "ApiCallRateInsight":  # top error codes: "null" is no error
            want.append(("errorCode", [("null", rate)], [("null", baseline)]))
        self.assertEqual([a["attribute"] for a in got], [w[0] for w in want])
        for a, (_, insight, base) in zip(got, want):
            self.assertEqual(set(a), {"attribute", "insight", "baseline"})
            for values, expected in ((a["insight"], insight), (a["baseline"], base)):
                self.assertEqual([v["value"] for v in values], [e[0] for e in expected])
                for v, e in zip(values, expected):
                    self.assertAlmostEqual(v["average"], e[1], places=9)

    def test_a_spike_starts_and_ends_an_insight_and_steady_traffic_raises_none(self):
        s = self.server
        traffic = Traffic(int(time.time()) // MINUTE)
        # half the traffic, kill -9 (the reader may be in the middle of a batch), the rest:
        # every record is counted exactly once, or the statistics below would be off
        half = len(traffic.records) // 2
        self.send(traffic.records[:half])
        s.kill9()
        s.start()
        self.send(traffic.records[half:])
        events = self.wait_for_insights(4)
        time.sleep(1)  # anything more would come with the same batches
        events = self.lookup_insights()
        self.assertEqual(sorted(e["EventName"] for e in events),
                         ["GetRolePolicy", "GetRolePolicy", "RunInstances", "RunInstances"])
        for e in events:  # LookupEvents names the API from insightDetails
            self.assertEqual(e["EventSource"], {"RunInstances": "ec2.amazonaws.com",
                                                "GetRolePolicy": "iam.amazonaws.com"}[
                                                    e["EventName"]])
        calls = self.check_pair(events, traffic, "RunInstances", "ec2.amazonaws.com",
                                "ApiCallRateInsight", traffic.spike, 5, 20)
        errors = self.check_pair(events, traffic, "GetRolePolicy", "iam.amazonaws.com",
                                 "ApiErrorRateInsight", traffic.errors, 3, 15)
        # one attribute per lookup, as for management events
        only = self.lookup_insights("--lookup-attributes",
                                    "AttributeKey=EventName,AttributeValue=RunInstances")
        self.assertEqual(sorted(json.loads(e["CloudTrailEvent"])["eventID"] for e in only),
                         sorted(r["eventID"] for r in calls))
        # management lookups never show them
        mgmt = s.aws_json("cloudtrail", "lookup-events", "--lookup-attributes",
                          "AttributeKey=EventName,AttributeValue=RunInstances",
                          "--max-results", "50")["Events"]
        self.assertTrue(mgmt)
        self.assertFalse([e for e in mgmt
                          if "AwsCloudTrailInsight" in e["CloudTrailEvent"]])
        # the same records in the trail's bucket, under CloudTrail-Insight/
        s3 = s.client("s3")
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="ins-a", Prefix="AWSLogs/").get(
            "Contents", []) if "/CloudTrail-Insight/" in o["Key"]]
        self.assertTrue(keys)
        delivered = []
        for key in keys:
            m = INSIGHT_KEY_RE.match(key)
            self.assertIsNotNone(m, key)
            self.assertEqual(m.group(4)[:8], "".join(m.group(1, 2, 3)))
            delivered += decode_log_file(s3.get_object(Bucket="ins-a", Key=key)["Body"].read())
        self.assertEqual(sorted(r["eventID"] for r in delivered),
                         sorted(r["eventID"] for r in calls + errors))
        self.assertEqual(sorted(json.dumps(r, sort_keys=True) for r in delivered),
                         sorted(json.dumps(r, sort_keys=True) for r in calls + errors))
        # a trail without Insights gets none, though it records the same events
        plain = [o["Key"] for o in s3.list_objects_v2(Bucket="ins-b").get("Contents", [])]
        self.assertFalse([k for k in plain if "CloudTrail-Insight" in k])
        # after a restart nothing is raised again
        s.restart()
        self.send([create_tags(traffic.last + 1)])
        time.sleep(2)
        self.assertEqual(len(self.lookup_insights()), 4)


if __name__ == "__main__":
    main()

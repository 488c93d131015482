"""End to end: LookupEvents with the real aws CLI and boto3 paginators.

Events reach the history two ways: the server's own audited calls (through the WAL and the
history feeder) and `opentrail import` of a gen_events.py corpus. Every attribute key is checked
against counts computed independently in Python over the same corpus; a 10k+ event pagination
runs while other calls keep adding events; every documented error is provoked.
"""
import collections
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

import botocore.exceptions

import otharness

GEN = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared", "tools", "gen_events.py")
if not os.path.exists(GEN):
    GEN = "/work/shared/tools/gen_events.py"
EVENTS = 14000


def username(rec):
    """AWS event history's Username, computed independently of the C code."""
    ui = rec.get("userIdentity") or {}
    t = ui.get("type")
    arn = ui.get("arn") or ""
    if t == "AssumedRole" and ":assumed-role/" in arn:
        return arn.rsplit("/", 1)[1]
    if t == "FederatedUser" and ":federated-user/" in arn:
        return arn.rsplit("/", 1)[1]
    if ui.get("userName"):
        return ui["userName"]
    if t == "Root":
        return "root"
    return None


def is_management(rec):
    if rec.get("eventType") == "AwsCloudTrailInsight":
        return False
    cat = rec.get("eventCategory")
    if cat is not None:
        return cat == "Management"
    return rec.get("managementEvent", True) is not False


class Corpus:
    """Generated once for the module: NDJSON, plus the expected answers."""
    dir = None
    records = []

    @classmethod
    def make(cls):
        if cls.dir:
            return
        cls.dir = tempfile.mkdtemp(prefix="ot-corpus-")
        path = os.path.join(cls.dir, "events.ndjson")
        subprocess.run([sys.executable, GEN, "--events", str(EVENTS), "--seed", "11", "--regions", "1",
                        "--accounts", "1", "--ndjson", path], check=True, capture_output=True)
        with open(path) as f:
            cls.records = [json.loads(line) for line in f]
        cls.path = path
        cls.mgmt = [r for r in cls.records if is_management(r) and r["awsRegion"] == "us-east-1"]


def expected(key, value):
    out = []
    for r in Corpus.mgmt:
        if key == "EventId":
            ok = r["eventID"] == value
        elif key == "EventName":
            ok = r.get("eventName") == value
        elif key == "ReadOnly":
            ok = "readOnly" in r and str(r["readOnly"]).lower() == value
        elif key == "Username":
            ok = username(r) == value
        elif key == "ResourceType":
            ok = any(x.get("type") == value for x in r.get("resources") or [])
        elif key == "ResourceName":
            ok = any((x.get("ARN") or x.get("ARNPrefix")) == value for x in r.get("resources") or [])
        elif key == "EventSource":
            ok = r.get("eventSource") == value
        elif key == "AccessKeyId":
            ok = (r.get("userIdentity") or {}).get("accessKeyId") == value
        if ok:
            out.append(r["eventID"])
    return set(out)


def most_common(values):
    return collections.Counter(v for v in values if v).most_common(1)[0][0]


class LookupEventsTest(otharness.ServerTestCase):
    def import_corpus(self):
        Corpus.make()
        p = subprocess.run([otharness.BIN, "import", Corpus.path, "--data-dir", self.server.data_dir],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr + p.stdout)
        self.assertIn("%d new" % EVENTS, p.stdout)

    def lookup_all(self, ct, **kw):
        ids = []
        for page in ct.get_paginator("lookup_events").paginate(**kw):
            ids.extend(e["EventId"] for e in page["Events"])
        return ids

    def test_every_attribute_against_the_corpus(self):
        self.import_corpus()
        ct = self.server.client("cloudtrail")
        m = Corpus.mgmt
        picks = {
            "EventId": m[1234]["eventID"],
            "EventName": most_common(r.get("eventName") for r in m),
            "ReadOnly": "false",
            "Username": most_common(username(r) for r in m),
            "ResourceType": most_common(x.get("type") for r in m for x in r.get("resources") or []),
            "ResourceName": most_common(x.get("ARN") for r in m for x in r.get("resources") or []),
            "EventSource": "iam.amazonaws.com",
            "AccessKeyId": most_common((r.get("userIdentity") or {}).get("accessKeyId") for r in m),
        }
        for key, value in picks.items():
            want = expected(key, value)
            self.assertTrue(want, key)
            got = self.lookup_all(ct, LookupAttributes=[{"AttributeKey": key, "AttributeValue": value}])
            self.assertEqual(len(got), len(set(got)), key)
            # the server's own calls (LookupEvents by this test) are management events too
            if key in ("ReadOnly", "AccessKeyId", "Username", "EventSource"):
                got = [g for g in got if g in {r["eventID"] for r in m}]
            self.assertEqual(set(got), want, "%s=%s" % (key, value))
        # the real aws CLI, one key, with a time range (inclusive bounds)
        name = picks["EventName"]
        times = sorted(r["eventTime"] for r in m if r.get("eventName") == name)
        start, end = times[len(times) // 4], times[3 * len(times) // 4]
        want = {r["eventID"] for r in m if r.get("eventName") == name and start <= r["eventTime"] <= end}
        out = self.server.aws_json("cloudtrail", "lookup-events", "--lookup-attributes",
                                   "AttributeKey=EventName,AttributeValue=" + name,
                                   "--start-time", start, "--end-time", end)
        got = [e["EventId"] for e in out["Events"]]
        self.assertEqual(set(got), want)
        times_got = [e["EventTime"] for e in out["Events"]]
        self.assertEqual(times_got, sorted(times_got, reverse=True))   # newest first
        ev = out["Events"][0]
        rec = json.loads(ev["CloudTrailEvent"])
        self.assertEqual(rec["eventID"], ev["EventId"])
        self.assertIn(ev["ReadOnly"], ("true", "false"))
        # Insights events only with EventCategory=insight, and never without
        self.assertEqual(self.lookup_all(ct, EventCategory="insight"), [])

    def test_own_calls_and_restart(self):
        s = self.server
        s.aws("s3api", "create-bucket", "--bucket", "hist-logs")
        s.aws("cloudtrail", "create-trail", "--name", "trail1", "--s3-bucket-name", "hist-logs")
        s.aws("cloudtrail", "describe-trails")
        ct = s.client("cloudtrail")
        deadline = time.time() + 10
        while time.time() < deadline:
            evs = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName",
                                                      "AttributeValue": "CreateTrail"}])["Events"]
            if evs:
                break
            time.sleep(0.1)
        self.assertEqual(len(evs), 1)
        e = evs[0]
        self.assertEqual(e["EventSource"], "cloudtrail.amazonaws.com")
        self.assertEqual(e["Username"], "admin")
        self.assertEqual(e["ReadOnly"], "false")
        rec = json.loads(e["CloudTrailEvent"])
        self.assertEqual(rec["requestParameters"]["name"], "trail1")
        # another region sees nothing of us-east-1's history
        other = s.client("cloudtrail", region="eu-west-1")
        self.assertEqual(other.lookup_events(LookupAttributes=[
            {"AttributeKey": "EventName", "AttributeValue": "CreateTrail"}])["Events"], [])
        before = self.lookup_all(ct, LookupAttributes=[{"AttributeKey": "EventSource",
                                                        "AttributeValue": "cloudtrail.amazonaws.com"}])
        # exactly once across a restart: nothing re-indexed, nothing lost
        s.restart()
        ct = s.client("cloudtrail")
        after = self.lookup_all(ct, LookupAttributes=[{"AttributeKey": "EventSource",
                                                       "AttributeValue": "cloudtrail.amazonaws.com"}])
        self.assertEqual(len(after), len(set(after)))
        self.assertTrue(set(before) <= set(after))
        created = [x for x in self.lookup_all(ct, LookupAttributes=[
            {"AttributeKey": "EventName", "AttributeValue": "CreateTrail"}])]
        self.assertEqual(len(created), 1)

    def test_pagination_10k_while_ingesting(self):
        self.import_corpus()
        ct = self.server.client("cloudtrail")
        stop = threading.Event()
        made = [0]

        def writer():
            c = self.server.client("cloudtrail")
            while not stop.is_set():
                c.list_trails()            # audited: a new management event each time
                made[0] += 1

        th = threading.Thread(target=writer)
        th.start()
        try:
            ids = self.lookup_all(ct, PaginationConfig={"PageSize": 50})
        finally:
            stop.set()
            th.join()
        self.assertGreater(made[0], 0)
        self.assertEqual(len(ids), len(set(ids)), "duplicates across pages")
        corpus = {r["eventID"] for r in Corpus.mgmt}
        self.assertGreater(len(corpus), 10000)
        self.assertEqual(corpus - set(ids), set(), "gaps across pages")

    def test_errors(self):
        ct = self.server.client("cloudtrail")

        def code(**kw):
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                ct.lookup_events(**kw)
            return cm.exception.response["Error"]["Code"]

        two = [{"AttributeKey": "EventName", "AttributeValue": "a"},
               {"AttributeKey": "Username", "AttributeValue": "b"}]
        self.assertEqual(code(LookupAttributes=two), "InvalidLookupAttributesException")
        self.assertEqual(code(LookupAttributes=[{"AttributeKey": "eventname", "AttributeValue": "a"}]),
                         "InvalidLookupAttributesException")
        self.assertEqual(code(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "_" * 1001}]),
                         "InvalidLookupAttributesException")
        self.assertEqual(code(StartTime=2000000000, EndTime=1000000000), "InvalidTimeRangeException")
        self.assertEqual(code(MaxResults=51), "InvalidMaxResultsException")
        self.assertEqual(code(EventCategory="management"), "InvalidEventCategoryException")
        self.assertEqual(code(EventCategory="insight", LookupAttributes=[
            {"AttributeKey": "Username", "AttributeValue": "x"}]), "InvalidLookupAttributesException")
        self.assertEqual(code(NextToken="garbage"), "InvalidNextTokenException")
        for i in range(4):
            ct.list_trails()
        time.sleep(0.5)
        page = ct.lookup_events(MaxResults=1)
        tok = page["NextToken"]
        self.assertEqual(len(ct.lookup_events(MaxResults=1, NextToken=tok)["Events"]), 1)
        bad = tok[:10] + ("A" if tok[10] != "A" else "B") + tok[11:]
        self.assertEqual(code(NextToken=bad), "InvalidNextTokenException")
        self.assertEqual(code(NextToken=tok, LookupAttributes=[
            {"AttributeKey": "EventName", "AttributeValue": "ListTrails"}]), "InvalidNextTokenException")
        # MaxResults 0 never leaves botocore (min 1): send it raw
        st, _, body = otharness.signed_request(self.server, "POST", "/", json.dumps({"MaxResults": 0}).encode(),
                                               headers={"X-Amz-Target": "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents",
                                                        "Content-Type": "application/x-amz-json-1.1"})
        self.assertEqual(st, 400)
        self.assertEqual(json.loads(body)["__type"], "InvalidMaxResultsException")
        # the CLI shows the error and fails
        rc, _, err = self.server.aws("cloudtrail", "lookup-events", "--max-results", "60", check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("InvalidMaxResultsException", err)


class ThrottleTest(otharness.ServerTestCase):
    # One call per 10 s (burst 1): the second of two back-to-back calls is throttled on any
    # machine that answers a call in under 10 s, and a call after the refill period succeeds.
    server_args = ("--lookup-rate", "0.1")

    def test_throttling(self):
        ct = self.server.client("cloudtrail")
        ct.lookup_events(MaxResults=1)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            ct.lookup_events(MaxResults=1)
        self.assertEqual(cm.exception.response["Error"]["Code"], "ThrottlingException")
        time.sleep(10.2)
        ct.lookup_events(MaxResults=1)


if __name__ == "__main__":
    otharness.main()

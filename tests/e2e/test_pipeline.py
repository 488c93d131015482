"""End to end: the quickstart, PutAuditEvents into a trail, delivered files, self-audit."""
import base64
import datetime
import hashlib
import json
import os
import time

import otharness
from otlogs import KEY_RE, all_log_objects, read_all_records

ACCT = "123456789012"


def audit_event(uid, recipient=ACCT, name="Login"):
    data = {"version": "1.0", "userIdentity": {"type": "CustomUser", "principalId": "alice"},
            "eventSource": "myapp.example.com", "eventName": name,
            "eventTime": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "UID": uid, "requestParameters": {"user": "alice"}, "sourceIPAddress": "10.0.0.1",
            "recipientAccountId": recipient}
    return json.dumps(data)


def checksum(s):
    return base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()


def wait_for(pred, timeout=30, step=0.3):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(step)
    return pred()


class PipelineTest(otharness.ServerTestCase):
    def setup_trail(self, bucket="audit-logs", name="main"):
        s = self.server
        s.aws("s3api", "create-bucket", "--bucket", bucket)
        trail = s.aws_json("cloudtrail", "create-trail", "--name", name, "--s3-bucket-name", bucket,
                           "--is-multi-region-trail")
        s.aws("cloudtrail", "start-logging", "--name", name)
        dest = json.dumps([{"Type": "AWS_SERVICE", "Location": trail["TrailARN"]}])
        channel = s.aws_json("cloudtrail", "create-channel", "--name", "app", "--source", "Custom",
                             "--destinations", dest)
        return trail["TrailARN"], channel["ChannelArn"]

    def test_quickstart_delivers_acknowledged_events_and_self_audit(self):
        s = self.server
        trail_arn, channel_arn = self.setup_trail()
        events = [{"id": "e%d" % i, "eventData": audit_event("uid-%d" % i)} for i in range(5)]
        path = os.path.join(s.tmp, "events.json")
        with open(path, "w") as f:
            json.dump(events, f)
        out = s.aws_json("cloudtrail-data", "put-audit-events", "--channel-arn", channel_arn,
                         "--audit-events", "file://" + path)
        self.assertEqual(out["failed"], [])
        self.assertEqual(sorted(x["id"] for x in out["successful"]), ["e%d" % i for i in range(5)])
        acked = {x["eventID"] for x in out["successful"]}
        # A failed call is audited too.
        rc, _, err = s.aws("cloudtrail", "get-trail", "--name", "nope-trail", check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("TrailNotFoundException", err)

        s3 = s.client("s3")
        records = wait_for(lambda: (lambda r: r if acked <= {x["eventID"] for _, x in r} and
                                    any(x.get("errorCode") for _, x in r) else None)(
                                        read_all_records(s3, "audit-logs")))
        self.assertTrue(records, "acknowledged events were not delivered")
        ids = [r["eventID"] for _, r in records]
        self.assertEqual(len(ids), len(set(ids)), "an event was delivered twice")
        for key, rec in records:
            m = KEY_RE.match(key)
            self.assertEqual(m.group("acct"), ACCT)
            self.assertEqual(m.group("region"), rec["awsRegion"])
        mine = [r for _, r in records if r["eventID"] in acked]
        self.assertEqual(len(mine), 5)
        for r in mine:
            self.assertEqual(r["eventCategory"], "ActivityAuditLog")
            self.assertEqual(r["eventSource"], "myapp.example.com")
            self.assertEqual(r["userIdentity"]["principalId"], "alice")
            self.assertEqual(r["metadata"]["channelARN"], channel_arn)
        by_name = {}
        for _, r in records:
            if r.get("eventSource") == "cloudtrail.amazonaws.com":
                by_name.setdefault(r["eventName"], []).append(r)
        for name in ("StartLogging", "CreateChannel", "GetTrail"):
            self.assertIn(name, by_name, "self-audit event %s missing" % name)
        start = by_name["StartLogging"][0]
        self.assertEqual(start["userIdentity"]["type"], "IAMUser")
        self.assertEqual(start["userIdentity"]["arn"], "arn:aws:iam::%s:user/admin" % ACCT)
        self.assertEqual(start["sourceIPAddress"], "127.0.0.1")
        self.assertTrue(start["userAgent"].startswith("aws-cli/"))
        self.assertEqual(start["requestParameters"], {"name": "main"})
        self.assertFalse(start["readOnly"])
        self.assertEqual(start["eventVersion"], "1.11")
        self.assertEqual(start["eventCategory"], "Management")
        failed = by_name["GetTrail"][0]
        self.assertEqual(failed["errorCode"], "TrailNotFoundException")
        self.assertTrue(failed["readOnly"])
        self.assertIsNone(failed["responseElements"])
        status = s.aws_json("cloudtrail", "get-trail-status", "--name", "main")
        self.assertTrue(status["IsLogging"])
        self.assertIn("LatestDeliveryTime", status)
        self.assertNotIn("LatestDeliveryError", status)

    def test_partial_failures_deliver_only_accepted_events(self):
        s = self.server
        trail_arn, channel_arn = self.setup_trail()
        data = s.client("cloudtrail-data")
        good = audit_event("g1")
        resp = data.put_audit_events(channelArn=channel_arn, auditEvents=[
            {"id": "good", "eventData": good, "eventDataChecksum": checksum(good)},
            {"id": "badsum", "eventData": good, "eventDataChecksum": checksum(good + " ")},
            {"id": "notjson", "eventData": "{oops"},
            {"id": "stranger", "eventData": audit_event("s1", recipient="999999999999")},
            {"id": "noname", "eventData": json.dumps({"version": "1"})},
        ])
        failed = {f["id"]: f["errorCode"] for f in resp["failed"]}
        self.assertEqual(failed, {"badsum": "InvalidChecksum", "notjson": "InvalidData",
                                  "stranger": "InvalidRecipient", "noname": "FieldNotFound"})
        self.assertEqual([x["id"] for x in resp["successful"]], ["good"])
        good_id = resp["successful"][0]["eventID"]
        # The request's last event failed: GetChannel reports that attempt.
        status = s.aws_json("cloudtrail", "get-channel", "--channel", channel_arn)["IngestionStatus"]
        self.assertEqual(status["LatestIngestionErrorCode"], "FieldNotFound")
        self.assertIn("LatestIngestionAttemptTime", status)
        s.aws("cloudtrail", "stop-logging", "--name", "main")   # flushes the trail now
        records = [r for _, r in read_all_records(s.client("s3"), "audit-logs")]
        activity = [r for r in records if r.get("eventCategory") == "ActivityAuditLog"]
        self.assertEqual([r["eventID"] for r in activity], [good_id])

    def test_request_level_errors_store_nothing(self):
        s = self.server
        trail_arn, channel_arn = self.setup_trail()
        data = s.client("cloudtrail-data")
        ev = audit_event("x")
        cases = [
            (dict(channelArn=channel_arn, auditEvents=[{"id": "a", "eventData": ev}, {"id": "a", "eventData": ev}]),
             "DuplicatedAuditEventId"),
            (dict(channelArn="arn:aws:cloudtrail:us-east-1:%s:channel/does-not-exist" % ACCT,
                  auditEvents=[{"id": "a", "eventData": ev}]), "ChannelNotFound"),
            (dict(channelArn="not an arn!", auditEvents=[{"id": "a", "eventData": ev}]), "InvalidChannelARN"),
            (dict(channelArn=channel_arn, auditEvents=[{"id": "e%d" % i, "eventData": ev} for i in range(101)]),
             "ValidationException"),
        ]
        for kwargs, code in cases:
            with self.assertRaises(data.exceptions.ClientError) as cm:
                data.put_audit_events(**kwargs)
            self.assertEqual(cm.exception.response["Error"]["Code"], code)
        s.aws("cloudtrail", "stop-logging", "--name", "main")
        records = [r for _, r in read_all_records(s.client("s3"), "audit-logs")]
        self.assertEqual([r for r in records if r.get("eventCategory") == "ActivityAuditLog"], [])

    def test_state_and_logs_survive_restart(self):
        s = self.server
        trail_arn, channel_arn = self.setup_trail()
        resp = s.client("cloudtrail-data").put_audit_events(
            channelArn=channel_arn, auditEvents=[{"id": "a", "eventData": audit_event("r1")}])
        acked = resp["successful"][0]["eventID"]
        self.assertEqual(s.restart(), 0)
        status = s.aws_json("cloudtrail", "get-trail-status", "--name", "main")
        self.assertTrue(status["IsLogging"])
        s3 = s.client("s3")
        records = wait_for(lambda: [r for _, r in read_all_records(s3, "audit-logs") if r["eventID"] == acked])
        self.assertEqual(len(records), 1)


if __name__ == "__main__":
    otharness.main()

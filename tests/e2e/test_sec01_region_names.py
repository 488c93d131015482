"""Issue 8, item 1 (first half): only region names are accepted where a request names a region.

A region from a request becomes a folder of the trail's S3 keys and the name of a signing key.
Before, the SigV4 scope's region was only checked against [A-Za-z0-9._-]: a PutAuditEvents
signed for '..' was acknowledged and its log key (.../CloudTrail/../...) blocked delivery, and
'evil', 'UPPER' or 'a_b' each got their own folders and keys. Now every region taken from a
request (the scope, trail and channel ARNs, the awsRegion of forwarded records, an S3
LocationConstraint) must have the
shape of an AWS partition's regions; one that has the shape but is not known yet is allowed
(docs/auth.md)."""
import datetime
import json
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

import otharness
from otlogs import all_log_objects, read_all_records

ACCT = "123456789012"
BAD = ["..", ".", "evil", "UPPER", "a_b", "us-east-1x", "xx-mars-1"]


def audit_event(uid):
    return json.dumps({"version": "1.0",
                       "userIdentity": {"type": "CustomUser", "principalId": "alice"},
                       "eventSource": "myapp.example.com", "eventName": "Login",
                       "eventTime": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
                       "UID": uid, "recipientAccountId": ACCT})


def forwarded_record(region):
    return json.dumps({"eventVersion": "1.09",
                       "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE",
                                        "arn": "arn:aws:iam::%s:user/alice" % ACCT,
                                        "accountId": ACCT},
                       "eventTime": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
                       "eventSource": "iam.amazonaws.com", "eventName": "CreateUser",
                       "awsRegion": region, "eventID": str(uuid.uuid4()),
                       "eventType": "AwsApiCall", "recipientAccountId": ACCT,
                       "managementEvent": True, "eventCategory": "Management"})


class RegionNamesTest(otharness.ServerTestCase):
    def setup_trail(self, source="Custom"):
        s = self.server
        s.aws("s3api", "create-bucket", "--bucket", "audit-logs")
        trail = s.aws_json("cloudtrail", "create-trail", "--name", "main", "--s3-bucket-name",
                           "audit-logs", "--is-multi-region-trail")
        s.aws("cloudtrail", "start-logging", "--name", "main")
        dest = json.dumps([{"Type": "AWS_SERVICE", "Location": trail["TrailARN"]}])
        channel = s.aws_json("cloudtrail", "create-channel", "--name", "app", "--source", source,
                             "--destinations", dest)
        return trail["TrailARN"], channel["ChannelArn"]

    def put_events(self, channel_arn, region, event_data):
        body = json.dumps({"auditEvents": [{"id": "1", "eventData": event_data}]}).encode()
        path = "/PutAuditEvents?channelArn=" + urllib.parse.quote(channel_arn, safe="")
        status, _, data = otharness.signed_request(
            self.server, "POST", path, body, service="cloudtrail-data", region=region,
            headers={"Content-Type": "application/json"})
        return status, json.loads(data or b"{}")

    def delivered_records(self):
        s3 = self.server.client("s3")
        return [(key, r) for key, r in read_all_records(s3, "audit-logs")]

    def test_put_audit_events_scoped_to_a_bad_region_is_refused_and_delivery_goes_on(self):
        s = self.server
        _, channel_arn = self.setup_trail()
        for region in BAD:
            status, err = self.put_events(channel_arn, region, audit_event("bad-" + region))
            self.assertEqual(status, 403, region)
            self.assertEqual(err.get("__type"), "InvalidSignatureException", region)
            self.assertEqual(err.get("message"),
                             "Credential should be scoped to a valid region, not '%s'." % region)
        status, out = self.put_events(channel_arn, "us-east-1", audit_event("good"))
        self.assertEqual(status, 200, out)
        self.assertEqual(out["failed"], [])
        s.aws("cloudtrail", "stop-logging", "--name", "main")
        deadline = time.time() + 30
        records = []
        while time.time() < deadline:
            records = self.delivered_records()
            if any(r.get("eventName") == "Login" for _, r in records):
                break
            time.sleep(0.3)
        logins = [r["eventID"] for _, r in records if r.get("eventName") == "Login"]
        self.assertEqual(logins, [out["successful"][0]["eventID"]])
        regions = {key.split("/")[3] for key in all_log_objects(s.client("s3"), "audit-logs")}
        self.assertEqual(regions, {"us-east-1"})

    def test_json_and_s3_errors_for_a_bad_scope_region(self):
        s = self.server
        status, headers, body = otharness.signed_request(
            s, "POST", "/", b"{}", service="cloudtrail", region="evil",
            headers={"X-Amz-Target": "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."
                                     "DescribeTrails",
                     "Content-Type": "application/x-amz-json-1.1"})
        self.assertEqual(status, 403)
        self.assertEqual(json.loads(body)["__type"], "InvalidSignatureException")
        status, _, body = otharness.signed_request(s, "GET", "/", service="s3", region="..")
        self.assertEqual(status, 400)
        root = ET.fromstring(body)
        self.assertEqual(root.findtext("Code"), "AuthorizationHeaderMalformed")
        self.assertIn("not '..'", root.findtext("Message"))
        # The aws CLI sees the code too.
        rc, _, err = s.aws("cloudtrail", "describe-trails", region="UPPER", check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("InvalidSignatureException", err)

    def test_an_unknown_but_well_formed_region_is_allowed(self):
        s = self.server
        out = s.aws_json("cloudtrail", "describe-trails", region="us-fake-9")
        self.assertEqual(out["trailList"], [])

    def test_regions_inside_arns_and_records(self):
        s = self.server
        trail_arn, channel_arn = self.setup_trail(source="CloudTrailRecords")
        bad_trail = trail_arn.replace(":us-east-1:", ":evil:")
        rc, _, err = s.aws("cloudtrail", "get-trail-status", "--name", bad_trail, check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("CloudTrailARNInvalidException", err)
        self.assertIn("Invalid trail ARN", err)
        dest = json.dumps([{"Type": "AWS_SERVICE", "Location": trail_arn.replace(":us-east-1:", ":..:")}])
        rc, _, err = s.aws("cloudtrail", "create-channel", "--name", "xyz", "--source", "Custom",
                           "--destinations", dest, check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("is not a trail ARN", err)
        rc, _, err = s.aws("cloudtrail", "list-tags", "--resource-id-list",
                           trail_arn.replace(":us-east-1:", ":a_b:"), check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("Invalid resource ARN", err)
        status, err = self.put_events(channel_arn.replace(":us-east-1:", ":evil:"), "us-east-1",
                                      forwarded_record("us-east-1"))
        self.assertEqual(status, 400, err)
        self.assertEqual(err["__type"], "InvalidChannelARN")
        # A forwarded record's own awsRegion: refused per event, the others accepted.
        for region, ok in (("..", False), ("evil", False), ("eu-west-1", True)):
            status, out = self.put_events(channel_arn, "us-east-1", forwarded_record(region))
            self.assertEqual(status, 200, out)
            self.assertEqual(len(out["successful"]), 1 if ok else 0, (region, out))
            if not ok:
                self.assertEqual(out["failed"][0]["errorCode"], "InvalidData")

    def test_create_bucket_location_constraint(self):
        s = self.server
        for region in ("evil", "a_b", "US-EAST-1"):
            rc, _, err = s.aws("s3api", "create-bucket", "--bucket", "b-" + region.lower().replace("_", "-"),
                               "--create-bucket-configuration", "LocationConstraint=" + region,
                               check=False)
            self.assertNotEqual(rc, 0, region)
            self.assertIn("InvalidLocationConstraint", err)
        for region in ("eu-west-1", "EU"):
            s.aws("s3api", "create-bucket", "--bucket", "ok-" + region.lower(),
                  "--create-bucket-configuration", "LocationConstraint=" + region)

    def test_serve_refuses_a_bad_default_region(self):
        bad = otharness.Server("--region", "evil")
        try:
            with self.assertRaises(RuntimeError) as cm:
                bad.start()
            self.assertIn("not an AWS region name", str(cm.exception))
        finally:
            bad.cleanup()


if __name__ == "__main__":
    otharness.main()

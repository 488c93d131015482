"""The access log: one info line per request with who, what, outcome, size and time, in the
text and json log formats; --access-log false turns it off. (That --log-level warn drops it
is tests/unit/test_log.c's: the harness waits for the info line that says the server listens.)"""
import json
import re
import time

import botocore.exceptions

import otharness

ADMIN_ARN = "arn:aws:iam::123456789012:user/admin"


def wait_for(server, needle, deadline_s=10):
    """The log text once it contains needle (lines are written after the answer is queued)."""
    deadline = time.time() + deadline_s
    while True:
        text = server.log_text()
        if needle in text or time.time() > deadline:
            return text
        time.sleep(0.05)


def text_line(server, request_id):
    """The access line of a request in the text format, as a dict of its fields."""
    text = wait_for(server, "request_id=" + request_id)
    lines = [l for l in text.splitlines() if " info access " in l and "request_id=" + request_id in l]
    assert len(lines) == 1, text[-3000:]
    fields = {}
    for m in re.finditer(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)', lines[0].split(" info access ", 1)[1]):
        v = m.group(2)
        fields[m.group(1)] = json.loads(v) if v.startswith('"') else v
    return fields


class AccessLogTextTest(otharness.ServerTestCase):
    def test_success_and_errors_of_each_protocol(self):
        s = self.server
        ct = s.client("cloudtrail")
        rid = ct.describe_trails()["ResponseMetadata"]["RequestId"]
        f = text_line(s, rid)
        self.assertEqual(f["src_ip"], "127.0.0.1")
        self.assertEqual(f["principal"], ADMIN_ARN)
        self.assertEqual(f["service"], "cloudtrail")
        self.assertEqual(f["operation"], "DescribeTrails")
        self.assertEqual(f["status"], "200")
        self.assertEqual(f["error_code"], "-")
        self.assertEqual(f["bytes_in"], "2")      # botocore sends "{}"
        self.assertGreater(int(f["bytes_out"]), 0)
        self.assertGreaterEqual(int(f["latency_ms"]), 0)

        with self.assertRaises(botocore.exceptions.ClientError) as e:
            ct.get_trail(Name="nope")
        f = text_line(s, e.exception.response["ResponseMetadata"]["RequestId"])
        self.assertEqual((f["operation"], f["status"], f["error_code"]),
                         ("GetTrail", "400", "TrailNotFoundException"))

        s3 = s.client("s3")
        s3.create_bucket(Bucket="logged")
        # StopLogging of a logging trail writes its own audit event; it is still logged by name.
        ct.create_trail(Name="stopped", S3BucketName="logged")
        ct.start_logging(Name="stopped")
        rid = ct.stop_logging(Name="stopped")["ResponseMetadata"]["RequestId"]
        self.assertEqual(text_line(s, rid)["operation"], "StopLogging")
        body = b"x" * 1234
        rid = s3.put_object(Bucket="logged", Key="k", Body=body)["ResponseMetadata"]["RequestId"]
        f = text_line(s, rid)
        self.assertEqual((f["service"], f["operation"], f["status"], f["bytes_in"]),
                         ("s3", "PutObject", "200", "1234"))
        rid = s3.get_object(Bucket="logged", Key="k")["ResponseMetadata"]["RequestId"]
        f = text_line(s, rid)
        self.assertEqual((f["operation"], f["bytes_out"]), ("GetObject", "1234"))
        with self.assertRaises(botocore.exceptions.ClientError) as e:
            s3.get_object(Bucket="no-such-bucket", Key="k")
        f = text_line(s, e.exception.response["ResponseMetadata"]["RequestId"])
        self.assertEqual((f["status"], f["error_code"]), ("404", "NoSuchBucket"))

    def test_unauthenticated_requests_are_logged_too(self):
        s = self.server
        status, headers, _ = otharness.signed_request(s, "POST", "/", body=b"{}", sign=False,
                                                      headers={"X-Amz-Target": "CloudTrail_20131101.ListTrails",
                                                               "Content-Type": "application/x-amz-json-1.1"})
        self.assertEqual(status, 403)
        f = text_line(s, headers["x-amzn-RequestId"])
        self.assertEqual((f["principal"], f["service"], f["operation"], f["error_code"]),
                         ("-", "-", "ListTrails", "MissingAuthenticationTokenException"))
        status, headers, _ = otharness.signed_request(s, "GET", "/a%20path?x", sign=False)
        f = text_line(s, headers["x-amz-request-id"])
        self.assertEqual((f["operation"], f["status"], f["error_code"]),
                         ("GET /a%20path", "403", "AccessDenied"))


class AccessLogJsonTest(otharness.ServerTestCase):
    server_args = ("--log-format", "json")

    def test_json_lines_carry_the_fields_as_members(self):
        s = self.server
        rid = s.client("cloudtrail").list_trails()["ResponseMetadata"]["RequestId"]
        text = wait_for(s, rid)
        docs = [json.loads(l) for l in text.splitlines() if l.startswith("{")]
        self.assertEqual(len(docs), len(text.splitlines()))   # every line is JSON
        mine = [d for d in docs if d.get("request_id") == rid]
        self.assertEqual(len(mine), 1)
        d = mine[0]
        self.assertEqual((d["level"], d["msg"]), ("info", "access"))
        self.assertEqual(d["src_ip"], "127.0.0.1")
        self.assertEqual(d["principal"], ADMIN_ARN)
        self.assertEqual((d["service"], d["operation"]), ("cloudtrail", "ListTrails"))
        self.assertEqual((d["status"], d["error_code"]), (200, "-"))
        for k in ("bytes_in", "bytes_out", "latency_ms"):
            self.assertIsInstance(d[k], int)
        self.assertRegex(d["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


class AccessLogOffTest(otharness.ServerTestCase):
    server_args = ("--access-log", "false")

    def test_no_access_lines(self):
        s = self.server
        rid = s.client("cloudtrail").list_trails()["ResponseMetadata"]["RequestId"]
        s.client("s3").list_buckets()
        self.assertNotIn(" info access ", s.log_text())
        self.assertNotIn(rid, s.log_text())


if __name__ == "__main__":
    otharness.main()

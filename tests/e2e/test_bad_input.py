"""Hostile and malformed requests: each gets a 4xx AWS-shaped error, the server stays up and
nothing is stored."""
import json

import otharness
from otharness import signed_request
from otlogs import read_all_records

TARGET = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."
JSON11 = "application/x-amz-json-1.1"


def ct(server, op, body, **kw):
    return signed_request(server, "POST", "/", body,
                          headers={"X-Amz-Target": TARGET + op, "Content-Type": JSON11}, **kw)


class BadInputTest(otharness.ServerTestCase):
    def assert_json_error(self, resp, status, code):
        st, headers, body = resp
        self.assertEqual(st, status, body)
        doc = json.loads(body)
        self.assertEqual(doc["__type"], code, body)
        self.assertTrue(doc["message"])
        self.assertEqual({k.lower(): v for k, v in headers.items()}["x-amzn-errortype"], code)

    def test_control_plane_rejects_malformed_bodies(self):
        s = self.server
        s.aws("s3api", "create-bucket", "--bucket", "bucket-one")
        bodies = [b'{"Name": "trail-one", "S3BucketName": "bucket-one"',            # truncated
                  b'{"Name": "trail-one" "S3BucketName": "bucket-one"}',            # malformed
                  b'{"Name": "t\xff1", "S3BucketName": "bucket-one"}',       # invalid UTF-8
                  b'[' * 5000 + b']' * 5000,                         # deep nesting
                  b'{"Name": 17, "S3BucketName": "bucket-one"}',             # wrong type
                  b'{"Name": "trail-one", "S3BucketName": "bucket-one", "IsMultiRegionTrail": "yes"}']
        for body in bodies:
            st, _, out = ct(s, "CreateTrail", body)
            self.assertEqual(st, 400, (body[:40], out))
            self.assertEqual(json.loads(out)["__type"], "SerializationException", body[:40])
        self.assert_json_error(ct(s, "NoSuchOperation", b"{}"), 400, "UnknownOperationException")
        self.assertEqual(s.aws_json("cloudtrail", "describe-trails")["trailList"], [])

    def test_oversized_request_is_refused_before_reading(self):
        st, _, out = ct(self.server, "CreateTrail", b'{"Name":"' + b"a" * (3 << 20) + b'"}')
        self.assertEqual(st, 413)
        self.assertEqual(json.loads(out)["__type"], "RequestEntityTooLargeException")
        self.assertEqual(self.server.aws_json("cloudtrail", "list-trails")["Trails"], [])

    def test_authentication_failures(self):
        s = self.server
        self.assert_json_error(ct(s, "ListTrails", b"{}", sign=False), 403,
                               "MissingAuthenticationTokenException")
        st, _, body = ct(s, "ListTrails", b"{}", secret_override="wrong" * 8)
        self.assertEqual(st, 403)
        self.assertEqual(json.loads(body)["__type"], "InvalidSignatureException")
        env = s.env()
        env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
        env["AWS_ACCESS_KEY_ID"] = "AKIANOTAREALKEY00000"
        env["AWS_SECRET_ACCESS_KEY"] = "x" * 40
        rc, _, err = s.aws("cloudtrail", "list-trails", env=env, check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("UnrecognizedClientException", err)
        # A body changed after signing no longer matches its signature.
        st, _, body = ct(s, "DescribeTrails", b'{"trailNameList": ["a"]}',
                         send_body=b'{"trailNameList": ["b"]}')
        self.assertEqual(st, 403)
        self.assertEqual(json.loads(body)["__type"], "InvalidSignatureException")
        self.assertEqual(s.aws_json("cloudtrail", "list-trails")["Trails"], [])

    def test_put_audit_events_malformed(self):
        s = self.server
        s.aws("s3api", "create-bucket", "--bucket", "bucket-two")
        arn = s.aws_json("cloudtrail", "create-trail", "--name", "trail-two", "--s3-bucket-name", "bucket-two")["TrailARN"]
        s.aws("cloudtrail", "start-logging", "--name", "trail-two")
        ch = s.aws_json("cloudtrail", "create-channel", "--name", "chan", "--source", "Custom",
                        "--destinations", json.dumps([{"Type": "AWS_SERVICE", "Location": arn}]))["ChannelArn"]
        from urllib.parse import quote
        path = "/PutAuditEvents?channelArn=" + quote(ch, safe="")
        for body in [b'{"auditEvents": [', b'{"auditEvents": 5}', b'{"auditEvents": []}',
                     b'\xff\xfe', b'{"auditEvents": [{"id": 7, "eventData": "{}"}]}',
                     b'{"auditEvents":' + b'[' * 3000 + b']' * 3000 + b'}']:
            st, _, out = signed_request(s, "POST", path, body, service="cloudtrail-data",
                                        headers={"Content-Type": "application/json"})
            self.assertTrue(400 <= st < 500, (body[:30], st, out))
        big = json.dumps({"auditEvents": [{"id": "a", "eventData": "x" * (1100 * 1024)}]}).encode()
        st, _, out = signed_request(s, "POST", path, big, service="cloudtrail-data",
                                    headers={"Content-Type": "application/json"})
        self.assertEqual(st, 413, out)
        s.aws("cloudtrail", "stop-logging", "--name", "trail-two")
        records = [r for _, r in read_all_records(s.client("s3"), "bucket-two")]
        self.assertEqual([r for r in records if r.get("eventCategory") == "ActivityAuditLog"], [])


if __name__ == "__main__":
    otharness.main()

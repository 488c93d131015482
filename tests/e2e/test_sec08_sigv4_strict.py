"""Issue 8, item 8 (SigV4 and logging parts): signatures as strict as AWS's, a log that a full
disk cannot flood.

- host must be one of the SignedHeaders (AWS: "'Host' or ':authority' must be a 'SignedHeader'
  in the AWS Authorization."; S3: AccessDenied with <HeadersNotSigned>host</HeadersNotSigned>).
- An unknown access key gets 403 with the code of the service's protocol:
  UnrecognizedClientException (cloudtrail, cloudtrail-data), InvalidAccessKeyId (S3).
- x-amz-content-sha256: UNSIGNED-PAYLOAD leaves the body unsigned only for S3; other AWS
  services hash the body they receive, so for PutAuditEvents the signature does not match.
- While the bucket's disk is full, repeated errors are held back (a few lines and a summary)."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import xml.etree.ElementTree as ET

import boto3
import botocore.config
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

import otharness

DESCRIBE = {"X-Amz-Target": "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails",
            "Content-Type": "application/x-amz-json-1.1"}


def without_host(signer_class):
    """A botocore signer that leaves host out of SignedHeaders (botocore always signs it)."""
    class Signer(signer_class):
        def headers_to_sign(self, request):
            headers = super().headers_to_sign(request)
            del headers["host"]
            return headers
    return Signer


def send(server, method, path, body, headers, signer_class, service):
    """Signs with signer_class and sends over a raw connection; (status, body)."""
    import http.client
    key, secret = otharness.read_credentials(server.credentials_file)
    req = AWSRequest(method=method, url=server.endpoint + path, data=body, headers=dict(headers))
    signer_class(Credentials(key, secret), service, server.region).add_auth(req)
    prepared = req.prepare()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.request(method, path, body=body, headers=dict(prepared.headers))
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, data


class SigV4StrictTest(otharness.ServerTestCase):
    def test_host_must_be_signed(self):
        s = self.server
        # The same requests with host signed pass: only the missing host is refused.
        self.assertEqual(send(s, "POST", "/", b"{}", DESCRIBE, SigV4Auth, "cloudtrail")[0], 200)
        status, body = send(s, "POST", "/", b"{}", DESCRIBE, without_host(SigV4Auth), "cloudtrail")
        self.assertEqual(status, 400)
        err = json.loads(body)
        self.assertEqual(err["__type"], "IncompleteSignatureException")
        self.assertEqual(err["message"],
                         "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
        self.assertEqual(send(s, "GET", "/", b"", {}, S3SigV4Auth, "s3")[0], 200)
        status, body = send(s, "GET", "/", b"", {}, without_host(S3SigV4Auth), "s3")
        self.assertEqual(status, 403)
        root = ET.fromstring(body)
        self.assertEqual(root.findtext("Code"), "AccessDenied")
        self.assertEqual(root.findtext("Message"),
                         "There were headers present in the request which were not signed")
        self.assertEqual(root.findtext("HeadersNotSigned"), "host")

    def test_unknown_access_key_is_403_in_each_protocol(self):
        s = self.server
        cfg = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"},
                                     s3={"addressing_style": "path"})

        def client(service):
            return boto3.session.Session().client(
                service, region_name=s.region, endpoint_url=s.endpoint, config=cfg,
                aws_access_key_id="AKIANOTAKEY000000000", aws_secret_access_key="x" * 40)
        calls = [
            (lambda: client("cloudtrail").describe_trails(), "UnrecognizedClientException",
             "The security token included in the request is invalid."),
            (lambda: client("cloudtrail-data").put_audit_events(
                channelArn="arn:aws:cloudtrail:us-east-1:123456789012:channel/abc",
                auditEvents=[{"id": "1", "eventData": "{}"}]), "UnrecognizedClientException",
             "The security token included in the request is invalid."),
            (lambda: client("s3").list_buckets(), "InvalidAccessKeyId",
             "The AWS Access Key Id you provided does not exist in our records."),
        ]
        for call, code, message in calls:
            with self.assertRaises(ClientError) as cm:
                call()
            resp = cm.exception.response
            self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], 403, code)
            self.assertEqual(resp["Error"]["Code"], code)
            self.assertEqual(resp["Error"]["Message"], message)

    def test_unsigned_payload_only_for_s3(self):
        s = self.server
        s.aws("s3api", "create-bucket", "--bucket", "audit-logs")
        trail = s.aws_json("cloudtrail", "create-trail", "--name", "main", "--s3-bucket-name",
                           "audit-logs")
        dest = json.dumps([{"Type": "AWS_SERVICE", "Location": trail["TrailARN"]}])
        channel = s.aws_json("cloudtrail", "create-channel", "--name", "app", "--source",
                             "Custom", "--destinations", dest)["ChannelArn"]
        body = json.dumps({"auditEvents": [{"id": "1", "eventData": json.dumps({
            "version": "1.0", "userIdentity": {"type": "CustomUser", "principalId": "alice"},
            "eventSource": "myapp", "eventName": "Login", "UID": "u1",
            "eventTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "recipientAccountId": "123456789012"})}]}).encode()
        path = "/PutAuditEvents?channelArn=" + urllib.parse.quote(channel, safe="")
        unsigned = {"Content-Type": "application/json", "X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}
        for send_body in (None, body.replace(b"alice", b"mallo")):
            status, _, data = otharness.signed_request(s, "POST", path, body, service="cloudtrail-data",
                                                       headers=unsigned, send_body=send_body)
            self.assertEqual(status, 403, data)
            self.assertEqual(json.loads(data)["__type"], "InvalidSignatureException")
        status, _, data = otharness.signed_request(s, "POST", path, body, service="cloudtrail-data",
                                                   headers={"Content-Type": "application/json"})
        self.assertEqual(status, 200, data)
        self.assertEqual(json.loads(data)["failed"], [])
        # S3 keeps UNSIGNED-PAYLOAD, as AWS does.
        status, _, data = otharness.signed_request(
            s, "PUT", "/audit-logs/notes/a.txt", b"hello", service="s3",
            headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
        self.assertEqual(status, 200, data)


class FullDiskLogTest(otharness.ServerTestCase):
    """The data dir on a full 16 MiB tmpfs: every request's audit event fails to be written."""
    requests = 600

    def setUp(self):
        self.mnt = None
        self.tmp = tempfile.mkdtemp(prefix="ot-full-")
        data = os.path.join(self.tmp, "data")
        os.mkdir(data, 0o700)
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", data],
                           capture_output=True)
        if p.returncode != 0:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.skipTest("cannot mount a tmpfs here: %s" % p.stderr.decode().strip())
        self.mnt = data
        self.server = otharness.Server(data_dir=data).start()

    def tearDown(self):
        try:
            super().tearDown()
        finally:
            if self.mnt:
                subprocess.run(["umount", "-l", self.mnt])
            shutil.rmtree(self.tmp, ignore_errors=True)

    def fill(self):
        fd = os.open(os.path.join(self.mnt, "filler"), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while True:
                os.write(fd, b"\0" * 65536)
        except OSError:
            pass
        finally:
            os.close(fd)

    def test_repeated_errors_do_not_flood_the_log(self):
        s = self.server
        s.aws("s3api", "create-bucket", "--bucket", "audit-logs")
        s.aws("cloudtrail", "create-trail", "--name", "main", "--s3-bucket-name", "audit-logs")
        s.aws("cloudtrail", "start-logging", "--name", "main")
        self.fill()
        for _ in range(self.requests):   # each is audited, and each audit write fails
            status, _, _ = otharness.signed_request(s, "POST", "/", b"{}", headers=DESCRIBE)
            self.assertEqual(status, 200)
        self.assertEqual(s.stop(), 0)
        lines = [l for l in s.log_text().splitlines() if " error " in l or " warn " in l]
        self.assertTrue(any("No space left" in l for l in lines), "the full disk was not hit")
        # Unlimited, every request logs at least one line; a few per call site and window now.
        self.assertLess(len(lines), self.requests // 2, "log flooded:\n" + "\n".join(lines[:30]))
        self.assertTrue(any("[suppressed " in l for l in lines), "\n".join(lines[-10:]))


if __name__ == "__main__":
    otharness.main()

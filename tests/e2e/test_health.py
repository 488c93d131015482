"""GET /health and GET /ready: public, small JSON, and nothing else is public.

/ready must go 503 on real conditions, named in its body: free disk below
--ready-min-free-bytes, and delivery stuck behind a log file its bucket cannot take.
A signed GET /health is S3's ListObjects of a bucket called "health", as before.
"""
import http.client
import json
import os
import shutil
import time

import otharness
from otharness import signed_request


def get(server, path, method="GET", headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request(method, path, headers=headers or {})
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, dict(r.getheaders()), body


def wait_ready(server, want_status, deadline_s=120):
    """Polls /ready until it answers want_status; returns the parsed body."""
    deadline = time.time() + deadline_s
    while True:
        status, _, body = get(server, "/ready")
        if status == want_status or time.time() > deadline:
            break
        time.sleep(0.5)
    return status, json.loads(body)


class HealthTest(otharness.ServerTestCase):
    def test_health_and_ready_answer_without_credentials(self):
        status, headers, body = get(self.server, "/health")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "application/json")
        doc = json.loads(body)
        self.assertEqual(doc["status"], "ok")
        self.assertIsInstance(doc["uptime_seconds"], int)

        status, _, body = get(self.server, "/ready")
        self.assertEqual(status, 200)
        doc = json.loads(body)
        self.assertEqual(doc["status"], "ready")
        self.assertEqual(doc["failed"], [])
        self.assertEqual([c["name"] for c in doc["checks"]], ["wal", "state_db", "delivery", "disk"])
        self.assertTrue(all(c["ok"] for c in doc["checks"]))

        for path in ("/health", "/ready"):
            status, headers, body = get(self.server, path, method="HEAD")
            self.assertEqual((status, body), (200, b""))

    def test_everything_else_needs_credentials(self):
        # Other paths, a query, another method, a signature: AWS's authentication errors.
        # (GET /metrics from loopback is public too: test_metrics.py.)
        for method, path in (("GET", "/"), ("GET", "/healthz"), ("GET", "/health/"),
                             ("GET", "/health?x=1"), ("POST", "/health"), ("PUT", "/ready"),
                             ("DELETE", "/health"), ("POST", "/metrics")):
            status, _, body = get(self.server, path, method=method)
            self.assertEqual(status, 403, (method, path, body))
            self.assertIn(b"<Code>AccessDenied</Code>", body, (method, path))
        status, headers, body = get(self.server, "/", method="POST",
                                    headers={"X-Amz-Target": "CloudTrail_20131101.DescribeTrails",
                                             "Content-Type": "application/x-amz-json-1.1"})
        self.assertEqual(status, 403)
        self.assertEqual(headers["X-Amzn-ErrorType"], "MissingAuthenticationTokenException")
        # A presigned URL for the bucket "health" is an S3 request, not a probe.
        status, _, body = get(self.server, "/health?X-Amz-Credential=AKIAX%2F20260101%2Fus-east-1"
                                           "%2Fs3%2Faws4_request&X-Amz-Signature=00")
        self.assertNotEqual(status, 200)
        # An Authorization header that does not verify: refused, not a probe.
        status, _, body = get(self.server, "/health", headers={"Authorization": "AWS4-HMAC-SHA256 x"})
        self.assertNotEqual(status, 200)

    def test_signed_get_health_is_the_bucket_named_health(self):
        s = self.server
        status, _, body = signed_request(s, "GET", "/health", service="s3")
        self.assertEqual(status, 404)
        self.assertIn(b"<Code>NoSuchBucket</Code>", body)
        s.aws("s3api", "create-bucket", "--bucket", "health")
        s.aws("s3api", "put-object", "--bucket", "health", "--key", "probe.txt", "--body", "/etc/hostname")
        listed = s.aws_json("s3api", "list-objects-v2", "--bucket", "health")
        self.assertEqual([o["Key"] for o in listed["Contents"]], ["probe.txt"])
        status, _, body = signed_request(s, "GET", "/health", service="s3")
        self.assertEqual(status, 200)
        self.assertIn(b"<Key>probe.txt</Key>", body)
        # ... and the unauthenticated probe still answers health.
        status, _, body = get(s, "/health")
        self.assertEqual(json.loads(body)["status"], "ok")


class ReadyDiskTest(otharness.ServerTestCase):
    # More free space than any disk has: the check fails on a real statvfs.
    server_args = ("--ready-min-free-bytes", str(1 << 62))

    def test_low_disk_makes_ready_fail_and_health_stay_ok(self):
        status, _, body = get(self.server, "/ready")
        self.assertEqual(status, 503)
        doc = json.loads(body)
        self.assertEqual(doc["status"], "unavailable")
        self.assertEqual(doc["failed"], ["disk"])
        disk = [c for c in doc["checks"] if c["name"] == "disk"][0]
        self.assertFalse(disk["ok"])
        self.assertIn("--ready-min-free-bytes", disk["detail"])
        status, _, body = get(self.server, "/health")
        self.assertEqual(status, 200)


class ReadyDeliveryTest(otharness.ServerTestCase):
    server_args = ("--ready-delivery-lag", "1s")

    def test_delivery_stuck_on_a_deleted_bucket_makes_ready_fail_until_it_recovers(self):
        s = self.server
        s.aws("s3api", "create-bucket", "--bucket", "stuck-logs")
        s.aws("cloudtrail", "create-trail", "--name", "stuck", "--s3-bucket-name", "stuck-logs")
        s.aws("cloudtrail", "start-logging", "--name", "stuck")
        self.assertEqual(wait_ready(s, 200)[0], 200)
        # The bucket disappears behind the server's back: every log file for it fails and is
        # retried, so delivery cannot let go of the events.
        bucket_dir = os.path.join(s.data_dir, "buckets", "stuck-logs")
        shutil.rmtree(bucket_dir)
        s.aws("cloudtrail", "describe-trails")   # an audited event to deliver
        status, doc = wait_ready(s, 503)
        self.assertEqual(status, 503, doc)
        self.assertEqual(doc["failed"], ["delivery"])
        detail = [c for c in doc["checks"] if c["name"] == "delivery"][0]["detail"]
        self.assertIn("oldest undelivered event", detail)
        # The bucket comes back: the retries succeed and the server is ready again.
        s.aws("s3api", "create-bucket", "--bucket", "stuck-logs")
        status, doc = wait_ready(s, 200)
        self.assertEqual(status, 200, doc)


if __name__ == "__main__":
    otharness.main()

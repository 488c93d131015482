"""Write-once log buckets: objects under [prefix/]AWSLogs/ of a bucket some trail names cannot be
overwritten or deleted through the S3 API (403 AccessDenied, like Object Lock in compliance
mode); new keys can be written; buckets no trail names, keys outside AWSLogs/ and servers run
with --log-bucket-write-once false are unaffected; delivery keeps writing.

Each refused call is audited. S3 object calls are data events and a default trail delivers only
management events, so the record is read where the server keeps every event it audits: the WAL
(<data-dir>/wal), decoded here from its documented format (docs/internals/WAL.md and the event
payload layout in src/event/event_codec.c), CRC32C checked.
"""
import glob
import json
import os
import struct
import time

import botocore.exceptions

from otharness import ServerTestCase, Server, main
from otlogs import all_log_objects

LOG_KEY = "AWSLogs/123456789012/CloudTrail/us-east-1/2026/01/01/x.json.gz"
# Under AWSLogs/ but outside the trail's own log roots, so a client may create it (a trail's own
# AWSLogs/<acct>/CloudTrail/ is for delivery only: test_sec05_write_once_new_keys.py).
SYNCED_KEY = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/01/01/x.json.gz"


def crc32c(data, crc=0xFFFFFFFF):
    table = crc32c.table
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


crc32c.table = []
for n in range(256):
    c = n
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    crc32c.table.append(c)


def wal_events(wal_dir):
    """Every event JSON in the WAL, in LSN order (the server must be stopped)."""
    out = []
    for seg in sorted(glob.glob(os.path.join(wal_dir, "*.wal"))):
        with open(seg, "rb") as f:
            data = f.read()
        assert data[:8] == b"OTWAL001", seg
        off = 16
        while off + 16 <= len(data):
            plen, crc, lsn = struct.unpack_from("<IIQ", data, off)
            payload = data[off + 16:off + 16 + plen]
            if len(payload) < plen or plen == 0 and crc == 0:
                break
            assert crc32c(data[off + 8:off + 16] + payload) ^ 0xFFFFFFFF == crc, (seg, off)
            off += 16 + plen
            if payload[:1] != b"E":
                continue
            # Event payload (src/event/event_codec.c): header, 6 strings, v2 selector facts.
            p = 1 + 1 + 8 + 1 + 1

            def skip_str(p):
                (n,) = struct.unpack_from("<H", payload, p)
                return p + 2 + n + 1
            for _ in range(6):
                p = skip_str(p)
            if payload[1] >= 2:
                p += 1                       # console flag
                for _ in range(3):           # event type, userIdentity.arn, errorCode
                    p = skip_str(p)
                (nres,) = struct.unpack_from("<H", payload, p)
                p += 2
                for _ in range(2 * nres):    # resource type, ARN
                    p = skip_str(p)
            (jl,) = struct.unpack_from("<I", payload, p)
            out.append(json.loads(payload[p + 4:p + 4 + jl]))
    return out


class WriteOnce(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.s3 = self.server.client("s3")
        self.ct = self.server.client("cloudtrail")
        self.s3.create_bucket(Bucket="trail-logs")
        self.ct.create_trail(Name="trail-one", S3BucketName="trail-logs")

    def denied(self, fn, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kw)
        self.assertEqual(cm.exception.response["Error"]["Code"], "AccessDenied")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)

    def test_overwrite_and_delete_refused_new_keys_allowed(self):
        s3 = self.s3
        s3.put_object(Bucket="trail-logs", Key=SYNCED_KEY, Body=b"original")   # new key: allowed
        self.denied(s3.put_object, Bucket="trail-logs", Key=SYNCED_KEY, Body=b"forged")
        self.denied(s3.delete_object, Bucket="trail-logs", Key=SYNCED_KEY)
        r = s3.delete_objects(Bucket="trail-logs", Delete={"Objects": [{"Key": SYNCED_KEY}]})
        self.assertEqual([(e["Key"], e["Code"]) for e in r.get("Errors", [])], [(SYNCED_KEY, "AccessDenied")])
        self.assertEqual(s3.get_object(Bucket="trail-logs", Key=SYNCED_KEY)["Body"].read(), b"original")
        # outside AWSLogs/ the bucket behaves as usual
        s3.put_object(Bucket="trail-logs", Key="notes/a.txt", Body=b"1")
        s3.put_object(Bucket="trail-logs", Key="notes/a.txt", Body=b"2")
        s3.delete_object(Bucket="trail-logs", Key="notes/a.txt")
        # the `aws s3 sync` use: copying new files in works with the real CLI
        src = os.path.join(self.server.tmp, "sync")
        os.makedirs(os.path.join(src, "AWSLogs", "111122223333"))
        with open(os.path.join(src, "AWSLogs", "111122223333", "f.json.gz"), "wb") as f:
            f.write(b"x")
        self.server.aws("s3", "sync", src, "s3://trail-logs/")
        rc, _, err = self.server.aws("s3", "rm", "s3://trail-logs/AWSLogs/111122223333/f.json.gz", check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("AccessDenied", err)

    def test_prefix_and_other_buckets(self):
        s3 = self.s3
        s3.create_bucket(Bucket="pfx-logs")
        s3.create_bucket(Bucket="no-trail")
        self.ct.create_trail(Name="trail-two", S3BucketName="pfx-logs", S3KeyPrefix="team/a")
        for b, k in (("pfx-logs", "team/a/" + SYNCED_KEY),):
            s3.put_object(Bucket=b, Key=k, Body=b"1")
            self.denied(s3.put_object, Bucket=b, Key=k, Body=b"2")
        for b, k in (("pfx-logs", LOG_KEY), ("pfx-logs", "team/b/" + LOG_KEY), ("no-trail", LOG_KEY)):
            s3.put_object(Bucket=b, Key=k, Body=b"1")
            s3.put_object(Bucket=b, Key=k, Body=b"2")
            s3.delete_object(Bucket=b, Key=k)

    def test_delivery_unaffected_and_refusals_audited(self):
        self.ct.start_logging(Name="trail-one")
        deadline = time.time() + 30
        while time.time() < deadline and not all_log_objects(self.s3, "trail-logs"):
            time.sleep(0.3)
        keys = all_log_objects(self.s3, "trail-logs")
        self.assertTrue(keys, "delivery wrote no log file")
        self.denied(self.s3.put_object, Bucket="trail-logs", Key=keys[0], Body=b"forged")
        self.denied(self.s3.delete_object, Bucket="trail-logs", Key=keys[0])
        self.ct.describe_trails()
        time.sleep(1.5)
        n = len(all_log_objects(self.s3, "trail-logs"))
        self.assertGreater(n, len(keys) - 1)
        self.assertEqual(self.server.stop(), 0)
        events = wal_events(os.path.join(self.server.data_dir, "wal"))
        refused = [(e["eventName"], e["requestParameters"].get("key")) for e in events
                   if e.get("eventSource") == "s3.amazonaws.com" and e.get("errorCode") == "AccessDenied"]
        self.assertIn(("PutObject", keys[0]), refused)
        self.assertIn(("DeleteObject", keys[0]), refused)
        self.server.start()


class WriteOnceOff(ServerTestCase):
    server_args = ("--log-bucket-write-once", "false")

    def test_option_off_allows_overwrite_and_delete(self):
        s3 = self.server.client("s3")
        s3.create_bucket(Bucket="trail-logs")
        self.server.client("cloudtrail").create_trail(Name="trail-one", S3BucketName="trail-logs")
        s3.put_object(Bucket="trail-logs", Key=LOG_KEY, Body=b"1")
        s3.put_object(Bucket="trail-logs", Key=LOG_KEY, Body=b"2")
        self.assertEqual(s3.get_object(Bucket="trail-logs", Key=LOG_KEY)["Body"].read(), b"2")
        s3.delete_object(Bucket="trail-logs", Key=LOG_KEY)

    def test_bad_value_is_a_usage_error(self):
        srv = Server("--log-bucket-write-once", "maybe")
        try:
            with self.assertRaises(RuntimeError) as cm:
                srv.start()
            self.assertIn("log-bucket-write-once", str(cm.exception))
        finally:
            srv.cleanup()


if __name__ == "__main__":
    main()

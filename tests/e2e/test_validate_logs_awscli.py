"""End to end: signed digest chains accepted by the real `aws cloudtrail validate-logs`.

A validating multi-region trail records activity in two regions over several digest periods,
with a quiet period (empty digests) and a StopLogging/StartLogging gap (two chains per region);
then the real awscli v1 validates every region, and its counts must equal what is in the bucket.
ListPublicKeys is checked on its own (shapes, fingerprints, errors), and a tampered log file must
be caught."""
import base64
import datetime
import hashlib
import os
import time

import otharness
from otdigest import (digest_keys, log_keys, read_digest, utcnow, validate_logs, wait_for)

ACCT = "123456789012"
BUCKET = "audit-logs"
REGIONS = ("us-east-1", "eu-west-1")


class ValidateLogsTest(otharness.ServerTestCase):
    server_args = ("--digest-interval", "2s")

    def activity(self, rounds=2):
        for _ in range(rounds):
            for r in REGIONS:
                self.server.aws("cloudtrail", "describe-trails", region=r)

    def digests_done(self, region, n):
        s3 = self.server.client("s3")
        return wait_for(lambda: len(digest_keys(s3, BUCKET, ACCT, region)) >= n, timeout=60)

    def test_multi_region_chain_with_gap_validates(self):
        s = self.server
        s.aws("s3api", "create-bucket", "--bucket", BUCKET)
        trail = s.aws_json("cloudtrail", "create-trail", "--name", "main", "--s3-bucket-name",
                           BUCKET, "--is-multi-region-trail", "--enable-log-file-validation")
        arn = trail["TrailARN"]
        self.assertTrue(trail["LogFileValidationEnabled"])
        start = utcnow() - datetime.timedelta(minutes=2)
        s.aws("cloudtrail", "start-logging", "--name", "main")
        s3 = s.client("s3")
        # Activity over several digest periods in both regions.
        for _ in range(3):
            self.activity()
            time.sleep(1.2)
        for r in REGIONS:
            self.assertTrue(self.digests_done(r, 2), "no digests in " + r)
        # A quiet period: the chains go on with empty digests.
        before = len(digest_keys(s3, BUCKET, ACCT, "us-east-1"))
        self.assertTrue(self.digests_done("us-east-1", before + 2))
        # Stop: final digests; then a gap; then a new chain per region.
        s.aws("cloudtrail", "stop-logging", "--name", "main")
        time.sleep(3)
        s.aws("cloudtrail", "start-logging", "--name", "main")
        for _ in range(2):
            self.activity()
            time.sleep(1.2)
        time.sleep(2.5)
        s.aws("cloudtrail", "stop-logging", "--name", "main")  # final digests cover every file
        status = s.aws_json("cloudtrail", "get-trail-status", "--name", "main")
        self.assertIn("LatestDigestDeliveryTime", status)
        self.assertNotIn("LatestDigestDeliveryError", status)

        for region in REGIONS:
            digests = digest_keys(s3, BUCKET, ACCT, region)
            logs = log_keys(s3, BUCKET, ACCT, region)
            self.assertGreaterEqual(len(logs), 2, region)
            docs = [read_digest(s3, BUCKET, k) for k in digests]
            starting = [d for d, _, _ in docs if d["previousDigestSignature"] is None]
            self.assertEqual(len(starting), 2, "one starting digest per chain in " + region)
            listed = {f["s3Object"] for d, _, _ in docs for f in d["logFiles"]}
            self.assertEqual(listed, set(logs), "every log file is in exactly one digest")
            self.assertEqual(sum(len(d["logFiles"]) for d, _, _ in docs), len(logs))
            if region == "us-east-1":
                self.assertTrue(any(d["logFiles"] == [] and d["previousDigestSignature"]
                                    for d, _, _ in docs), "no empty digest in the quiet period")
            for (d, meta, raw), key in zip(docs, digests):
                self.assertEqual(d["digestS3Object"], key)
                self.assertEqual(meta["signature-algorithm"], "SHA256withRSA")
                self.assertEqual(len(meta["signature"]), 512)
                self.assertEqual(len(d), 15)
            # Links: each non-starting digest names the previous one's hash and signature.
            by_key = {k: (d, m, raw) for (d, m, raw), k in zip(docs, digests)}
            for d, _, _ in docs:
                if d["previousDigestS3Object"]:
                    pd, pm, praw = by_key[d["previousDigestS3Object"]]
                    self.assertEqual(d["previousDigestSignature"], pm["signature"])
                    self.assertEqual(d["previousDigestHashValue"],
                                     hashlib.sha256(praw).hexdigest())
                    self.assertEqual(d["digestStartTime"], pd["digestEndTime"])

            rc, out, err, counts = validate_logs(s, arn, start, region)
            self.assertEqual(rc, 0, out + err)
            self.assertEqual(counts.get("digest"), (len(digests), len(digests), 0), out + err)
            self.assertEqual(counts.get("log"), (len(logs), len(logs), 0), out + err)
            self.assertIn("No log files were delivered by CloudTrail between", err)  # the gap
            self.assertNotIn("INVALID", out + err)

        # Tampering is caught: change one delivered file's bytes behind the server's back.
        victim = log_keys(s3, BUCKET, ACCT, "eu-west-1")[0]
        path = os.path.join(s.data_dir, "buckets", BUCKET, victim)
        import gzip
        with open(path, "rb") as f:
            body = gzip.decompress(f.read())
        with open(path, "wb") as f:
            f.write(gzip.compress(body.replace(b"DescribeTrails", b"DescribeTrailz", 1)))
        rc, out, err, counts = validate_logs(s, arn, start, "eu-west-1")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("INVALID: hash value doesn't match", err)
        self.assertEqual(counts["log"][2], 1)

    def test_list_public_keys(self):
        s = self.server
        ct = s.client("cloudtrail", region="eu-west-1")
        now = datetime.datetime.now(datetime.timezone.utc)
        keys = ct.list_public_keys()["PublicKeyList"]  # default: now; a region's first key
        self.assertEqual(len(keys), 1)
        k = keys[0]
        self.assertEqual(len(k["Value"]), 270)  # boto3 decodes the blob: DER PKCS#1
        self.assertEqual(k["Fingerprint"], hashlib.md5(k["Value"]).hexdigest())
        self.assertLessEqual(k["ValidityStartTime"], now + datetime.timedelta(seconds=2))
        self.assertEqual((k["ValidityEndTime"] - k["ValidityStartTime"]).total_seconds(),
                         60 * 86400)  # default rotation 30 days, valid for two periods
        # The CLI sees base64 text starting like AWS's keys.
        out = s.aws_json("cloudtrail", "list-public-keys", region="eu-west-1")
        self.assertTrue(out["PublicKeyList"][0]["Value"].startswith("MIIBCgKCAQEA"))
        self.assertEqual(base64.b64decode(out["PublicKeyList"][0]["Value"]), k["Value"])
        # Other regions have their own keys.
        other = s.client("cloudtrail", region="us-west-2").list_public_keys()["PublicKeyList"]
        self.assertNotEqual(other[0]["Fingerprint"], k["Fingerprint"])
        # Ranges: overlapping windows only; none long before.
        old = ct.list_public_keys(StartTime=datetime.datetime(2001, 1, 1),
                                  EndTime=datetime.datetime(2001, 1, 2))["PublicKeyList"]
        self.assertEqual(old, [])
        late = ct.list_public_keys(StartTime=now + datetime.timedelta(days=59),
                                   EndTime=now + datetime.timedelta(days=61))["PublicKeyList"]
        self.assertEqual([x["Fingerprint"] for x in late], [k["Fingerprint"]])
        with self.assertRaises(ct.exceptions.InvalidTimeRangeException):
            ct.list_public_keys(StartTime=now, EndTime=now - datetime.timedelta(hours=1))
        status, _, body = otharness.signed_request(
            s, "POST", "/", b'{"StartTime":"yesterday"}',
            headers={"X-Amz-Target":
                     "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.ListPublicKeys",
                     "Content-Type": "application/x-amz-json-1.1"})
        self.assertEqual(status, 400)
        self.assertIn(b"SerializationException", body)
        # `opentrail keys list` reads the same keys offline.
        import subprocess
        p = subprocess.run([otharness.BIN, "keys", "list", "--data-dir", s.data_dir,
                            "--region", "eu-west-1"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(k["Fingerprint"] + "*", p.stdout)


if __name__ == "__main__":
    otharness.main()

"""ISSUE8 item 11: `opentrail validate` must not raise a tamper alarm on a live bucket.

A real server runs a trail with log-file validation (digests every 20 s, deliveries every 1 s).
Right after a digest D that lists log files, more activity is delivered in the SAME MINUTE as D's
digestEndTime: that log file is newer than every digest, so no digest lists it yet — it is "not
yet covered", not INVALID. Before the fix `opentrail validate` compared the file-name minute with
D's end time inclusively and reported `INVALID: not referenced by any digest` (exit 1).

Validated between that delivery and the next digest: a frozen copy of the data dir (bucket
directory with its xattrs + a state.db backup) offline with --data-dir, the live server over
s3://, and the real `aws cloudtrail validate-logs` over the same server — all say valid (exit 0).
"""
import datetime
import os
import re
import shutil
import sqlite3
import tempfile
import time
import unittest

import otharness
from otdigest import digest_keys, log_keys, read_digest, run_ours, utcnow, validate_logs, wait_for

ACCT = "123456789012"
REGION = "us-east-1"
BUCKET = "live-trail"
NAME_MINUTE = re.compile(r"_CloudTrail_%s_(\d{8}T\d{4})Z_" % REGION)


def end_time(doc):
    return datetime.datetime.strptime(doc["digestEndTime"], "%Y-%m-%dT%H:%M:%SZ")


class LiveBucketValidation(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ot-sec11-")
        self.server = otharness.Server("--digest-interval", "20s").start()

    def tearDown(self):
        rc = self.server.stop()
        report = self.server.sanitizer_report()
        self.server.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.assertEqual((rc, report), (0, ""))

    def ours(self, source, *extra, env=None):
        return run_ours(self, source, self.arn, self.start, "--verbose", *extra, env=env)

    def activity(self):
        ct = self.server.client("cloudtrail")
        for _ in range(3):
            ct.describe_trails()

    def digest_then_same_minute_log(self, s3):
        """Waits for a digest D listing log files whose end leaves room in its minute, then has
        a log file delivered after D in D's end minute. Returns (D key, D doc, late log key),
        or None if the next digest came first (the caller retries)."""
        seen = set(digest_keys(s3, BUCKET, ACCT, REGION))
        deadline = time.time() + 120
        while time.time() < deadline:
            self.activity()
            new = wait_for(lambda: sorted(set(digest_keys(s3, BUCKET, ACCT, REGION)) - seen),
                           timeout=30, step=0.1)
            if not new:
                continue
            seen.update(new)
            key = new[-1]
            doc, _, _ = read_digest(s3, BUCKET, key)
            if not doc["logFiles"] or end_time(doc).second > 40:
                continue  # no log files to vouch for, or too close to the next minute
            listed = {f["s3Object"] for f in doc["logFiles"]}
            minute = end_time(doc).strftime("%Y%m%dT%H%M")
            self.activity()

            def late():
                return [k for k in log_keys(s3, BUCKET, ACCT, REGION) if k not in listed
                        and NAME_MINUTE.search(k) and NAME_MINUTE.search(k).group(1) == minute]
            got = wait_for(late, timeout=10, step=0.1)
            if got and digest_keys(s3, BUCKET, ACCT, REGION)[-1] == key:
                return key, doc, got[0]
        return None

    def snapshot(self):
        """A frozen copy: the bucket directory (copy2 keeps the xattr metadata) and a
        consistent backup of the live state.db."""
        copy = os.path.join(self.tmp, "copy")
        os.makedirs(os.path.join(copy, "buckets"))
        src = sqlite3.connect(os.path.join(self.server.data_dir, "state.db"))
        dst = sqlite3.connect(os.path.join(copy, "state.db"))
        src.backup(dst)
        src.close()
        dst.close()
        shutil.copytree(os.path.join(self.server.data_dir, "buckets", BUCKET),
                        os.path.join(copy, "buckets", BUCKET))
        return copy

    def test_log_after_newest_digest_in_its_end_minute_is_not_a_tamper_alarm(self):
        s = self.server
        s.aws("s3api", "create-bucket", "--bucket", BUCKET)
        trail = s.aws_json("cloudtrail", "create-trail", "--name", "live", "--s3-bucket-name",
                           BUCKET, "--enable-log-file-validation")
        self.arn = trail["TrailARN"]
        self.start = utcnow() - datetime.timedelta(minutes=2)
        s.aws("cloudtrail", "start-logging", "--name", "live")
        s3 = s.client("s3")
        found = None
        for _ in range(3):
            found = self.digest_then_same_minute_log(s3)
            if found:
                break
        self.assertTrue(found, "never had a log file delivered after a digest in its end minute")
        dkey, doc, late = found
        copy = self.snapshot()  # before the next digest (20 s period) lists the late file
        copied = os.path.join(copy, "buckets", BUCKET)
        self.assertTrue(os.path.exists(os.path.join(copied, late)))
        newest = sorted(k for k in digest_keys(s3, BUCKET, ACCT, REGION))[-1]

        # 1. the frozen copy, offline: the late file is uncovered, nothing is INVALID
        rc, out, err = self.ours(copied, "--data-dir", copy,
                                 env={"PATH": os.environ.get("PATH", "")})
        msg = "late %s after %s\n--- stdout\n%s--- stderr\n%s" % (late, dkey, out, err)
        self.assertEqual(rc, 0, msg)
        self.assertNotIn("INVALID", out + err, msg)
        self.assertNotIn(late, out + err, msg)  # not judged: it is not listed by any digest yet
        self.assertRegex(out, r"\n\d+ log files not covered by any digest", msg)
        self.assertIn("Digest file\ts3://%s/%s\tvalid" % (BUCKET, dkey), out, msg)

        # 2. the live bucket over s3:// (keys from the live data dir, read-only)
        env = s.env(REGION, endpoint=False)
        env["AWS_ENDPOINT_URL_S3"] = s.endpoint
        rc, out, err = self.ours("s3://" + BUCKET, "--data-dir", s.data_dir, env=env)
        self.assertEqual(rc, 0, "over s3\n--- stdout\n%s--- stderr\n%s" % (out, err))
        self.assertNotIn("INVALID", out + err)

        # 3. the real AWS CLI over the same server agrees
        rc, out, err, counts = validate_logs(s, self.arn, self.start, REGION)
        self.assertEqual(rc, 0, "aws cli\n--- stdout\n%s--- stderr\n%s" % (out, err))
        self.assertNotIn("INVALID", out + err)
        self.assertTrue(newest >= dkey)


if __name__ == "__main__":
    unittest.main(verbosity=2)

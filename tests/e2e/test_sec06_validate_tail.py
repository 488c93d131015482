"""ISSUE8 item 6: `opentrail validate` must catch a truncated chain tail.

The backward walk starts at the newest digest it finds, so deleting the newest digest(s) — with
or without the log files they list — or all of AWSLogs/ leaves a shorter chain that is valid in
itself, and validation used to exit 0. Now:

- with --data-dir, the data dir's chain head (the newest digest the server committed) must be
  found: `Digest file <head> INVALID: not found (the data dir's chain head: ...)`;
- with an explicit --end-time, a chain whose newest digest is a regular (full-interval) one must
  go on: `INVALID: not found (the chain stops at ...)` names the digest that is due.

A server writes a validating trail (2 s digests), stops logging (the short final digest), and is
stopped; each case deletes files from a fresh copy of its data dir. The real
`aws cloudtrail validate-logs` (over a server on the copy) is run beside ours: it reports nothing
for a deleted tail (it only checks the links it walks), which is what this item is about.
"""
import datetime
import gzip
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import otharness
from otharness import BIN
from otdigest import digest_keys, iso, run_ours, utcnow, validate_logs, wait_for

ACCT = "123456789012"
REGION = "us-east-1"
BUCKET = "tail-trail"


def uri(key):
    return "s3://%s/%s" % (BUCKET, key)


class TailTruncation(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ot-sec06-")
        cls.pristine = os.path.join(cls.tmp, "pristine")
        s = otharness.Server("--digest-interval", "2s", data_dir=cls.pristine).start()
        try:
            s.aws("s3api", "create-bucket", "--bucket", BUCKET)
            trail = s.aws_json("cloudtrail", "create-trail", "--name", "tail", "--s3-bucket-name",
                               BUCKET, "--enable-log-file-validation")
            cls.arn = trail["TrailARN"]
            cls.start = utcnow() - datetime.timedelta(minutes=2)
            s.aws("cloudtrail", "start-logging", "--name", "tail")
            s3, ct = s.client("s3"), s.client("cloudtrail")
            for _ in range(4):
                ct.describe_trails()
                time.sleep(1.5)
            assert wait_for(lambda: len(digest_keys(s3, BUCKET, ACCT, REGION)) >= 5, timeout=60)
            s.aws("cloudtrail", "stop-logging", "--name", "tail")  # the final digest
        finally:
            rc = s.stop()
        assert rc == 0 and not s.sanitizer_report(), s.log_text()[-4000:]
        cls.root = os.path.join(cls.pristine, "buckets", BUCKET)
        cls.dk = sorted(cls.keys("CloudTrail-Digest"))
        cls.lk = sorted(cls.keys("CloudTrail"))
        cls.docs = {k: json.loads(gzip.decompress(open(os.path.join(cls.root, k), "rb").read()))
                    for k in cls.dk}
        cls.exported = os.path.join(cls.tmp, "keys")
        p = subprocess.run([BIN, "keys", "export", "--data-dir", cls.pristine, "--out",
                            cls.exported], capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        time.sleep(5)  # the regular digests are now more than two intervals old
        cls.now = utcnow() + datetime.timedelta(seconds=30)

    @classmethod
    def keys(cls, kind):
        base = os.path.join(cls.root, "AWSLogs", ACCT, kind)
        return [os.path.relpath(os.path.join(d, f), cls.root)
                for d, _, files in os.walk(base) for f in files]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def window(self, key):
        doc = self.docs[key]
        t = [datetime.datetime.strptime(doc[k], "%Y-%m-%dT%H:%M:%SZ")
             for k in ("digestStartTime", "digestEndTime")]
        return t[1] - t[0]

    # ---- runners ---------------------------------------------------------------------------------
    def copy(self, name, delete=()):
        d = os.path.join(self.tmp, name)
        shutil.copytree(self.pristine, d)  # copy2: keeps the xattr metadata
        for k in delete:
            p = os.path.join(d, "buckets", BUCKET, k)
            shutil.rmtree(p) if os.path.isdir(p) else os.unlink(p)
        return d

    def ours(self, data_dir, *extra, source=None, env=None):
        return run_ours(self, source or os.path.join(data_dir, "buckets", BUCKET), self.arn,
                        self.start, *extra, env=env)

    def offline_both_ways(self, data_dir):
        """(with --data-dir), (with the exported keys and --end-time now)"""
        return (self.ours(data_dir, "--data-dir", data_dir),
                self.ours(data_dir, "--public-key", self.exported, "--end-time", iso(self.now)))

    def assert_head_missing(self, res, head, newest_left):
        rc, out, err = res
        msg = "--- stdout\n%s--- stderr\n%s" % (out, err)
        self.assertEqual(rc, 1, msg)
        line = "Digest file\t%s\tINVALID: not found (the data dir's chain head: " % uri(head)
        self.assertIn(line, err, msg)
        if newest_left:
            self.assertIn("the newest found ends at %s: %s)" % (
                self.docs[newest_left]["digestEndTime"], uri(newest_left)), err, msg)
        else:
            self.assertIn("no digest of this chain was found)", err, msg)

    def assert_cadence_missing(self, res, newest_left):
        rc, out, err = res
        msg = "--- stdout\n%s--- stderr\n%s" % (out, err)
        self.assertEqual(rc, 1, msg)
        self.assertIn("INVALID: not found (the chain stops at %s with %s; a logging trail gets "
                      "a digest every 2s" % (self.docs[newest_left]["digestEndTime"],
                                             uri(newest_left)), err, msg)

    # ---- tests -----------------------------------------------------------------------------------
    def test_untampered_trail_is_valid(self):
        with_dd, with_end = self.offline_both_ways(self.pristine)
        self.assertEqual(with_dd[0], 0, with_dd[1] + with_dd[2])
        self.assertNotIn("INVALID", with_dd[1] + with_dd[2])
        # a final digest exactly one interval long looks like a regular one (docs/validate.md)
        if self.window(self.dk[-1]) < datetime.timedelta(seconds=2):
            self.assertEqual(with_end[0], 0, with_end[1] + with_end[2])

    def test_deleted_newest_digest(self):
        d = self.copy("newest", [self.dk[-1]])
        with_dd, with_end = self.offline_both_ways(d)
        self.assert_head_missing(with_dd, self.dk[-1], self.dk[-2])
        self.assert_cadence_missing(with_end, self.dk[-2])
        # without either, nothing says how far the chain reached: valid, as the AWS CLI says
        rc, out, err = self.ours(d, "--public-key", self.exported)
        self.assertEqual(rc, 0, out + err)
        # over S3 (a server on the copy), with the data dir's heads; the AWS CLI beside it
        s = otharness.Server(data_dir=d).start()
        try:
            env = s.env(REGION, endpoint=False)
            env["AWS_ENDPOINT_URL_S3"] = s.endpoint
            over_s3 = self.ours(d, "--data-dir", d, source="s3://" + BUCKET, env=env)
            cli = validate_logs(s, self.arn, self.start, REGION)
        finally:
            rc = s.stop()
            report = s.sanitizer_report()
            s.cleanup()
        self.assertEqual((rc, report), (0, ""))
        self.assert_head_missing(over_s3, self.dk[-1], self.dk[-2])
        self.assertEqual(cli[0], 0, "the AWS CLI does not check the tail\n" + cli[1] + cli[2])

    def test_deleted_newest_digests_and_their_logs(self):
        gone = self.dk[-2:] + [f["s3Object"] for k in self.dk[-2:] for f in self.docs[k]["logFiles"]]
        d = self.copy("newest2", gone)
        with_dd, with_end = self.offline_both_ways(d)
        self.assert_head_missing(with_dd, self.dk[-1], self.dk[-3])
        self.assert_cadence_missing(with_end, self.dk[-3])

    def test_deleted_awslogs(self):
        d = self.copy("awslogs", ["AWSLogs"])
        rc, out, err = self.ours(d, "--data-dir", d)
        self.assert_head_missing((rc, out, err), self.dk[-1], None)
        # a later --start-time than the head: nothing was asked about that chain
        rc, out, err = self.ours(d, "--data-dir", d, "--start-time", iso(self.now),
                                 "--end-time", iso(self.now + datetime.timedelta(minutes=1)))
        self.assertEqual(rc, 0, out + err)


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""End to end: kill -9 between log delivery and the digest that lists the files.

Delivery records each delivered file for the digests in the same state.db transaction that
marks its seal done, so a crash before the digest loses nothing: after restart and more
activity, the whole chain validates with the real `aws cloudtrail validate-logs`, and every log
file in the bucket is in exactly one digest."""
import time

import otharness
from otdigest import digest_keys, log_keys, read_digest, utcnow, validate_logs, wait_for

ACCT = "123456789012"
BUCKET = "crash-logs"


class DigestCrashTest(otharness.ServerTestCase):
    # 20 s leaves room for slow CLI calls on a loaded machine before the first digest is due.
    server_args = ("--digest-interval", "20s")

    def test_kill9_before_digest_loses_nothing(self):
        s = self.server
        s3 = s.client("s3")
        s.aws("s3api", "create-bucket", "--bucket", BUCKET)
        arn = s.aws_json("cloudtrail", "create-trail", "--name", "crashy", "--s3-bucket-name",
                         BUCKET, "--enable-log-file-validation")["TrailARN"]
        start = utcnow()
        s.aws("cloudtrail", "start-logging", "--name", "crashy")
        for _ in range(3):
            s.aws("cloudtrail", "describe-trails")
        # Wait for the log files (1 s delivery), then kill before the 20 s digest is due.
        self.assertTrue(wait_for(lambda: log_keys(s3, BUCKET, ACCT, "us-east-1"), timeout=20))
        self.assertEqual(digest_keys(s3, BUCKET, ACCT, "us-east-1"), [])
        delivered = log_keys(s3, BUCKET, ACCT, "us-east-1")
        s.kill9()
        s.start()
        s3 = s.client("s3")
        for _ in range(3):
            s.aws("cloudtrail", "describe-trails")
        self.assertTrue(wait_for(lambda: len(digest_keys(s3, BUCKET, ACCT, "us-east-1")) >= 2,
                                 timeout=90))
        # A second crash right after a digest, and one more period.
        s.kill9()
        s.start()
        s3 = s.client("s3")
        s.aws("cloudtrail", "describe-trails")
        time.sleep(1.5)
        s.aws("cloudtrail", "stop-logging", "--name", "crashy")  # final digest

        digests = digest_keys(s3, BUCKET, ACCT, "us-east-1")
        logs = log_keys(s3, BUCKET, ACCT, "us-east-1")
        docs = [read_digest(s3, BUCKET, k)[0] for k in digests]
        listed = [f["s3Object"] for d in docs for f in d["logFiles"]]
        self.assertEqual(sorted(listed), sorted(logs), "a log file is missing from the digests")
        self.assertTrue(set(delivered) <= set(listed))
        self.assertEqual(sum(1 for d in docs if d["previousDigestSignature"] is None), 1,
                         "the crash forked or broke the chain")
        rc, out, err, counts = validate_logs(s, arn, start.replace(second=0), "us-east-1")
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(counts.get("digest"), (len(digests), len(digests), 0), out + err)
        self.assertEqual(counts.get("log"), (len(logs), len(logs), 0), out + err)
        self.assertNotIn("No log files were delivered", err)  # no gap: one unbroken chain


if __name__ == "__main__":
    otharness.main()

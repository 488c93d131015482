"""ISSUE8 item 5: write-once covers new keys under a trail's log prefix, and no object name can
block a folder that delivery needs.

- Under a trail's log roots ([P/]AWSLogs/<acct>/CloudTrail/ and CloudTrail-Digest/) only
  delivery creates objects: a client PutObject of a fake log file or digest gets 403
  AccessDenied, and so does an object where a root needs a folder (AWSLogs, AWSLogs/<acct>, a
  component of the trail's prefix).
- An object named like a folder of CloudTrail's layout (e.g. AWSLogs/<acct>/CloudTrail/eu-west-1)
  is refused in every bucket, with or without a trail, so a trail created later is never blocked.
- An object stored where a new trail's prefix needs a folder makes CreateTrail / UpdateTrail fail
  with InvalidS3PrefixException instead of a trail that can never deliver.
- Delivery into the region whose folder a client tried to occupy still works.
- Keys under AWSLogs/ outside every root (another account's real logs synced in) still work.
"""
import time

import botocore.exceptions

from otharness import ServerTestCase, main
from otlogs import all_log_objects

ACCT = "123456789012"
FAKE_LOG = "AWSLogs/%s/CloudTrail/us-east-1/2026/01/01/%s_CloudTrail_us-east-1_20260101T0000Z_AAAAAAAAAAAAAAAA.json.gz" % (ACCT, ACCT)
FAKE_DIGEST = "AWSLogs/%s/CloudTrail-Digest/us-east-1/2026/01/01/x.json.gz" % ACCT
FOLDERS = ["AWSLogs", "AWSLogs/" + ACCT, "AWSLogs/%s/CloudTrail" % ACCT,
           "AWSLogs/%s/CloudTrail/eu-west-1" % ACCT, "AWSLogs/%s/CloudTrail/eu-west-1/2026/12" % ACCT,
           "AWSLogs/%s/CloudTrail-Digest/eu-west-1/2026/12/03" % ACCT,
           "AWSLogs/o-abcdefghij/%s/CloudTrail/eu-west-1" % ACCT]


class NewKeys(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.s3 = self.server.client("s3")
        self.ct = self.server.client("cloudtrail")

    def denied(self, bucket, key, body=b"x"):
        with self.assertRaises(botocore.exceptions.ClientError, msg=key) as cm:
            self.s3.put_object(Bucket=bucket, Key=key, Body=body)
        self.assertEqual(cm.exception.response["Error"]["Code"], "AccessDenied", key)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        with self.assertRaises(botocore.exceptions.ClientError):
            self.s3.head_object(Bucket=bucket, Key=key)

    def test_fake_logs_under_a_trail_refused(self):
        self.s3.create_bucket(Bucket="trail-logs")
        self.ct.create_trail(Name="trail-one", S3BucketName="trail-logs")
        self.s3.create_bucket(Bucket="pfx-logs")
        self.ct.create_trail(Name="trail-two", S3BucketName="pfx-logs", S3KeyPrefix="team/a")
        for key in (FAKE_LOG, FAKE_DIGEST):
            self.denied("trail-logs", key)
            self.denied("pfx-logs", "team/a/" + key)
        for key in ("team", "team/a", "team/a/AWSLogs", "team/a/AWSLogs/" + ACCT):
            self.denied("pfx-logs", key)
        # outside the roots: other accounts' logs (aws s3 sync of real logs), other prefixes
        other = FAKE_LOG.replace(ACCT, "111122223333")
        for bucket, key in (("trail-logs", other), ("trail-logs", "notes/a.txt"),
                            ("pfx-logs", FAKE_LOG), ("pfx-logs", "team/b/" + FAKE_LOG),
                            ("pfx-logs", "team/a/notes.txt")):
            self.s3.put_object(Bucket=bucket, Key=key, Body=b"1")

    def test_folder_names_refused_without_a_trail(self):
        self.s3.create_bucket(Bucket="no-trail")
        for key in FOLDERS + ["x/y/" + FOLDERS[3]]:
            self.denied("no-trail", key)
        # real log file names and folder markers are fine where no trail writes
        self.s3.put_object(Bucket="no-trail", Key=FAKE_LOG, Body=b"1")
        self.s3.put_object(Bucket="no-trail", Key="AWSLogs/%s/CloudTrail/eu-west-1/" % ACCT, Body=b"")

    def test_blocking_object_refuses_the_trail(self):
        self.s3.create_bucket(Bucket="pre")
        self.s3.put_object(Bucket="pre", Key="team", Body=b"not a folder")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.ct.create_trail(Name="trail-three", S3BucketName="pre", S3KeyPrefix="team/x")
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidS3PrefixException")
        self.assertIn("s3://pre/team", cm.exception.response["Error"]["Message"])
        self.ct.create_trail(Name="trail-three", S3BucketName="pre", S3KeyPrefix="other")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.ct.update_trail(Name="trail-three", S3KeyPrefix="team/x")
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidS3PrefixException")
        self.s3.delete_object(Bucket="pre", Key="team")
        self.ct.update_trail(Name="trail-three", S3KeyPrefix="team/x")

    def test_delivery_into_the_contested_region_works(self):
        self.s3.create_bucket(Bucket="multi")
        self.ct.create_trail(Name="multi-trail", S3BucketName="multi", IsMultiRegionTrail=True)
        self.denied("multi", "AWSLogs/%s/CloudTrail/eu-west-1" % ACCT)
        self.ct.start_logging(Name="multi-trail")
        self.server.client("cloudtrail", region="eu-west-1").describe_trails()
        prefix = "AWSLogs/%s/CloudTrail/eu-west-1/" % ACCT
        deadline = time.time() + 60
        while time.time() < deadline and not all_log_objects(self.s3, "multi", prefix):
            time.sleep(0.5)
        self.assertTrue(all_log_objects(self.s3, "multi", prefix), "no eu-west-1 delivery")


class NewKeysOptionOff(ServerTestCase):
    server_args = ("--log-bucket-write-once", "false")

    def test_folder_names_still_refused(self):
        s3 = self.server.client("s3")
        s3.create_bucket(Bucket="trail-logs")
        self.server.client("cloudtrail").create_trail(Name="trail-one", S3BucketName="trail-logs")
        s3.put_object(Bucket="trail-logs", Key=FAKE_LOG, Body=b"1")     # write-once is off
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            s3.put_object(Bucket="trail-logs", Key=FOLDERS[3], Body=b"1")
        self.assertEqual(cm.exception.response["Error"]["Code"], "AccessDenied")


if __name__ == "__main__":
    main()

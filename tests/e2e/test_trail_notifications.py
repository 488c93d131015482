"""Trail notifications: a trail with an SNS topic sends CloudTrail's message naming each log file
it delivers to that topic; a missing topic is refused at CreateTrail/UpdateTrail; a topic deleted
later shows in GetTrailStatus and does not stop delivery."""
import json
import os
import time

import botocore.exceptions

import otharness
from test_metrics import scrape, value
from test_pipeline import wait_for

TOPIC_MISSING = "SNS Topic does not exist or the topic policy is incorrect!"


class TrailNotifications(otharness.ServerTestCase):
    # Files are written when StopLogging flushes the trail, not on a timer.
    delivery_interval = "1h"

    def setUp(self):
        super().setUp()
        self.ct = self.server.client("cloudtrail")
        self.sns = self.server.client("sns")
        self.s3 = self.server.client("s3")
        self.s3.create_bucket(Bucket="trail-logs")

    def lines(self, endpoint, count):
        """The messages of a file endpoint once it has at least count (bounded wait)."""
        path = os.path.join(self.server.data_dir, "sns", endpoint)
        deadline = time.time() + 30
        while time.time() < deadline:
            if os.path.exists(path):
                with open(path) as f:
                    lines = [json.loads(l) for l in f.read().split("\n")[:-1]]
                if len(lines) >= count:
                    return lines
            time.sleep(0.1)
        self.fail("%s never got %d lines" % (endpoint, count))

    def log_files(self):
        listing = self.s3.list_objects_v2(Bucket="trail-logs", Prefix="AWSLogs/")
        return sorted(o["Key"] for o in listing.get("Contents", [])
                      if "/CloudTrail/" in o["Key"])

    def test_each_delivered_file_is_announced(self):
        s = self.server
        topic = self.sns.create_topic(Name="trail-files")["TopicArn"]
        self.sns.subscribe(TopicArn=topic, Protocol="file", Endpoint="trail-files.jsonl")
        out = s.aws_json("cloudtrail", "create-trail", "--name", "main", "--s3-bucket-name",
                         "trail-logs", "--sns-topic-name", "trail-files")
        self.assertEqual(out["SnsTopicName"], "trail-files")
        self.assertEqual(out["SnsTopicARN"], topic)
        trail = self.ct.get_trail(Name="main")["Trail"]
        self.assertEqual(trail["SnsTopicARN"], topic)
        status = self.ct.get_trail_status(Name="main")
        self.assertNotIn("LatestNotificationTime", status)
        self.assertEqual(status["LatestNotificationAttemptTime"], "")
        s.aws("cloudtrail", "start-logging", "--name", "main")
        s.aws("cloudtrail", "describe-trails")
        s.aws("cloudtrail", "stop-logging", "--name", "main")   # flushes: the files are written
        keys = self.log_files()
        self.assertTrue(keys, "no log file was delivered")
        notes = self.lines("trail-files.jsonl", len(keys))
        self.assertEqual(len(notes), len(keys))
        for n in notes:
            self.assertEqual(n["Type"], "Notification")
            self.assertEqual(n["TopicArn"], topic)
            body = json.loads(n["Message"])
            self.assertEqual(list(body), ["s3Bucket", "s3ObjectKey"])
            self.assertEqual(n["Message"], json.dumps(body, separators=(",", ":")))
            self.assertEqual(body["s3Bucket"], "trail-logs")
            self.assertEqual(len(body["s3ObjectKey"]), 1)
        self.assertEqual(sorted(json.loads(n["Message"])["s3ObjectKey"][0] for n in notes), keys)
        status = self.ct.get_trail_status(Name="main")
        self.assertIn("LatestNotificationTime", status)
        self.assertNotEqual(status["LatestNotificationAttemptTime"], "")
        self.assertNotEqual(status["LatestNotificationAttemptSucceeded"], "")
        self.assertNotIn("LatestNotificationError", status)
        self.assertEqual(self.notifications_counted("sent"), len(keys))

    def notifications_counted(self, result):
        return value(scrape(self.server), "opentrail_trail_notifications_total", result=result)

    def test_topic_given_as_arn(self):
        topic = self.sns.create_topic(Name="by-arn")["TopicArn"]
        out = self.ct.create_trail(Name="arned", S3BucketName="trail-logs", SnsTopicName=topic)
        self.assertEqual(out["SnsTopicARN"], topic)

    def test_missing_topic_is_refused(self):
        for call, kw in ((self.ct.create_trail, {"Name": "trail-one", "S3BucketName": "trail-logs",
                                                 "SnsTopicName": "nope"}),
                         (self.ct.create_trail, {"Name": "trail-two", "S3BucketName": "trail-logs",
                                                 "SnsTopicName":
                                                     "arn:aws:sns:us-east-1:123456789012:nope"})):
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                call(**kw)
            err = cm.exception.response["Error"]
            self.assertEqual(err["Code"], "InsufficientSnsTopicPolicyException")
            self.assertEqual(err["Message"], TOPIC_MISSING)
        self.assertEqual(self.ct.describe_trails()["trailList"], [])
        # a topic of another region is not the trail's either
        other = self.server.client("sns", region="eu-west-1").create_topic(Name="far")["TopicArn"]
        self.ct.create_trail(Name="trail-three", S3BucketName="trail-logs")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.ct.update_trail(Name="trail-three", SnsTopicName=other)
        self.assertEqual(cm.exception.response["Error"]["Code"],
                         "InsufficientSnsTopicPolicyException")
        self.assertNotIn("SnsTopicARN", self.ct.get_trail(Name="trail-three")["Trail"])
        # the CLI shows the same error
        rc, _, err = self.server.aws("cloudtrail", "update-trail", "--name", "trail-three",
                                     "--sns-topic-name", "nope", check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("InsufficientSnsTopicPolicyException", err)
        self.assertIn(TOPIC_MISSING, err)

    def test_deleted_topic_is_reported_and_delivery_goes_on(self):
        s = self.server
        topic = self.sns.create_topic(Name="short-lived")["TopicArn"]
        self.ct.create_trail(Name="main", S3BucketName="trail-logs", SnsTopicName="short-lived")
        self.sns.delete_topic(TopicArn=topic)
        s.aws("cloudtrail", "start-logging", "--name", "main")
        s.aws("cloudtrail", "stop-logging", "--name", "main")
        self.assertTrue(self.log_files(), "a failing notification held up delivery")
        status = wait_for(lambda: (lambda st: st if st.get("LatestNotificationError") else None)(
            self.ct.get_trail_status(Name="main")))
        self.assertEqual(status["LatestNotificationError"], "NotFound: Topic does not exist")
        self.assertNotIn("LatestNotificationTime", status)
        self.assertNotEqual(status["LatestNotificationAttemptTime"], "")
        self.assertIn("LatestDeliveryTime", status)
        self.assertNotIn("LatestDeliveryError", status)
        self.assertGreaterEqual(self.notifications_counted("failed"), 1)
        self.assertEqual(self.notifications_counted("sent"), 0)


if __name__ == "__main__":
    otharness.main()

"""Delivery failures are retried and reported by GetTrailStatus; the events arrive once the
bucket is back."""
import json
import time

import otharness
from otlogs import read_all_records
from test_pipeline import audit_event, wait_for


class DeliveryStatusTest(otharness.ServerTestCase):
    # Nothing is delivered on a timer during the test: the bucket can be deleted while empty,
    # and StopLogging is what triggers the (failing) delivery.
    delivery_interval = "1h"

    def test_failed_delivery_is_reported_then_retried(self):
        s = self.server
        s.aws("s3api", "create-bucket", "--bucket", "flaky-logs")
        arn = s.aws_json("cloudtrail", "create-trail", "--name", "flaky", "--s3-bucket-name",
                         "flaky-logs")["TrailARN"]
        status = s.aws_json("cloudtrail", "get-trail-status", "--name", "flaky")
        self.assertFalse(status["IsLogging"])
        for key in ("LatestDeliveryTime", "LatestDeliveryError", "StartLoggingTime"):
            self.assertNotIn(key, status, "a time or error was invented before anything happened")
        s.aws("cloudtrail", "start-logging", "--name", "flaky")
        ch = s.aws_json("cloudtrail", "create-channel", "--name", "flaky-app", "--source", "Custom",
                        "--destinations", json.dumps([{"Type": "AWS_SERVICE", "Location": arn}]))["ChannelArn"]
        s.aws("s3api", "delete-bucket", "--bucket", "flaky-logs")   # the destination disappears
        acked = s.client("cloudtrail-data").put_audit_events(
            channelArn=ch, auditEvents=[{"id": "a", "eventData": audit_event("f1")}])["successful"][0]["eventID"]
        s.aws("cloudtrail", "stop-logging", "--name", "flaky")
        status = wait_for(lambda: (lambda st: st if st.get("LatestDeliveryError") else None)(
            s.aws_json("cloudtrail", "get-trail-status", "--name", "flaky")))
        self.assertIn("flaky-logs", status["LatestDeliveryError"])
        self.assertFalse(status.get("LatestDeliveryAttemptSucceeded") == "true")
        s.aws("s3api", "create-bucket", "--bucket", "flaky-logs")    # back: the retry delivers
        s3 = s.client("s3")
        found = wait_for(lambda: [r for _, r in read_all_records(s3, "flaky-logs") if r["eventID"] == acked],
                         timeout=90)
        self.assertEqual(len(found), 1)
        status = wait_for(lambda: (lambda st: st if "LatestDeliveryError" not in st else None)(
            s.aws_json("cloudtrail", "get-trail-status", "--name", "flaky")))
        self.assertIn("LatestDeliveryTime", status)


if __name__ == "__main__":
    otharness.main()

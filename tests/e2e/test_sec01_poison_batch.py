"""ISSUE8 item 1, second half: a log file that can never be written must not stall delivery.

An operator (or anything with access to the data dir) leaves a regular file where the folder of
one region must be created: buckets/<bucket>/AWSLogs/<acct>/CloudTrail/eu-west-1. Every log file
of that region is then refused by the store for good. Before the fix the whole seal was retried
forever: the other regions' events and the trail's own management events sealed with it were
never delivered, even after a restart. Now that one file is quarantined (kept under
DATA-DIR/quarantine with a reason file), GetTrailStatus reports it, the rest is delivered, no
digest lists the quarantined file, and a restart finds nothing stuck. Once the obstacle is gone,
the next start delivers the quarantined files where they were meant to go.
"""
import glob
import gzip
import json
import os

import otharness
from otdigest import list_keys, read_digest
from otlogs import read_all_records
from test_pipeline import ACCT, audit_event, wait_for

BUCKET = "poison-logs"
BLOCKED = "eu-west-1"
OTHER = "us-west-2"


class PoisonBatchTest(otharness.ServerTestCase):
    delivery_interval = "1h"          # seal() seals, so each step is deterministic
    server_args = ("--digest-interval", "2s")

    def put_events(self, channel, region, tag, n):
        data = self.server.client("cloudtrail-data", region=region)
        out = data.put_audit_events(channelArn=channel, auditEvents=[
            {"id": "%s%d" % (tag, i), "eventData": audit_event("%s-%d" % (tag, i))}
            for i in range(n)])
        self.assertEqual(out["failed"], [])
        return {x["eventID"] for x in out["successful"]}

    def seal(self):
        """PutEventSelectors (the default selector again) seals the trail's open batches at
        once, and the trail keeps logging (digests go on)."""
        self.server.aws("cloudtrail", "put-event-selectors", "--trail-name", "poison",
                        "--event-selectors",
                        json.dumps([{"ReadWriteType": "All", "IncludeManagementEvents": True}]))

    def quarantined(self):
        """{path: (records, reason)} of the quarantined log files."""
        out = {}
        for path in glob.glob(os.path.join(self.server.data_dir, "quarantine", "*", "*.json.gz")):
            with gzip.open(path) as f:
                records = json.load(f)["Records"]
            with open(path[:-len(".gz")]) as f:
                out[path] = (records, json.load(f))
        return out

    def test_unwritable_region_is_quarantined_and_the_rest_flows(self):
        s = self.server
        s.aws("s3api", "create-bucket", "--bucket", BUCKET)
        arn = s.aws_json("cloudtrail", "create-trail", "--name", "poison", "--s3-bucket-name",
                         BUCKET, "--is-multi-region-trail",
                         "--enable-log-file-validation")["TrailARN"]
        s.aws("cloudtrail", "start-logging", "--name", "poison")
        channel = s.aws_json("cloudtrail", "create-channel", "--name", "app", "--source", "Custom",
                             "--destinations", json.dumps([{"Type": "AWS_SERVICE",
                                                            "Location": arn}]))["ChannelArn"]
        # Local tampering: a plain file where the eu-west-1 folder has to go.
        folder = os.path.join(s.data_dir, "buckets", BUCKET, "AWSLogs", ACCT, "CloudTrail")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, BLOCKED), "w") as f:
            f.write("not a folder\n")

        blocked = self.put_events(channel, BLOCKED, "b", 3)
        other = self.put_events(channel, OTHER, "o", 3)
        self.seal()

        # Everything but the blocked region is delivered: the other region and the trail's own
        # management events (StartLogging, CreateChannel) from the same seal.
        s3 = s.client("s3")
        records = [r for _, r in read_all_records(s3, BUCKET)]
        ids = {r["eventID"] for r in records}
        self.assertTrue(other <= ids, "the other region's events were held back")
        names = {r["eventName"] for r in records if r.get("eventSource") == "cloudtrail.amazonaws.com"}
        self.assertTrue({"StartLogging", "CreateChannel"} <= names,
                        "the trail's management events were held back: %s" % names)
        self.assertFalse(blocked & ids)

        # GetTrailStatus says what happened.
        status = s.aws_json("cloudtrail", "get-trail-status", "--name", "poison")
        err = status.get("LatestDeliveryError", "")
        self.assertIn(BLOCKED, err)
        self.assertIn("quarantine", err)
        self.assertIn("LatestDeliveryTime", status)

        # The quarantined file holds exactly the blocked events, in CloudTrail's format.
        q = self.quarantined()
        self.assertEqual(len(q), 1, q.keys())
        (path, (recs, reason)), = q.items()
        self.assertEqual({r["eventID"] for r in recs}, blocked)
        self.assertTrue(all(r["awsRegion"] == BLOCKED for r in recs))
        self.assertEqual(reason["trailARN"], arn)
        self.assertEqual(reason["bucket"], BUCKET)
        self.assertEqual(reason["region"], BLOCKED)
        self.assertEqual(reason["events"], 3)
        self.assertIn("AWSLogs/%s/CloudTrail/%s/" % (ACCT, BLOCKED), reason["key"])
        self.assertTrue(reason["error"])
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        self.assertIn("quarantine", s.log_text())

        # No digest lists the quarantined file; the delivered one is listed.
        def digested():
            files = []
            for key in list_keys(s3, BUCKET, "AWSLogs/%s/CloudTrail-Digest/" % ACCT):
                files += [f["s3Object"] for f in read_digest(s3, BUCKET, key)[0]["logFiles"]]
            return files if any("/CloudTrail/%s/" % OTHER in k for k in files) else None
        files = wait_for(digested, timeout=60)
        self.assertTrue(files, "the delivered file never appeared in a digest")
        self.assertFalse([k for k in files if "/CloudTrail/%s/" % BLOCKED in k])

        # After a crash and restart nothing is stuck: new events of both regions are handled at
        # once and the old quarantined file is neither redone nor duplicated.
        s.kill9()
        s.start()
        blocked2 = self.put_events(channel, BLOCKED, "c", 2)
        other2 = self.put_events(channel, OTHER, "p", 2)
        self.seal()
        ids = {r["eventID"] for _, r in read_all_records(s3, BUCKET)}
        self.assertTrue(other2 <= ids, "delivery is stuck after the restart")
        self.assertFalse((blocked | blocked2) & ids)
        q2 = self.quarantined()
        self.assertEqual(len(q2), 2)
        self.assertEqual(q2[path][0], recs, "the first quarantined file changed")
        new = [v for p, v in q2.items() if p != path]
        self.assertEqual({r["eventID"] for r in new[0][0]}, blocked2)
        self.assertIn(BLOCKED, s.aws_json("cloudtrail", "get-trail-status",
                                          "--name", "poison").get("LatestDeliveryError", ""))
        self.assertIn("still cannot be delivered", s.log_text())

        # The operator removes the obstacle and restarts: the quarantined files are delivered
        # where they were meant to go, exactly once, and listed in a digest.
        os.unlink(os.path.join(folder, BLOCKED))
        self.assertEqual(s.restart(), 0)
        self.assertEqual(self.quarantined(), {})
        records = read_all_records(s3, BUCKET)
        ids = [r["eventID"] for _, r in records]
        self.assertEqual(len(ids), len(set(ids)), "an event was delivered twice")
        self.assertTrue((blocked | blocked2) <= set(ids))
        self.assertEqual({k for k, r in records if r["eventID"] in blocked | blocked2},
                         {reason["key"], new[0][1]["key"]})
        files = wait_for(lambda: (lambda f: f if reason["key"] in f else None)(
            [f["s3Object"] for key in list_keys(s3, BUCKET, "AWSLogs/%s/CloudTrail-Digest/" % ACCT)
             for f in read_digest(s3, BUCKET, key)[0]["logFiles"]]), timeout=60)
        self.assertTrue(files, "the redelivered file never appeared in a digest")


if __name__ == "__main__":
    otharness.main()

"""Crash test: kill -9 the server during sustained PutAuditEvents load, restart, and prove every
acknowledged eventID is delivered exactly once."""
import json
import random
import threading
import time

import otharness
from otlogs import read_all_records
from test_pipeline import audit_event

CLIENTS = 4
BATCH = 50


class CrashTest(otharness.ServerTestCase):
    def load(self, data, channel_arn, acked, stop, worker):
        n = 0
        while not stop.is_set():
            events = [{"id": "w%d-%d-%d" % (worker, n, i), "eventData": audit_event("u%d-%d" % (worker, n))}
                      for i in range(BATCH)]
            n += 1
            try:
                resp = data.put_audit_events(channelArn=channel_arn, auditEvents=events)
            except Exception:
                return   # the server died under us: whatever was not acknowledged may be lost
            acked.extend(x["eventID"] for x in resp["successful"])

    def test_kill9_under_load_delivers_each_acked_event_once(self):
        s = self.server
        s.aws("s3api", "create-bucket", "--bucket", "crash-logs")
        arn = s.aws_json("cloudtrail", "create-trail", "--name", "crash-trail", "--s3-bucket-name",
                         "crash-logs")["TrailARN"]
        s.aws("cloudtrail", "start-logging", "--name", "crash-trail")
        ch = s.aws_json("cloudtrail", "create-channel", "--name", "load", "--source", "Custom",
                        "--destinations", json.dumps([{"Type": "AWS_SERVICE", "Location": arn}]))["ChannelArn"]
        acked, stop = [], threading.Event()
        threads = [threading.Thread(target=self.load, args=(s.client("cloudtrail-data"), ch, acked, stop, w))
                   for w in range(CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(random.uniform(2.5, 4.0))   # deliveries happen every second meanwhile
        s.kill9()
        stop.set()
        for t in threads:
            t.join()
        self.assertGreater(len(acked), 500, "the load did not get going")
        s.start()
        s.aws("cloudtrail", "stop-logging", "--name", "crash-trail")   # seal and deliver what is left
        records = read_all_records(s.client("s3"), "crash-logs")
        delivered = [r["eventID"] for _, r in records if r.get("eventCategory") == "ActivityAuditLog"]
        counts = {}
        for e in delivered:
            counts[e] = counts.get(e, 0) + 1
        duplicated = [e for e, c in counts.items() if c > 1]
        self.assertEqual(duplicated, [], "events delivered more than once")
        missing = set(acked) - set(counts)
        self.assertEqual(missing, set(), "%d acknowledged events were lost" % len(missing))


if __name__ == "__main__":
    otharness.main()

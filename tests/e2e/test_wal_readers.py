"""test_wal_readers.py — `opentrail wal readers`: the server's named WAL readers (history and
delivery) are listed with their committed positions and lag, while it runs and after it stops."""
import json
import os
import subprocess
import time
import unittest

from otharness import ServerTestCase, main

BIN = os.environ.get("OPENTRAIL_BIN", "opentrail")


class WalReaders(ServerTestCase):
    def readers(self):
        p = subprocess.run([BIN, "wal", "readers", os.path.join(self.server.data_dir, "wal"),
                            "--json"], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        report = json.loads(p.stdout)
        return report["last_lsn"], {r["name"]: r for r in report["readers"]}

    def wait_caught_up(self, name, timeout=20):
        deadline = time.time() + timeout
        while True:
            last, readers = self.readers()
            if readers[name]["lag_records"] == 0 or time.time() > deadline:
                return last, readers
            time.sleep(0.2)

    def test_readers_listed_with_lag_and_catch_up(self):
        s = self.server
        s.aws("s3api", "create-bucket", "--bucket", "readers-bucket")
        s.aws("cloudtrail", "create-trail", "--name", "readers-trail",
              "--s3-bucket-name", "readers-bucket")
        s.aws("cloudtrail", "start-logging", "--name", "readers-trail")
        for _ in range(5):
            s.aws("cloudtrail", "describe-trails")
        last, readers = self.readers()
        self.assertEqual(set(readers), {"history", "delivery", "trail-stream", "insights", "rules", "runbooks"})
        self.assertGreaterEqual(last, 8)  # the control-plane calls above are audited into the WAL
        for r in readers.values():
            self.assertLessEqual(r["committed"], last)
            self.assertEqual(r["lag_records"], last - r["committed"])
        # The readers catch up: history indexes every record, delivery writes the logging
        # trail's file (1 s interval) and commits its floor past it.
        for name in ("history", "delivery", "trail-stream", "insights", "rules", "runbooks"):
            last, readers = self.wait_caught_up(name)
            self.assertEqual(readers[name]["lag_records"], 0, readers)
            self.assertEqual(readers[name]["committed"], last)

    def test_positions_survive_kill9(self):
        s = self.server
        s.aws("cloudtrail", "describe-trails")
        last, before = self.wait_caught_up("history")
        s.kill9()
        _, after = self.readers()
        # A committed position is durable: after kill -9 it is where it was, never behind.
        self.assertGreaterEqual(after["history"]["committed"], before["history"]["committed"])
        s.start()
        s.aws("cloudtrail", "describe-trails")
        last2, readers = self.wait_caught_up("history")
        self.assertGreater(last2, last)
        self.assertEqual(readers["history"]["committed"], last2)


if __name__ == "__main__":
    main()

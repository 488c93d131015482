"""End to end: `opentrail import` of every file shape, damaged files, duplicates; `opentrail
lookup` offline and against a server (--endpoint)."""
import gzip
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import otharness


def event(i, name="CreateUser", user="alice", region="us-east-1", extra=None):
    rec = {"eventVersion": "1.09", "eventTime": "2024-03-01T%02d:%02d:00Z" % (i // 60 % 24, i % 60),
           "userIdentity": {"type": "IAMUser", "userName": user, "accessKeyId": "AKIA" + user.upper(),
                            "arn": "arn:aws:iam::999988887777:user/" + user},
           "eventSource": "iam.amazonaws.com", "eventName": name, "awsRegion": region,
           "eventID": "00000000-0000-0000-0000-%012d" % i, "readOnly": False,
           "eventType": "AwsApiCall", "managementEvent": True, "eventCategory": "Management",
           "recipientAccountId": "999988887777", "someFutureField": {"x": [1, 2]}}
    rec.update(extra or {})
    return rec


def run(*args, **kw):
    return subprocess.run([otharness.BIN] + list(args), capture_output=True, text=True, timeout=300, **kw)


class ImportTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ot-import-")
        self.src = os.path.join(self.tmp, "logs")
        self.data = os.path.join(self.tmp, "data")
        os.makedirs(os.path.join(self.src, "AWSLogs", "999988887777", "CloudTrail", "xx-mars-1"))
        os.makedirs(os.path.join(self.src, "AWSLogs", "999988887777", "CloudTrail-Digest"))
        os.makedirs(os.path.join(self.src, "AWSLogs", "999988887777", "CloudTrail-Insight"))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, rel, data, gz=False):
        path = os.path.join(self.src, rel)
        raw = data.encode() if isinstance(data, str) else data
        with open(path, "wb") as f:
            f.write(gzip.compress(raw) if gz else raw)
        return path

    def lookup(self, *args):
        p = run("lookup", "--data-dir", self.data, "--output", "ndjson", "--max", "0", *args)
        self.assertEqual(p.returncode, 0, p.stderr)
        return [json.loads(l) for l in p.stdout.splitlines()]

    def test_shapes_damage_and_duplicates(self):
        ct = "AWSLogs/999988887777/CloudTrail/xx-mars-1/"
        # envelope, gzipped, in an unknown region, account differing from the file name
        self.write(ct + "111111111111_CloudTrail_xx-mars-1_a.json.gz",
                   json.dumps({"Records": [event(i, region="xx-mars-1") for i in range(0, 100)]}), gz=True)
        # plain envelope, pretty-printed
        self.write("b.json", json.dumps({"Records": [event(i) for i in range(100, 150)]}, indent=2))
        # NDJSON and a JSON array; 140..159 overlap the previous file (duplicates)
        self.write("c.ndjson", "\n".join(json.dumps(event(i)) for i in range(140, 200)) + "\n")
        self.write("d.json", json.dumps([event(i, name="DeleteUser", user="bob") for i in range(200, 230)]))
        # two gzip members in one file (cat a.gz b.gz)
        self.write("e.json.gz", gzip.compress(json.dumps({"Records": [event(230)]}).encode()) +
                   gzip.compress(json.dumps({"Records": [event(231)]}).encode()))
        # files that hold no events to import
        self.write("AWSLogs/999988887777/CloudTrail-Digest/999988887777_CloudTrail-Digest_us-east-1_x.json.gz",
                   json.dumps({"awsAccountId": "999988887777", "logFiles": []}), gz=True)
        self.write("AWSLogs/999988887777/CloudTrail-Insight/999988887777_CloudTrail-Insight_us-east-1_x.json.gz",
                   json.dumps({"Records": [event(999, extra={"eventType": "AwsCloudTrailInsight"})]}), gz=True)
        self.write("ConfigWritabilityCheckFile", "")
        self.write(ct + "ConfigWritabilityCheckFile.json", "")
        # damage: corrupt gzip, truncated JSON, a record without eventID, garbage
        good = gzip.compress(json.dumps({"Records": [event(300)]}).encode())
        self.write("f_corrupt.json.gz", good[:20] + b"\x00" * 10 + good[30:])
        self.write("g_truncated.json", json.dumps({"Records": [event(400), event(401)]})[:-300])
        self.write("h_noid.ndjson", json.dumps({"eventTime": "2024-03-01T00:00:00Z"}) + "\n" + json.dumps(event(500)) + "\n")
        self.write("i_garbage.json", "this is not json")

        p = run("import", self.src, "--data-dir", self.data)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)   # some files failed, the rest went in
        self.assertIn("f_corrupt.json.gz", p.stderr)
        self.assertIn("g_truncated.json: truncated JSON", p.stderr)
        self.assertIn("i_garbage.json: not JSON", p.stderr)
        self.assertIn("h_noid.ndjson: 1 of 2 records skipped", p.stderr)
        out = p.stdout
        self.assertIn("3 failed", out)
        self.assertIn("3 skipped (digest", out)   # digest, Insight, ConfigWritabilityCheckFile.json
        # 0..231 plus 400 (before the truncation) and 500
        ids = {e["eventID"] for e in self.lookup()}
        want = {event(i)["eventID"] for i in list(range(0, 232)) + [400, 500]}
        self.assertEqual(ids, want)
        self.assertIn("10 duplicates", out)   # 140..149
        self.assertEqual(len(self.lookup("--event-name", "DeleteUser", "--username", "bob")), 30)
        self.assertEqual(len(self.lookup("--region", "xx-mars-1")), 100)
        self.assertEqual(len(self.lookup("--start", "2024-03-01T01:00:00Z", "--end", "2024-03-01T01:09:00Z")), 10)
        # the same import again adds nothing
        p = run("import", self.src, "--data-dir", self.data, "--quiet")
        self.assertEqual(p.returncode, 1)
        self.assertEqual(len(self.lookup()), len(want))
        # --apply-retention drops everything older than the window (all of 2024 here)
        p = run("import", os.path.join(self.src, "d.json"), "--data-dir", self.data, "--apply-retention")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("%d events older than the window deleted" % len(want), p.stdout)
        self.assertEqual(self.lookup(), [])

    def test_one_import_at_a_time(self):
        import fcntl
        self.write("a.json", json.dumps({"Records": [event(i) for i in range(10)]}))
        segdir = os.path.join(self.data, "history-segments")
        os.makedirs(segdir)
        with open(os.path.join(segdir, ".import.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)   # as a running import holds it
            p = run("import", self.src, "--data-dir", self.data)
            self.assertEqual(p.returncode, 1, p.stdout + p.stderr)   # a runtime failure
            self.assertIn("opentrail import: another 'opentrail import' is writing to", p.stderr)
            self.assertEqual(self.lookup(), [])
        p = run("import", self.src, "--data-dir", self.data)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(self.lookup()), 10)
        # the imported events are in one registered segment file, nothing else left behind
        segs = [f for f in os.listdir(segdir) if f.startswith("seg-")]
        self.assertEqual(len(segs), 1, segs)

    def test_lookup_output_and_errors(self):
        self.write("a.json", json.dumps({"Records": [event(i) for i in range(10)]}))
        self.assertEqual(run("import", self.src, "--data-dir", self.data).returncode, 0)
        p = run("lookup", "--data-dir", self.data, "--output", "json", "--max", "3")
        doc = json.loads(p.stdout)
        self.assertEqual([e["EventId"] for e in doc["Events"]], [event(i)["eventID"] for i in (9, 8, 7)])
        p = run("lookup", "--data-dir", self.data, "--output", "table", "--event-id", event(4)["eventID"])
        self.assertIn("CreateUser", p.stdout)
        # exit status 1: the command failed; 2: it was called wrongly (docs/cli.md)
        self.assertEqual(run("lookup", "--data-dir", os.path.join(self.tmp, "none")).returncode, 1)
        self.assertEqual(run("lookup", "--attribute", "Bogus=1", "--data-dir", self.data).returncode, 2)
        self.assertEqual(run("import", "/nonexistent", "--data-dir", self.data).returncode, 1)
        # --read-only takes true or false only (as LookupEvents' ReadOnly attribute)
        for args in (["--read-only", "maybe"], ["--attribute", "ReadOnly=yes"]):
            p = run("lookup", "--data-dir", self.data, *args)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("opentrail lookup: --read-only (ReadOnly): expected true or false, got",
                          p.stderr)
            self.assertEqual(p.stdout, "")
        p = run("lookup", "--data-dir", self.data, "--output", "json", "--read-only", "false")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(json.loads(p.stdout)["Events"]), 10)


class ReimportTest(unittest.TestCase):
    """Issue 10: importing only events already in the history says so, with no rate of nothing."""
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ot-reimport-")
        self.src = os.path.join(self.tmp, "a.json")
        self.data = os.path.join(self.tmp, "data")
        with open(self.src, "w") as f:
            json.dump({"Records": [event(i) for i in range(25)]}, f)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_only_duplicates(self):
        p = run("import", self.src, "--data-dir", self.data)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"^imported 25 events from 1 files in [0-9.]+ s \(\d+ events/s\)")
        p = run("import", self.src, "--data-dir", self.data)
        self.assertEqual(p.returncode, 0, p.stderr)
        first = p.stdout.splitlines()[0]
        self.assertEqual(first, "nothing new: all 25 events were already in the history "
                                "(0 imported, 25 duplicates)")
        self.assertNotIn("events/s", p.stdout)
        self.assertIn("25 read, 0 new, 25 duplicates", p.stdout)


class LookupEndpointTest(otharness.ServerTestCase):
    def test_lookup_against_server(self):
        s = self.server
        s.aws("cloudtrail", "list-trails")
        s.aws("cloudtrail", "describe-trails")
        env = dict(os.environ, AWS_DEFAULT_REGION="us-east-1")
        import time
        for _ in range(50):
            p = subprocess.run([otharness.BIN, "lookup", "--endpoint", s.endpoint, "--data-dir", s.data_dir,
                                "--output", "json", "--event-source", "cloudtrail.amazonaws.com",
                                "--event-name", "DescribeTrails", "--max", "0"],
                               capture_output=True, text=True, timeout=60, env=env)
            self.assertEqual(p.returncode, 0, p.stderr)
            evs = json.loads(p.stdout)["Events"]
            if evs:
                break
            time.sleep(0.1)
        self.assertEqual([e["EventName"] for e in evs], ["DescribeTrails"])
        # wrong credentials: the server's error is shown
        p = subprocess.run([otharness.BIN, "lookup", "--endpoint", s.endpoint, "--data-dir", "/nonexistent"],
                           capture_output=True, text=True, timeout=60,
                           env=dict(env, AWS_ACCESS_KEY_ID="AKIANOPE", AWS_SECRET_ACCESS_KEY="x"))
        self.assertEqual(p.returncode, 1)   # the server refused: a runtime failure
        self.assertIn("UnrecognizedClient", p.stderr)


if __name__ == "__main__":
    otharness.main()

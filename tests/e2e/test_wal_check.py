"""test_wal_check.py — `opentrail wal check` against logs written here in Python, from the
format in docs/internals/WAL.md (an independent writer checks the documented format too)."""
import json
import os
import shutil
import struct
import subprocess
import tempfile
import unittest

BIN = os.environ.get("OPENTRAIL_BIN", "opentrail")


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    c = 0xFFFFFFFF
    for b in data:
        c = TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def record(lsn: int, payload: bytes) -> bytes:
    lsn_bytes = struct.pack("<Q", lsn)
    return struct.pack("<II", len(payload), crc32c(lsn_bytes + payload)) + lsn_bytes + payload


def segment(first_lsn: int, payloads) -> bytes:
    out = b"OTWAL001" + struct.pack("<Q", first_lsn)
    for i, p in enumerate(payloads):
        out += record(first_lsn + i, p)
    return out


class WalCheck(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ot_walcheck_")
        self.payloads = [b'{"eventName":"Put%d"}' % i * (i + 1) for i in range(5)]

    def tearDown(self):
        shutil.rmtree(self.dir)

    def write(self, first_lsn, payloads):
        path = os.path.join(self.dir, "%020d.wal" % first_lsn)
        with open(path, "wb") as f:
            f.write(segment(first_lsn, payloads))
        return path

    def run_check(self, *args):
        p = subprocess.run([BIN, "wal", "check", *args], capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def test_clean_log(self):
        self.write(1, self.payloads[:3])
        self.write(4, self.payloads[3:])
        rc, out, _ = self.run_check(self.dir)
        self.assertEqual(rc, 0, out)
        self.assertIn("result: clean", out)
        self.assertIn("LSN 1..5", out)
        rc, out, _ = self.run_check(self.dir, "--json")
        self.assertEqual(rc, 0)
        rep = json.loads(out)
        self.assertEqual(rep["result"], "clean")
        self.assertEqual(rep["records"], 5)
        self.assertEqual([s["records"] for s in rep["segments"]], [3, 2])
        self.assertEqual(rep["segments"][1]["name"], "00000000000000000004.wal")

    def test_torn_tail_then_repair(self):
        path = self.write(1, self.payloads)
        size = os.path.getsize(path)
        os.truncate(path, size - 4)
        rc, out, _ = self.run_check(self.dir, "--json")
        self.assertEqual(rc, 1)
        rep = json.loads(out)
        self.assertEqual(rep["result"], "torn")
        last = rep["segments"][0]
        self.assertEqual(last["status"], "torn")
        self.assertEqual(last["bad_offset"], len(segment(1, self.payloads[:4])))
        self.assertEqual(rep["records"], 4)
        rc, out, _ = self.run_check(self.dir, "--repair")
        self.assertEqual(rc, 0, out)
        self.assertIn("result: repaired", out)
        self.assertEqual(os.path.getsize(path), len(segment(1, self.payloads[:4])))
        self.assertEqual(self.run_check(self.dir)[0], 0)

    def test_corruption_before_valid_records(self):
        path = self.write(1, self.payloads)
        bad = len(segment(1, self.payloads[:1]))
        with open(path, "r+b") as f:
            f.seek(bad + 18)
            f.write(b"\xff")
        rc, out, _ = self.run_check(self.dir)
        self.assertEqual(rc, 1)
        self.assertIn("corrupt", out)
        self.assertIn("offset %d" % bad, out)
        self.assertIn("CRC mismatch", out)
        self.assertEqual(os.path.getsize(path), len(segment(1, self.payloads)))  # untouched
        rc, out, _ = self.run_check(self.dir, "--repair", "--json")
        self.assertEqual(rc, 0)
        rep = json.loads(out)
        self.assertTrue(rep["repaired"])
        self.assertEqual(rep["found"], "corrupt")
        self.assertEqual(rep["last_lsn"], 1)
        self.assertEqual(os.path.getsize(path), bad)

    def test_damaged_older_segment_orphans_newer(self):
        old = self.write(1, self.payloads[:3])
        self.write(4, self.payloads[3:])
        os.truncate(old, os.path.getsize(old) - 1)
        rc, out, _ = self.run_check(self.dir)
        self.assertEqual(rc, 1)
        self.assertIn("result: corrupt", out)
        rc, out, _ = self.run_check(self.dir, "--repair")
        self.assertEqual(rc, 0, out)
        self.assertTrue(os.path.exists(os.path.join(self.dir, "%020d.wal.orphaned" % 4)))
        self.assertEqual(self.run_check(self.dir)[0], 0)

    def test_gap_behind_a_torn_newest_segment_is_corruption(self):
        # segment 4 is lost and the newest one ends in a partial record: a torn tail must not
        # hide the gap (the server would cut the tail and run with LSNs 4 and 5 missing)
        self.write(1, self.payloads[:3])
        newest = self.write(6, self.payloads[3:])
        os.truncate(newest, os.path.getsize(newest) - 2)
        rc, out, _ = self.run_check(self.dir, "--json")
        self.assertEqual(rc, 1)
        rep = json.loads(out)
        self.assertEqual(rep["result"], "corrupt")
        self.assertIn("previous segment ends at LSN 3", rep["detail"])
        rc, out, _ = self.run_check(self.dir, "--repair")
        self.assertEqual(rc, 0, out)
        self.assertTrue(os.path.exists(os.path.join(self.dir, "%020d.wal.orphaned" % 6)))
        rc, out, _ = self.run_check(self.dir)
        self.assertEqual(rc, 0, out)
        self.assertIn("LSN 1..3", out)

    def test_data_dir_stands_for_its_wal(self):
        """Issue 10: a data dir (it holds wal/ or state.db) is checked through its wal/."""
        data = self.dir
        self.dir = os.path.join(data, "wal")
        os.mkdir(self.dir)
        self.write(1, self.payloads)
        rc, out, _ = self.run_check(data)
        self.assertEqual(rc, 0, out)
        self.assertIn("%s is a data dir: checking its write-ahead log %s" % (data, self.dir), out)
        self.assertIn("LSN 1..5", out)
        rc, out, err = self.run_check(data, "--json")   # the note stays out of the JSON
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["records"], 5)
        self.assertIn("is a data dir", err)
        p = subprocess.run([BIN, "wal", "readers", data], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("listing the readers of its write-ahead log %s" % self.dir, p.stdout)
        # state.db alone marks a data dir too: its missing wal/ is what is reported
        other = os.path.join(data, "other")
        os.mkdir(other)
        open(os.path.join(other, "state.db"), "wb").close()
        rc, _, err = self.run_check(other)
        self.assertEqual(rc, 1)
        self.assertIn("%s/wal: no such directory" % other, err)
        # a log directory is still checked as itself
        rc, out, _ = self.run_check(self.dir)
        self.assertEqual(rc, 0, out)
        self.assertNotIn("data dir", out)

    def test_usage(self):
        self.assertEqual(self.run_check()[0], 2)
        self.assertEqual(self.run_check(self.dir, "--frob")[0], 2)
        self.assertEqual(self.run_check(self.dir, self.dir)[0], 2)
        rc, _, err = self.run_check(os.path.join(self.dir, "missing"))
        self.assertEqual(rc, 1)   # a runtime failure (docs/cli.md), not a usage error
        self.assertIn("no such directory", err)
        p = subprocess.run([BIN, "wal", "--help"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0)
        self.assertIn("--repair", p.stdout)
        self.assertIn("exit status", p.stdout)


if __name__ == "__main__":
    unittest.main()

"""Issue 10, item 8: the log line of a new signing key gives its times in ISO 8601, the same
strings `opentrail keys list` prints for it (it used to print epoch seconds)."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from otharness import BIN


class RotationLog(unittest.TestCase):
    def test_log_line_matches_keys_list(self):
        tmp = tempfile.mkdtemp(prefix="ot-keys-")
        try:
            data = os.path.join(tmp, "data")
            os.mkdir(data, 0o700)
            p = subprocess.run([BIN, "keys", "rotate", "--region", "eu-west-1", "--data-dir", data],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            m = re.search(r"info keys: new signing key ([0-9a-f]{32}) for eu-west-1, valid from "
                          r"(\S+), signs until (\S+), valid to (\S+)$", p.stderr, re.M)
            self.assertIsNotNone(m, p.stderr)
            fp, times = m.group(1), m.groups()[1:]
            for t in times:
                self.assertRegex(t, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
            p = subprocess.run([BIN, "keys", "list", "--data-dir", data], capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            row = [l for l in p.stdout.splitlines() if fp in l]
            self.assertEqual(len(row), 1, p.stdout)
            self.assertEqual(row[0].replace("*", " ").split()[2:], list(times))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()

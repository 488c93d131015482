"""Issue 11, item 4: `opentrail filter test` as a command (docs/filter-patterns.md, docs/cli.md):
input from a file or stdin, plain or gzipped, lines or a CloudTrail log file; --count; a pattern
that starts with '-'; a bad pattern is a usage error (2) that shows the column with a caret; an
unreadable or damaged file is a failure (1); errors carry the command's prefix."""
import gzip
import os
import shutil
import subprocess
import tempfile

import otharness
from otharness import BIN

LINES = ["[ERROR 400] BAD REQUEST", "[ERROR 419] MISSING ARGUMENTS", "[INFO] all good"]


def run(*args, stdin=None):
    return subprocess.run([BIN, "filter"] + list(args), capture_output=True, text=True,
                          input=stdin, timeout=60)


class FilterCli(otharness.unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ot-filter-cli-")
        self.log = os.path.join(self.tmp, "app.log")
        with open(self.log, "w") as f:
            f.write("\n".join(LINES) + "\n")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_lines_from_file_and_stdin(self):
        p = run("test", "ERROR -ARGUMENTS", self.log)
        self.assertEqual((p.returncode, p.stdout, p.stderr), (0, LINES[0] + "\n", ""))
        p = run("test", "?ERROR ?INFO", "-", "--count", stdin="\n".join(LINES))
        self.assertEqual((p.returncode, p.stdout), (0, "3\n"))
        p = run("test", "-ERROR", stdin="\n".join(LINES))  # a pattern starting with '-'
        self.assertEqual(p.stdout, LINES[2] + "\n")
        p = run("--count", "test", "NOTHING", self.log)
        self.assertEqual((p.returncode, p.stdout), (0, "0\n"))

    def test_cloudtrail_log_file(self):
        path = os.path.join(self.tmp, "x_CloudTrail_us-east-1_20260105T1000Z_y.json.gz")
        with gzip.open(path, "wt") as f:
            f.write('{"Records": [\n  {"eventName": "StopLogging", "eventSource": '
                    '"cloudtrail.amazonaws.com"},\n  {"eventName": "GetUser"}\n]}')
        p = run("test", "{ ($.eventName = StopLogging) || ($.eventName = DeleteTrail) }", path)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, '{"eventName":"StopLogging","eventSource":'
                                   '"cloudtrail.amazonaws.com"}\n')

    def test_values(self):
        """--value prints what a metric filter would read from each matching event."""
        events = '{"latency":50,"t":"GET"}\n{"t":"PUT"}\n{"latency":7.5,"ok":true}\n'
        p = run("test", "{ $.latency = * }", "--value", "$.latency", "--value", "$.t",
                stdin=events)
        self.assertEqual((p.returncode, p.stdout), (0, "50\tGET\n7.5\t-\n"))
        line = '127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534'
        p = run("test", "[ip, user, username, timestamp, request, status_code = 4*, bytes]",
                "--value", "$status_code", "--value", "bytes", "--value", "$request", stdin=line)
        self.assertEqual(p.stdout, "404\t1534\tGET /index.html HTTP/1.0\n")
        p = run("test", "x", "--value")
        self.assertEqual(p.returncode, 2)
        self.assertIn("option '--value' requires an argument", p.stderr)

    def test_bad_pattern_shows_the_column(self):
        p = run("test", "{ $.eventName = }", self.log)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stdout, "")
        self.assertEqual(p.stderr.splitlines(), [
            "opentrail filter: Invalid metric filter pattern: a value is missing (column 17)",
            "  { $.eventName = }",
            "                  ^",
            "see 'opentrail filter --help'"])
        p = run("test", "ERROR:", self.log)
        self.assertEqual(p.returncode, 2)
        self.assertIn("Invalid character(s) in term (column 6)", p.stderr)

    def test_usage_and_runtime_errors(self):
        for args, message in ((["test"], "expected 'filter test PATTERN [FILE|-]'"),
                              (["frob", "x"], "expected 'filter test PATTERN [FILE|-]'"),
                              (["test", "x", "a", "b"], "unexpected argument 'b'"),
                              (["test", "x", "--bogus"], "unrecognized option '--bogus'")):
            p = run(*args)
            self.assertEqual(p.returncode, 2, args)
            self.assertTrue(p.stderr.startswith("opentrail filter: " + message), p.stderr)
            self.assertIn("see 'opentrail filter --help'", p.stderr)
        p = run("test", "x", os.path.join(self.tmp, "missing"))
        self.assertEqual(p.returncode, 1)
        self.assertIn("No such file or directory", p.stderr)
        cut = os.path.join(self.tmp, "cut.gz")
        with open(cut, "wb") as f:
            f.write(gzip.compress(("\n".join(LINES) * 50).encode())[:40])
        p = run("test", "x", cut)
        self.assertEqual((p.returncode, p.stdout), (1, ""))
        self.assertIn("opentrail filter: cannot read %s: corrupt data" % cut, p.stderr)
        p = run("--help")
        self.assertEqual(p.returncode, 0)
        self.assertIn("usage: opentrail filter test PATTERN", p.stdout)


if __name__ == "__main__":
    otharness.main()

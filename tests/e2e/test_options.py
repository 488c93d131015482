"""Issue 9, item 3: one options table. `serve --help` names every option (the table is the one
docs/config.md lists; tests/unit/test_config.c keeps the two equal), the config file takes the
same keys with the command line winning, and --log-level / --log-format reach the log: with
`--log-level debug --log-format json` every line the server writes is one JSON object with
time, level and msg, and debug lines are among them."""
import json
import os
import re
import subprocess
import tempfile

import otharness
from otharness import BIN, Server

DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs")
LEVELS = {"debug", "info", "warn", "error"}
# A line may carry fields after the message (the access log: serve.md#access-log).
LOGFMT = re.compile(r'^time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ level=(debug|info|warn|error) '
                    r'msg="((?:[^"\\]|\\.)*)"( [a-z_]+=("(?:[^"\\]|\\.)*"|[^ "]+))*$')
TEXT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (debug|info|warn|error) \S")
BAD_SECRET = "0" * 40
DESCRIBE = {"X-Amz-Target": "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails",
            "Content-Type": "application/x-amz-json-1.1"}


def documented_options():
    """The keys of the table in docs/config.md."""
    with open(os.path.join(DOCS, "config.md")) as f:
        return [m.group(1) for m in re.finditer(r"^\| `([a-z0-9-]+)` \|", f.read(), re.M)]


def serve(*args, timeout=60):
    return subprocess.run([BIN, "serve"] + list(args), capture_output=True, text=True,
                          timeout=timeout)


class Options(otharness.unittest.TestCase):
    def run_server(self, *args):
        """Starts a server with args, makes one good and one badly signed request, stops it;
        returns the log's lines."""
        s = Server(*args)
        try:
            s.start()
            self.assertEqual(s.client("cloudtrail").describe_trails()["trailList"], [])
            status, _, _ = otharness.signed_request(s, "POST", "/", b"{}", headers=DESCRIBE,
                                                    secret_override=BAD_SECRET)
            self.assertEqual(status, 403)
            self.assertEqual(s.stop(), 0, s.log_text()[-4000:])
            self.assertEqual(s.sanitizer_report(), "")
            return s.log_text().splitlines()
        finally:
            s.cleanup()

    def test_help_lists_every_option(self):
        p = serve("--help")
        self.assertEqual(p.returncode, 0, p.stderr)
        names = documented_options()
        self.assertGreaterEqual(len(names), 22)
        for name in names + ["no-fsync", "log-level", "log-format", "config", "help"]:
            self.assertRegex(p.stdout, r"(?m)^  (-h, )?--%s\b" % re.escape(name), name)
        self.assertIn("(default 5m)", p.stdout)
        self.assertIn("(default info)", p.stdout)

    def test_debug_json_log(self):
        lines = self.run_server("--log-level", "debug", "--log-format", "json")
        events = []
        for line in lines:
            event = json.loads(line)   # every line is one JSON object, nothing else
            fields = {"time", "level", "msg"}
            if event.get("msg") == "access":   # the access log's fields (serve.md#access-log)
                fields |= {"src_ip", "principal", "service", "operation", "status", "error_code",
                           "bytes_in", "bytes_out", "latency_ms", "request_id"}
            self.assertEqual(set(event), fields, line)
            self.assertRegex(event["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
            self.assertIn(event["level"], LEVELS)
            events.append(event)
        debug = [e["msg"] for e in events if e["level"] == "debug"]
        self.assertIn("serve option log-format = json", debug)
        self.assertIn("serve option delivery-interval = 1s", debug)
        self.assertTrue(any(m.startswith("auth failed: POST /") for m in debug), debug)
        self.assertTrue(any(e["msg"].startswith("opentrail listening on http://") for e in events))

    def test_logfmt_log(self):
        lines = self.run_server("--log-format", "logfmt")
        self.assertTrue(lines)
        for line in lines:
            m = LOGFMT.match(line)
            self.assertIsNotNone(m, line)
            self.assertNotEqual(m.group(1), "debug", line)   # info is the default level
        self.assertTrue(any('msg="opentrail listening on ' in l for l in lines))

    def test_text_log_is_the_default(self):
        lines = self.run_server()
        self.assertTrue(lines)
        for line in lines:
            m = TEXT.match(line)
            self.assertIsNotNone(m, line)
            self.assertNotEqual(m.group(1), "debug", line)
        self.assertFalse(any("auth failed" in l for l in lines))

    def test_command_line_wins_over_config_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            conf = os.path.join(tmp, "ot.conf")
            with open(conf, "w") as f:
                f.write("# the file asks for errors only, as JSON\nlog-level = error\n"
                        "log-format = json\n")
            lines = self.run_server("--config", conf, "--log-level", "debug")
        self.assertTrue(any('"level":"debug"' in l for l in lines))
        for line in lines:
            json.loads(line)

    def test_refusals(self):
        with tempfile.TemporaryDirectory() as tmp:
            conf = os.path.join(tmp, "ot.conf")
            with open(conf, "w") as f:
                f.write("no-fsync = true\nno_fsync = true\n")
            cases = [
                (["--log-level", "loud"],
                 "log-level: expected one of debug, info, warn, error, got 'loud'"),
                (["--log-format", "xml"], "log-format: expected one of text, logfmt, json"),
                (["--http-threads", "0"], "http-threads: expected a whole number (from 1 to 1024)"),
                (["--bogus"], "unrecognized option '--bogus'"),
                (["--no-fsync=yes"], "doesn't allow an argument"),
                (["--config", conf],
                 conf + ":2: unknown option 'no_fsync' (see opentrail serve --help)"),
            ]
            data = os.path.join(tmp, "data")
            for args, want in cases:
                p = serve("--data-dir", data, *args)
                self.assertEqual(p.returncode, 2, (args, p.stdout, p.stderr))
                self.assertIn(want, p.stderr, args)
                self.assertFalse(os.path.exists(data), args)

if __name__ == "__main__":
    otharness.main()

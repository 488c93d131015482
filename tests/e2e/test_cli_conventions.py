"""Issue 10, item 8: one error prefix and one exit-code convention across commands (docs/cli.md).
For every command, a usage error exits 2 and a runtime failure exits 1, each with
"opentrail <command>: <message>" on stderr and nothing on stdout; `validate` keeps the AWS CLI's
255. A second server on a data dir another server holds says so and exits 1."""
import os
import shutil
import subprocess
import tempfile

import otharness
from otharness import BIN, Server


def run(*args, env=None):
    return subprocess.run([BIN] + list(args), capture_output=True, text=True, timeout=120,
                          env=env)


class Conventions(otharness.unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ot-cli-")
        self.missing = os.path.join(self.tmp, "missing")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def check(self, args, status, prefix, message):
        p = run(*args)
        self.assertEqual(p.returncode, status, (args, p.stdout, p.stderr))
        self.assertEqual(p.stdout, "", args)
        first = p.stderr.splitlines()[0]
        self.assertTrue(first.startswith(prefix + ": "), (args, p.stderr))
        self.assertIn(message, first, args)
        if status == 2 and prefix != "opentrail" and not args[0] == "wal":
            self.assertIn("see '%s --help'" % prefix, p.stderr, args)

    def test_usage_errors_exit_2(self):
        cases = [
            (["bogus"], "opentrail", "unknown command 'bogus'"),
            (["serve", "--bogus"], "opentrail serve", "unrecognized option '--bogus'"),
            (["serve", "--listen"], "opentrail serve", "option '--listen' requires an argument"),
            (["wal", "check"], "opentrail wal check", "missing DIR"),
            (["wal", "frob"], "opentrail wal", "unknown subcommand 'frob'"),
            (["keys", "list", "--format", "xml"], "opentrail keys", "--format: expected pem or der"),
            (["keys", "frob"], "opentrail keys", "unknown command 'frob'"),
            (["import"], "opentrail import", "expected one PATH"),
            (["import", "x", "--threads", "lots"], "opentrail import", "--threads: expected"),
            (["lookup", "--read-only", "maybe"], "opentrail lookup",
             "--read-only (ReadOnly): expected true or false, got 'maybe'"),
            (["lookup", "--bogus"], "opentrail lookup", "unrecognized option '--bogus'"),
        ]
        for args, prefix, message in cases:
            self.check(args, 2, prefix, message)
        # no command at all: the usage, status 2
        p = run()
        self.assertEqual(p.returncode, 2)
        self.assertIn("usage: opentrail <command>", p.stderr)

    def test_runtime_errors_exit_1(self):
        cases = [
            (["wal", "check", self.missing], "opentrail wal check", "no such directory"),
            (["wal", "readers", self.missing], "opentrail wal readers", "no such directory"),
            (["keys", "list", "--data-dir", self.missing], "opentrail keys", "no state.db"),
            (["import", self.missing, "--data-dir", os.path.join(self.tmp, "d")],
             "opentrail import", self.missing),
            (["lookup", "--data-dir", self.missing], "opentrail lookup", "does not exist"),
        ]
        for args, prefix, message in cases:
            self.check(args, 1, prefix, message)

    def test_validate_keeps_the_aws_cli_status(self):
        self.check(["validate", "--bogus"], 255, "opentrail validate", "unknown option '--bogus'")
        p = run("validate", self.missing, "--data-dir", self.tmp)
        self.assertEqual(p.returncode, 255, p.stderr)

    def test_data_dir_in_use_by_another_server(self):
        first = Server().start()
        try:
            p = run("serve", "--listen", "127.0.0.1:0", "--data-dir", first.data_dir)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("error data dir %s is in use by another opentrail server" % first.data_dir,
                          p.stderr)
            self.assertIn("(pid %d)" % first.proc.pid, p.stderr)
            self.assertIn("stop it or use another --data-dir", p.stderr)
            self.assertNotIn("wal check", p.stderr)
            # the first server is untouched
            self.assertEqual(first.client("cloudtrail").describe_trails()["trailList"], [])
        finally:
            rc = first.stop()
            report = first.sanitizer_report()
            first.cleanup()
        self.assertEqual(report, "")
        self.assertEqual(rc, 0)


if __name__ == "__main__":
    otharness.main()

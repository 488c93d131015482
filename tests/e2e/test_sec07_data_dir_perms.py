"""Issue 8, item 7: the data dir is private to the user running opentrail.

Before, a pre-created 0777 data dir stayed 0777 (another local user could replace
`credentials`), and state.db, history.db and the WAL segments were created 0644. Now opentrail
refuses a data dir writable by group or others (saying what to run), creates the data dir 0700,
and every file it creates there 0600 and every directory 0700. (Tests run as root, so modes are
checked with os.stat rather than by trying another user.)"""
import os
import stat
import subprocess
import tempfile
import shutil
import time
import unittest

import otharness


def modes_under(root):
    """{relative path: permission bits} of everything below root (root itself as ".")."""
    out = {".": stat.S_IMODE(os.stat(root).st_mode)}
    for d, dirs, files in os.walk(root):
        for name in dirs + files:
            p = os.path.join(d, name)
            out[os.path.relpath(p, root)] = stat.S_IMODE(os.lstat(p).st_mode)
    return out


class DataDirPermsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ot-perms-")
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            running = s.proc is not None and s.proc.poll() is None
            rc = s.stop()
            report = s.sanitizer_report()
            s.cleanup()
            self.assertEqual(report, "", "sanitizer report in server log")
            if running:   # a refused start exits 1 by design
                self.assertEqual(rc, 0)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def server(self, data_dir, *args):
        s = otharness.Server(*args, data_dir=data_dir)
        self.servers.append(s)
        return s

    def test_everything_created_is_private(self):
        data = os.path.join(self.tmp, "data")
        s = self.server(data, "--digest-interval", "2s").start()
        s.aws("s3api", "create-bucket", "--bucket", "audit-logs")
        s.aws("cloudtrail", "create-trail", "--name", "main", "--s3-bucket-name", "audit-logs",
              "--enable-log-file-validation")
        s.aws("cloudtrail", "start-logging", "--name", "main")
        s.aws("s3api", "put-object", "--bucket", "audit-logs", "--key", "notes/a.txt",
              "--body", s.credentials_file)
        s.aws("cloudtrail", "lookup-events", "--max-results", "1")
        deadline = time.time() + 30   # a delivered log file and a digest, so keys exist too
        while time.time() < deadline:
            names = list(modes_under(data))
            if any("CloudTrail-Digest" in n and n.endswith(".json.gz") for n in names) and \
                    any(n.startswith("keys" + os.sep) for n in names):
                break
            time.sleep(0.5)
        s.aws("cloudtrail", "stop-logging", "--name", "main")
        modes = modes_under(data)
        for name in ("credentials", "state.db", "history.db", "wal", "keys", "buckets"):
            self.assertIn(name, modes)
        self.assertTrue(any(n.startswith("wal" + os.sep) for n in modes), modes)
        self.assertTrue(any(n.startswith("keys" + os.sep) for n in modes), modes)
        self.assertTrue(any("CloudTrail-Digest" in n for n in modes), modes)
        self.assertEqual(modes["."], 0o700)
        loose = {n: oct(m) for n, m in modes.items() if m & 0o077}
        self.assertEqual(loose, {}, "readable or writable by group or others")

    def test_a_world_or_group_writable_data_dir_is_refused(self):
        for mode in (0o777, 0o770, 0o1777, 0o722):
            data = os.path.join(self.tmp, "open-%o" % mode)
            os.mkdir(data)
            os.chmod(data, mode)
            s = self.server(data)
            with self.assertRaises(RuntimeError) as cm:
                s.start()
            self.assertIn("chmod 700 %s" % data, str(cm.exception))
            self.assertIn("writable by", str(cm.exception))
            self.assertEqual(os.listdir(data), [], "nothing may be created in a refused dir")
            self.assertEqual(stat.S_IMODE(os.stat(data).st_mode), mode, "left as it was")
            # The offline commands that write to a data dir refuse it too.
            for cmd in (["import", self.tmp, "--data-dir", data],
                        ["keys", "rotate", "--region", "us-east-1", "--data-dir", data]):
                p = subprocess.run([otharness.BIN] + cmd, capture_output=True, text=True)
                self.assertNotEqual(p.returncode, 0, cmd)
                self.assertIn("chmod 700", p.stderr, cmd)
                self.assertEqual(os.listdir(data), [], cmd)

    def test_a_data_dir_of_another_user_is_refused(self):
        data = os.path.join(self.tmp, "theirs")
        os.mkdir(data, 0o700)
        os.chown(data, 65534, 65534)   # nobody: its owner could change it whatever its mode
        s = self.server(data)
        with self.assertRaises(RuntimeError) as cm:
            s.start()
        self.assertIn("belongs to uid 65534", str(cm.exception))
        self.assertEqual(os.listdir(data), [], "nothing may be created in a refused dir")

    def test_a_private_or_read_only_shared_dir_is_used(self):
        for mode in (0o700, 0o750, 0o755):
            data = os.path.join(self.tmp, "ok-%o" % mode)
            os.mkdir(data)
            os.chmod(data, mode)
            s = self.server(data).start()
            s.aws("cloudtrail", "describe-trails")
            self.assertEqual(stat.S_IMODE(os.stat(data).st_mode), mode)
            loose = {n: oct(m) for n, m in modes_under(data).items() if n != "." and m & 0o077}
            self.assertEqual(loose, {})


if __name__ == "__main__":
    unittest.main(verbosity=2)

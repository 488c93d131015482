"""Issue 10, items 1 and 8: `make install`, `make deb` (docs/install.md) and `make run`.

`make install DESTDIR=… PREFIX=/usr` puts the binary, man page, docs, config and a hardened
systemd unit where docs/install.md says, and `systemd-analyze verify` accepts the unit. As root,
`make deb` builds a package whose Depends names the runtime libraries, `apt-get install` installs
it, the installed /usr/bin/opentrail answers a signed `aws cloudtrail describe-trails`, and
`apt-get remove` takes it away. `make run` prints nothing of the build, then the lines that
point the AWS CLI at the server, and those lines, pasted, work. The builds use their own release build dir beside the binary
under test (PKG_BUILD), so they do not race other tests and the ASan build can run this too."""
import glob
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import otharness

SRC = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
PKG_BUILD = os.path.join(os.path.dirname(os.path.realpath(otharness.BIN)), "pkg-build")
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
HARDENING = ["User=opentrail", "StateDirectory=opentrail", "ProtectSystem=strict",
             "NoNewPrivileges=yes", "ProtectHome=yes", "PrivateTmp=yes", "Restart=on-failure",
             "CapabilityBoundingSet=", "SystemCallFilter=@system-service"]
EXEC_START = ("ExecStart=/usr/bin/opentrail serve --config /etc/opentrail/opentrail.conf "
              "--data-dir /var/lib/opentrail")


def make_command(*args):
    """make in the source tree with its own jobs (not a parent make's jobserver)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "DESTDIR", "PREFIX", "SERVE_ARGS")}
    return ["make", "--no-print-directory", "-C", SRC, "JOBS=2"] + list(args), env


def make(*args):
    cmd, env = make_command(*args)
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1200)
    if p.returncode != 0:
        raise AssertionError("make %s failed (%d):\n%s%s" % (" ".join(args), p.returncode,
                                                            p.stdout[-4000:], p.stderr[-4000:]))
    return p.stdout


def read(path):
    with open(path) as f:
        return f.read()


def wait_for(path, marker, proc, timeout=900):
    """The text of path once it holds marker; fails if proc exits or time runs out first."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        text = read(path)
        if marker in text:
            return text
        if proc.poll() is not None:
            raise AssertionError("exited with %s before %r:\n%s" % (proc.returncode, marker, text))
        time.sleep(0.2)
    raise AssertionError("no %r within %d s:\n%s" % (marker, timeout, read(path)))


def run(*args, **kw):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=600, **kw)


def uncommented_example(conf_text):
    """The example config with its `# key = value` lines switched on, except the TLS files
    (they name files that exist only under systemd)."""
    lines = []
    for line in conf_text.splitlines():
        m = re.match(r"#\s*([a-z-]+)\s*=\s*(\S+)\s*$", line)
        if m and not m.group(1).startswith("tls-"):
            lines.append("%s = %s" % m.groups())
    return "\n".join(lines) + "\n"


class InstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ot-install-")
        cls.dest = os.path.join(cls.tmp, "dest")
        make("install", "BUILD=" + PKG_BUILD, "DESTDIR=" + cls.dest, "PREFIX=/usr")
        units = glob.glob(os.path.join(cls.dest, "**", "systemd", "system", "opentrail.service"),
                          recursive=True)
        cls.unit = units[0] if len(units) == 1 else None

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def path(self, *parts):
        return os.path.join(self.dest, *parts)

    def test_files_where_docs_say(self):
        binary = self.path("usr", "bin", "opentrail")
        self.assertTrue(os.access(binary, os.X_OK), binary)
        self.assertRegex(run(binary, "--version").stdout, r"^opentrail \d+\.\d+\.\d+")
        for doc in ("README.md", "LICENSE", "CHANGELOG.md", "opentrail.conf.example",
                    "docs/install.md", "docs/serve.md", "docs/config.md",
                    "docs/internals/ARCHITECTURE.md"):
            self.assertTrue(os.path.isfile(self.path("usr", "share", "doc", "opentrail", doc)), doc)
        self.assertIn("Apache License", read(self.path("usr/share/doc/opentrail/LICENSE")))
        self.assertTrue(os.path.isfile(self.path("etc", "opentrail", "opentrail.conf")))
        self.assertIn("u opentrail ", read(self.path("usr/lib/sysusers.d/opentrail.conf")))
        self.assertIsNotNone(self.unit, "exactly one opentrail.service under " + self.dest)
        self.assertRegex(os.path.relpath(self.unit, self.dest), r"^(usr/)?lib/systemd/system/")
        if shutil.which("help2man"):
            man = self.path("usr", "share", "man", "man1", "opentrail.1.gz")
            self.assertTrue(os.path.isfile(man), man)
            text = subprocess.run(["zcat", man], capture_output=True, text=True).stdout
            self.assertIn("SERVE OPTIONS", text)
            self.assertIn("delivery-interval", text)
        else:
            print("no help2man: the man page is not checked")

    def test_unit_is_hardened_and_runs_the_installed_paths(self):
        text = read(self.unit)
        self.assertIn(EXEC_START, text.splitlines())
        self.assertIn("EnvironmentFile=-/etc/default/opentrail", text.splitlines())
        for line in HARDENING:
            self.assertIn(line, text.splitlines())

    def test_systemd_analyze_verify(self):
        if not SYSTEMD_ANALYZE:
            self.skipTest("systemd-analyze is not installed: the unit is not verified")
        # The unit names /usr/bin/opentrail, which exists only under DESTDIR here: verify a copy
        # that points at the staged binary (man pages: likewise only staged).
        staged = os.path.join(self.tmp, "verify", "opentrail.service")
        os.makedirs(os.path.dirname(staged), exist_ok=True)
        with open(staged, "w") as f:
            f.write(read(self.unit).replace(
                "ExecStart=/usr/bin/opentrail", "ExecStart=" + self.path("usr", "bin", "opentrail")))
        p = run(SYSTEMD_ANALYZE, "verify", "--man=no", staged)
        self.assertEqual((p.returncode, p.stdout + p.stderr), (0, ""))
        # systemd's own exposure score (0 = locked down, 10 = none): 2.0 or less.
        p = run(SYSTEMD_ANALYZE, "security", "--offline=yes", "--threshold=20", staged)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_example_config_is_accepted_and_kept(self):
        conf = self.path("etc", "opentrail", "opentrail.conf")
        on = os.path.join(self.tmp, "on.conf")
        with open(on, "w") as f:
            f.write(uncommented_example(read(conf)))
        self.assertIn("delivery-interval = 5m", read(on))
        server = otharness.Server("--config", on)   # the command line's --listen/--data-dir win
        try:
            server.start()
            self.assertEqual(server.aws_json("cloudtrail", "describe-trails")["trailList"], [])
        finally:
            server.cleanup()
        # An admin's edit survives the next `make install`.
        with open(conf, "a") as f:
            f.write("log-level = debug\n")
        make("install", "BUILD=" + PKG_BUILD, "DESTDIR=" + self.dest, "PREFIX=/usr")
        self.assertTrue(read(conf).endswith("log-level = debug\n"))


class MakeRunTest(unittest.TestCase):
    def test_quiet_build_then_lines_that_work(self):
        tmp = tempfile.mkdtemp(prefix="ot-run-")
        data_dir, port = os.path.join(tmp, "data"), otharness.free_port()
        cmd, env = make_command("run", "BUILD=" + PKG_BUILD,
                                "SERVE_ARGS=--listen 127.0.0.1:%d --data-dir %s" % (port, data_dir))
        out_path = os.path.join(tmp, "out")
        with open(out_path, "w") as out:
            proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        try:
            text = wait_for(out_path, "opentrail listening on", proc)
            hint = text.split("\n" + re.search(r"^\d{4}-\d\d-\d\dT", text, re.M).group(0), 1)[0]
            self.assertTrue(hint.startswith("opentrail: serving on http://127.0.0.1:%d" % port), text)
            for noise in ("[", "Building", "Scanning", "-- ", "make"):
                self.assertNotIn(noise, hint.replace("[default]", ""))
            pasted = [l.strip() for l in hint.splitlines()
                      if l.strip().startswith(("unset ", "export ", "aws "))]
            self.assertEqual(pasted[0].split()[:2], ["unset", "AWS_PROFILE"])
            self.assertIn("export AWS_SHARED_CREDENTIALS_FILE=%s/credentials "
                          "AWS_ENDPOINT_URL=http://127.0.0.1:%d AWS_DEFAULT_REGION=us-east-1"
                          % (data_dir, port), pasted)
            # Pasted into a shell whose AWS settings point elsewhere, they still reach us.
            shell_env = dict(os.environ, AWS_PROFILE="elsewhere", AWS_ACCESS_KEY_ID="AKIAELSEWHERE",
                             AWS_SECRET_ACCESS_KEY="x", AWS_CONFIG_FILE="/dev/null",
                             PATH=os.path.dirname(otharness.AWS) + ":" + os.environ["PATH"])
            p = subprocess.run(["bash", "-euc", "\n".join(pasted)], env=shell_env,
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertIn('"trailList": []', p.stdout)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)
            shutil.rmtree(tmp, ignore_errors=True)


@unittest.skipUnless(os.geteuid() == 0, "not root: the .deb is not installed with apt-get")
class DebTest(unittest.TestCase):
    def setUp(self):
        if run("dpkg-query", "-W", "-f=${Status}", "opentrail").stdout.endswith("installed"):
            self.skipTest("an opentrail package is installed on this machine: left alone")
        self.installed = False
        self.had_user = run("getent", "passwd", "opentrail").returncode == 0

    def tearDown(self):
        if self.installed:
            run("apt-get", "purge", "-y", "-o", "DPkg::Lock::Timeout=300", "opentrail")
        if not self.had_user:   # the package keeps its user; this machine did not have it
            run("userdel", "opentrail")

    def test_deb_installs_runs_and_removes(self):
        deb = make("deb", "DEB_BUILD=" + PKG_BUILD).strip().splitlines()[-1]
        self.assertRegex(os.path.basename(deb), r"^opentrail_\d+\.\d+\.\d+_\w+\.deb$")
        depends = run("dpkg-deb", "-f", deb, "Depends").stdout
        for lib in ("libmicrohttpd", "libcurl", "libsqlite3", "libssl", "zlib1g", "libisal",
                    "libsimdjson"):
            self.assertIn(lib, depends)
        self.assertEqual(run("dpkg-deb", "-f", deb, "Package").stdout.strip(), "opentrail")
        self.assertEqual(run("dpkg-deb", "--info", deb, "conffiles").stdout,
                         "/etc/opentrail/opentrail.conf\n")

        p = run("apt-get", "install", "-y", "-o", "DPkg::Lock::Timeout=300", "./" + os.path.basename(deb),
                cwd=os.path.dirname(deb), env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        self.installed = True
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertTrue(os.access("/usr/bin/opentrail", os.X_OK))
        self.assertEqual(run("getent", "passwd", "opentrail").returncode, 0, "the service's user")
        unit = "/lib/systemd/system/opentrail.service"
        self.assertTrue(os.path.isfile(unit) or os.path.isfile("/usr" + unit))
        if SYSTEMD_ANALYZE:
            unit = unit if os.path.isfile(unit) else "/usr" + unit
            man = "--man=yes" if shutil.which("man") else "--man=no"
            p = run(SYSTEMD_ANALYZE, "verify", man, unit)
            self.assertEqual((p.returncode, p.stdout + p.stderr), (0, ""))
        else:
            print("systemd-analyze is not installed: the installed unit is not verified")

        saved_bin = otharness.BIN
        otharness.BIN = "/usr/bin/opentrail"
        server = otharness.Server()
        try:
            server.start()
            self.assertEqual(server.aws_json("cloudtrail", "describe-trails")["trailList"], [])
            self.assertEqual(server.stop(), 0)
        finally:
            otharness.BIN = saved_bin
            server.cleanup()

        p = run("apt-get", "remove", "-y", "-o", "DPkg::Lock::Timeout=300", "opentrail")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertFalse(os.path.exists("/usr/bin/opentrail"))


if __name__ == "__main__":
    otharness.main()

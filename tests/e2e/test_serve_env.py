"""Issue 10, item 1: every serve option from OPENTRAIL_<NAME>. A server started with only
OPENTRAIL_LISTEN and OPENTRAIL_DATA_DIR (no flags) listens there and keeps its data there; a flag
wins over the environment, and the environment over the config file (OPENTRAIL_CONFIG); a bad
value stops the server naming the variable; an unknown OPENTRAIL_* variable is a warning that
names the closest one."""
import os
import shutil
import subprocess
import tempfile
import time

import otharness
from otharness import BIN, Server, free_port


def clean_env(**extra):
    """This process's environment without OPENTRAIL_* (the harness's own OPENTRAIL_BIN would be
    warned about) and with extra."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENTRAIL_")}
    env.update(extra)
    return env


class EnvServer(Server):
    """A Server started with env and only args: no --listen, --data-dir or other flag."""
    def __init__(self, env, *args, data_dir, port):
        super().__init__(data_dir=data_dir)
        self.port = port
        self.args = list(args)
        self.run_env = env

    def start(self):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([BIN, "serve"] + self.args, stdout=self.log,
                                     stderr=subprocess.STDOUT, env=self.run_env)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited with %s:\n%s" % (self.proc.returncode, self.log_text()))
            if "opentrail listening on" in self.log_text():
                return self
            time.sleep(0.05)
        raise RuntimeError("server did not start listening:\n" + self.log_text())


class ServeEnv(otharness.unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ot-env-")
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            rc = s.stop()
            self.assertEqual(s.sanitizer_report(), "")
            self.assertEqual(rc, 0, s.log_text()[-4000:])
            s.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start(self, env, *args, port, data_dir):
        s = EnvServer(env, *args, data_dir=data_dir, port=port)
        self.servers.append(s)
        return s.start()

    def test_listen_and_data_dir_from_the_environment(self):
        port, data = free_port(), os.path.join(self.tmp, "env-data")
        s = self.start(clean_env(OPENTRAIL_LISTEN="127.0.0.1:%d" % port, OPENTRAIL_DATA_DIR=data,
                                 OPENTRAIL_LISTN="typo", OPENTRAIL_DELIVERY_INTERVAL="1s"),
                       port=port, data_dir=data)
        self.assertIn("opentrail listening on http://127.0.0.1:%d" % port, s.log_text())
        self.assertTrue(os.path.isfile(os.path.join(data, "credentials")))
        self.assertTrue(os.path.isdir(os.path.join(data, "wal")))
        self.assertEqual(s.client("cloudtrail").describe_trails()["trailList"], [])
        self.assertIn("warn environment variable OPENTRAIL_LISTN is not an option of opentrail "
                      "serve and is ignored (the closest is OPENTRAIL_LISTEN;", s.log_text())

    def test_flag_over_environment_over_file(self):
        env_port, flag_port = free_port(), free_port()
        data = os.path.join(self.tmp, "data")
        conf = os.path.join(self.tmp, "ot.conf")
        with open(conf, "w") as f:   # the file's data dir and log level: only the level stays
            f.write("data-dir = %s\nlog-level = debug\nlisten = 127.0.0.1:1\n"
                    % os.path.join(self.tmp, "file-data"))
        env = clean_env(OPENTRAIL_CONFIG=conf, OPENTRAIL_LISTEN="127.0.0.1:%d" % env_port,
                        OPENTRAIL_DATA_DIR=data, OPENTRAIL_ANY_CREDENTIALS="false")
        s = self.start(env, "--listen", "127.0.0.1:%d" % flag_port, port=flag_port, data_dir=data)
        log = s.log_text()
        self.assertIn("opentrail listening on http://127.0.0.1:%d" % flag_port, log)
        self.assertIn("serve option data-dir = %s" % data, log)   # environment over file
        self.assertIn("serve option log-level = debug", log)     # file over default
        self.assertIn("serve option any-credentials = false", log)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "file-data")))
        self.assertEqual(s.client("cloudtrail").describe_trails()["trailList"], [])

    def test_bad_value_names_the_variable(self):
        data = os.path.join(self.tmp, "never")
        for var, value, want in [
                ("OPENTRAIL_DELIVERY_INTERVAL", "soon", "expected a duration such as 5m (at least "
                                                        "100ms), got 'soon'"),
                ("OPENTRAIL_ANY_CREDENTIALS", "maybe", "expected true or false, got 'maybe'"),
                ("OPENTRAIL_LISTEN", "nowhere", "expected host:port such as 127.0.0.1:4590")]:
            p = subprocess.run([BIN, "serve"], capture_output=True, text=True, timeout=60,
                               env=clean_env(OPENTRAIL_DATA_DIR=data, **{var: value}))
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("opentrail serve: environment variable %s: %s" % (var, want), p.stderr)
            self.assertFalse(os.path.exists(data))
        # a flag with a good value does not excuse a bad variable: it is still reported
        p = subprocess.run([BIN, "serve", "--region", "us-east-1"], capture_output=True,
                           text=True, timeout=60,
                           env=clean_env(OPENTRAIL_DATA_DIR=data, OPENTRAIL_REGION="mars-1"))
        self.assertEqual(p.returncode, 2)
        self.assertIn("environment variable OPENTRAIL_REGION: 'mars-1' is not an AWS region",
                      p.stderr)

    def test_help_names_the_variables(self):
        p = subprocess.run([BIN, "serve", "--help"], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0)
        for var in ("[$OPENTRAIL_LISTEN]", "[$OPENTRAIL_DATA_DIR]", "[$OPENTRAIL_CONFIG]",
                    "[$OPENTRAIL_ANY_CREDENTIALS]", "[$OPENTRAIL_NO_FSYNC]"):
            self.assertIn(var, p.stdout)


if __name__ == "__main__":
    otharness.main()

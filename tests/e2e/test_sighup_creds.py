"""SIGHUP reloads DATA-DIR/credentials: a new user's key works without a restart, a removed
key stops working, and a file that does not parse keeps the old keys (with a clear error)."""
import signal
import time

import otharness

CAROL = "\n[carol]\naws_access_key_id = AKIACAROL00000000001\naws_secret_access_key = carolsecret\n"


class SighupCredentialsTest(otharness.ServerTestCase):
    def key_env(self, key, secret):
        """Credentials from the environment: the file may be broken on purpose."""
        env = self.server.env()
        env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
        env["AWS_ACCESS_KEY_ID"] = key
        env["AWS_SECRET_ACCESS_KEY"] = secret
        return env

    def carol_env(self):
        return self.key_env("AKIACAROL00000000001", "carolsecret")

    def hup_and_wait(self, needle):
        """Sends SIGHUP and waits until the server logged needle once more than before."""
        before = self.server.log_text().count(needle)
        self.server.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 30
        while self.server.log_text().count(needle) == before:
            self.assertLess(time.time(), deadline, "no '%s' after SIGHUP" % needle)
            time.sleep(0.05)

    def whoami(self, check=True):
        """ListTrails with carol's key; returns (rc, stdout, stderr)."""
        return self.server.aws("cloudtrail", "list-trails", env=self.carol_env(), check=check)

    def test_added_and_removed_keys(self):
        s = self.server
        with open(s.credentials_file) as f:
            original = f.read()
        admin = self.key_env(*otharness.read_credentials(s.credentials_file))
        rc, _, err = self.whoami(check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("UnrecognizedClientException", err)

        with open(s.credentials_file, "a") as f:
            f.write(CAROL)
        self.hup_and_wait("credentials reloaded")
        self.assertIn("(1 added, 0 removed)", s.log_text())
        self.whoami()
        self.assertIn("principal=arn:aws:iam::123456789012:user/carol", s.log_text())

        # A broken file: the error names the line; carol and admin keep working.
        with open(s.credentials_file, "a") as f:
            f.write("this line is not a key\n")
        self.hup_and_wait("credentials not reloaded")
        bad_line = (original + CAROL).count("\n") + 1
        self.assertIn("credentials:%d: expected \"key = value\"" % bad_line, s.log_text())
        self.whoami()
        s.aws("cloudtrail", "list-trails", env=admin)

        # Carol removed: her key is refused, admin's still works.
        with open(s.credentials_file, "w") as f:
            f.write(original)
        self.hup_and_wait("credentials reloaded")
        self.assertIn("(0 added, 1 removed)", s.log_text())
        rc, _, err = self.whoami(check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("UnrecognizedClientException", err)
        s.aws("cloudtrail", "list-trails", env=admin)
        # The server is still up and serving after the signals.
        self.assertIsNone(s.proc.poll())

    def test_reloads_while_requests_are_in_flight(self):
        """Admin calls from several threads all succeed while the file is reloaded over and
        over (with and without carol): a request sees the old set or the new one, whole."""
        import threading
        s = self.server
        with open(s.credentials_file) as f:
            original = f.read()
        failures = []
        # Made before the file starts changing: they read their key from it.
        clients = [s.client("cloudtrail") for _ in range(4)]

        def caller(ct):
            for _ in range(40):
                try:
                    ct.list_trails()
                except Exception as e:   # noqa: BLE001 - any failure is the finding
                    failures.append(repr(e))

        threads = [threading.Thread(target=caller, args=(ct,)) for ct in clients]
        for t in threads:
            t.start()
        for i in range(20):
            with open(s.credentials_file, "w") as f:
                f.write(original + (CAROL if i % 2 == 0 else ""))
            self.hup_and_wait("credentials reloaded")
        for t in threads:
            t.join()
        self.assertEqual(failures, [])
        self.assertIsNone(s.proc.poll())


if __name__ == "__main__":
    otharness.main()

"""The README quickstart, pasted: extracted from README.md and run by bash against the server."""
import os
import re
import subprocess

import otharness

README = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")


def quickstart_script():
    text = open(README).read()
    section = text.split("## Quickstart", 1)[1]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


class ReadmeQuickstartTest(otharness.ServerTestCase):
    def setUp(self):
        # The quickstart runs from the directory that holds ./opentrail-data.
        self.server = otharness.Server(delivery_interval="1s")
        self.server.data_dir = os.path.join(self.server.tmp, "opentrail-data")
        self.server.start()

    def test_quickstart_as_written(self):
        s = self.server
        script = quickstart_script().replace("127.0.0.1:4590", "127.0.0.1:%d" % s.port)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        # What a user's shell may carry: the quickstart must clear it (its first line), or the
        # CLI would sign with this key, or look for a profile the server's file does not have.
        env.update(AWS_PROFILE="user-shell-profile", AWS_ACCESS_KEY_ID="AKIAUSERSHELL0000000",
                   AWS_SECRET_ACCESS_KEY="user-shell-secret", AWS_SESSION_TOKEN="user-shell-token")
        env["PATH"] = os.path.dirname(otharness.AWS) + ":" + env["PATH"]
        p = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=s.tmp, env=env,
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertTrue(script.startswith("unset AWS_PROFILE AWS_ACCESS_KEY_ID"), script)
        self.assertRegex(p.stdout, r"AWSLogs/123456789012/CloudTrail/us-east-1/\d{4}/\d{2}/\d{2}/"
                                   r"123456789012_CloudTrail_us-east-1_\d{8}T\d{4}Z_\w{16}\.json\.gz")
        self.assertIn('"successful"', p.stdout)
        self.assertIn('"LatestDeliveryTime"', p.stdout)


if __name__ == "__main__":
    otharness.main()

"""The README quickstart, pasted: extracted from README.md and run by bash against the server."""
import json
import os
import re
import subprocess

import otharness

README = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")


def readme_script(heading):
    """The first sh block after the heading."""
    text = open(README).read()
    section = text.split(heading + "\n", 1)[1]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def quickstart_script():
    return readme_script("## Quickstart")


class ReadmeQuickstartTest(otharness.ServerTestCase):
    def setUp(self):
        # The quickstart runs from the directory that holds ./opentrail-data.
        # the server as `make run` starts it: the runbooks on
        self.server = otharness.Server(delivery_interval="1s", embedded_runbooks=True)
        self.server.data_dir = os.path.join(self.server.tmp, "opentrail-data")
        self.server.start()

    def run_script(self, script):
        s = self.server
        script = script.replace("127.0.0.1:4590", "127.0.0.1:%d" % s.port)
        script = script.replace("./build/opentrail ", otharness.BIN + " ")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        # What a user's shell may carry: the quickstart must clear it (its first line), or the
        # CLI would sign with this key, or look for a profile the server's file does not have.
        env.update(AWS_PROFILE="user-shell-profile", AWS_ACCESS_KEY_ID="AKIAUSERSHELL0000000",
                   AWS_SECRET_ACCESS_KEY="user-shell-secret", AWS_SESSION_TOKEN="user-shell-token")
        env["PATH"] = os.path.dirname(otharness.AWS) + ":" + env["PATH"]
        p = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=s.tmp, env=env,
                           capture_output=True, text=True, timeout=600)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return p

    def test_quickstart_as_written(self):
        script = quickstart_script()
        p = self.run_script(script)
        self.assertTrue(script.startswith("unset AWS_PROFILE AWS_ACCESS_KEY_ID"), script)
        self.assertRegex(p.stdout, r"AWSLogs/123456789012/CloudTrail/us-east-1/\d{4}/\d{2}/\d{2}/"
                                   r"123456789012_CloudTrail_us-east-1_\d{8}T\d{4}Z_\w{16}\.json\.gz")
        self.assertIn('"successful"', p.stdout)
        self.assertIn('"LatestDeliveryTime"', p.stdout)

    def test_alert_walkthrough_as_written(self):
        """The README's "get alerted when someone stops the trail", pasted after the quickstart
        in the same shell: the alarm goes off and its message is in the subscriber's file."""
        p = self.run_script(quickstart_script() + readme_script(
            "## Get alerted when someone stops the trail"))
        lines = [l for l in p.stdout.splitlines() if l.startswith('{"Type":"Notification"')]
        self.assertTrue(lines, p.stdout)
        alarm = json.loads(json.loads(lines[-1])["Message"])
        self.assertEqual((alarm["AlarmName"], alarm["NewStateValue"]),
                         ("CloudTrailChanges", "ALARM"), alarm)
        self.assertEqual(alarm["Trigger"]["MetricName"], "CloudTrailChanges")
        # and filter-log-events found the StopLogging event, with who and from where
        self.assertIn('\\"eventName\\":\\"StopLogging\\"', p.stdout)
        self.assertIn('\\"sourceIPAddress\\":\\"127.0.0.1\\"', p.stdout)
        # trail-restore turned the trail back on and wrote an incident for each stop-logging
        # (the quickstart's and the walkthrough's)
        self.assertIn("\ntrue\n", p.stdout)
        listing = re.search(r'^\{"Incidents".*$', p.stdout, re.M)
        self.assertTrue(listing, p.stdout)
        incidents = json.loads(listing.group(0))["Incidents"]
        self.assertEqual([(i["runbook"], i["triggerEventName"], i["status"]) for i in incidents],
                         [("trail-restore", "StopLogging", "restored")] * 2)
        self.assertIn("# %s: CloudTrail logging restarted for main" % incidents[0]["id"],
                      p.stdout)


if __name__ == "__main__":
    otharness.main()

"""Issue 12 items 5 and 6: the built-in runbook instance-login and its configuration
(docs/runbooks.md "instance-login").

Against the real server. The isolation webhook is a real HTTP server (python's http.server in a
subprocess started by the test) that writes down every request it gets. Logins reach the server
as AWS records them, through PutAuditEvents (boto3 cloudtrail-data): a SendSSHPublicKey record
forwarded through a CloudTrailRecords channel makes the runbook POST exactly the documented
body (instance id, the open incident, the record) with the documented headers, and the incident
says "isolated" with exact fields; a login the allowlist approves calls nothing; a webhook that
is down or answers 503 leaves "webhook-failed" (retried, one Idempotency-Key), and a re-delivered
record calls it again only then; an ssm StartSession sent through a Custom (activity) channel is
a trigger too; a serial console key names its port; kill -9 right after a login ends with one isolated
incident; dry-run and off call nothing;
`opentrail runbook list` shows the settings with the secret masked.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid

from otharness import BIN, ServerTestCase, free_port, main
from test_pipeline import wait_for
import test_runbook_trail_restore as trail_restore

ACCOUNT = "123456789012"
TOPIC = "arn:aws:sns:us-east-1:%s:security-alerts" % ACCOUNT
TRAIL_ARN = "arn:aws:cloudtrail:us-east-1:%s:trail/main" % ACCOUNT
INSTANCE = "i-0123456789abcdef0"
SECRET = "X-Isolation-Secret: s3cret-value"

# The webhook receiver: answers every POST with STATUS and appends {path, headers, body} to
# a JSON-lines file.
RECEIVER = r"""
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
port, out, status = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
class H(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(out, "a") as f:
            f.write(json.dumps({"method": "POST", "path": self.path,
                                "headers": {k.lower(): v for k, v in self.headers.items()},
                                "body": body.decode()}) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
HTTPServer(("127.0.0.1", port), H).serve_forever()
"""


class Receiver:
    def __init__(self, directory, port=None, status=200):
        self.port = port or free_port()
        self.path = os.path.join(directory, "webhook-%d.jsonl" % self.port)
        self.proc = subprocess.Popen([sys.executable, "-c", RECEIVER, str(self.port), self.path,
                                      str(status)])
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the webhook receiver did not start")

    def requests(self):
        if not os.path.exists(self.path):
            return []
        with open(self.path) as f:
            return [json.loads(x) for x in f.read().splitlines()]

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def record(name, source, params, user="alice", ip="203.0.113.5"):
    """A CloudTrail record as AWS writes it for an IAM user's call."""
    return {"eventVersion": "1.08",
            "userIdentity": {"type": "IAMUser", "principalId": "AIDA%s" % user.upper(),
                             "arn": "arn:aws:iam::%s:user/%s" % (ACCOUNT, user),
                             "accountId": ACCOUNT, "accessKeyId": "AKIAEXAMPLE0000000001",
                             "userName": user},
            "eventTime": iso(time.time() - 5), "eventSource": source, "eventName": name,
            "awsRegion": "us-east-1", "sourceIPAddress": ip,
            "userAgent": "aws-cli/2.15.0 md/command#ec2-instance-connect.send-ssh-public-key",
            "requestParameters": params,
            "responseElements": {"requestId": str(uuid.uuid4()), "success": True},
            "requestID": str(uuid.uuid4()), "eventID": str(uuid.uuid4()), "readOnly": False,
            "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": ACCOUNT,
            "eventCategory": "Management"}


def ssh_key(user="alice", os_user="ec2-user", ip="203.0.113.5", instance=INSTANCE):
    return record("SendSSHPublicKey", "ec2-instance-connect.amazonaws.com",
                  {"instanceId": instance, "instanceOSUser": os_user,
                   "sSHPublicKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample"},
                  user=user, ip=ip)


class Base(ServerTestCase):
    """A server with a trail, the runbook topic (a file subscription) and a CloudTrailRecords
    channel; args: the instance-login options of this server."""
    embedded_runbooks = True  # the server's own defaults: runbooks on
    args = ()
    receiver_status = 200

    def setUp(self):
        self.hook_dir = tempfile.mkdtemp(prefix="ot-webhook-")
        self.receiver = Receiver(self.hook_dir, status=self.receiver_status) \
            if self.receiver_status else None
        self.hook_port = self.receiver.port if self.receiver else free_port()
        self.hook = "http://127.0.0.1:%d/isolate?token=abc" % self.hook_port
        self.server_args = tuple(a.replace("HOOK", self.hook) for a in
                                 ("--runbook-topic", TOPIC) + tuple(self.args))
        super().setUp()
        s = self.server
        self.sns = s.client("sns")
        self.sns.create_topic(Name="security-alerts")
        self.sns.subscribe(TopicArn=TOPIC, Protocol="file", Endpoint="alerts.jsonl")
        s.client("s3").create_bucket(Bucket="trail-logs")
        s.aws("cloudtrail", "create-trail", "--name", "main", "--s3-bucket-name", "trail-logs")
        s.aws("cloudtrail", "start-logging", "--name", "main")
        self.channel = s.aws_json("cloudtrail", "create-channel", "--name", "forwarded",
                                  "--source", "CloudTrailRecords", "--destinations",
                                  json.dumps([{"Type": "AWS_SERVICE", "Location": TRAIL_ARN}]))
        self.data = s.client("cloudtrail-data")

    def tearDown(self):
        if self.receiver:
            self.receiver.stop()
        shutil.rmtree(self.hook_dir, ignore_errors=True)
        super().tearDown()

    def send(self, *records, channel=None):
        events = [{"id": "e%d" % i, "eventData": json.dumps(r)} for i, r in enumerate(records)]
        out = self.data.put_audit_events(channelArn=channel or self.channel["ChannelArn"],
                                         auditEvents=events)
        self.assertEqual(out["failed"], [])
        return out["successful"]

    # the trail-restore test's helpers (a module attribute: its tests are not collected here)
    incidents = trail_restore.TrailRestore.incidents
    runbooks_caught_up = trail_restore.TrailRestore.runbooks_caught_up
    alerts = trail_restore.TrailRestore.alerts

    def complete_incidents(self, count, status=None):
        """The incidents once count are complete (they carry their id; status: all of it)."""
        def ready():
            i = self.incidents()
            ok = len(i) >= count and all("id" in x for x in i) and \
                (status is None or all(x["status"] == status for x in i))
            return i if ok else None
        done = wait_for(ready)
        self.assertTrue(done, "no %d complete incidents: %s" % (count, self.incidents()))
        return done

    def actor(self, user="alice", ip="203.0.113.5"):
        return {"type": "IAMUser", "arn": "arn:aws:iam::%s:user/%s" % (ACCOUNT, user),
                "principalId": "AIDA%s" % user.upper(), "accessKeyId": "AKIAEXAMPLE0000000001",
                "userName": user, "sourceIPAddress": ip,
                "userAgent": "aws-cli/2.15.0 md/command#ec2-instance-connect.send-ssh-public-key",
                "human": {"name": user, "how": "iam-user", "provider": "", "chain": []}}

    def trigger(self, rec):
        return {k: rec[k] for k in ("eventID", "eventName", "eventTime", "eventSource",
                                    "awsRegion", "recipientAccountId")}


class Isolation(Base):
    args = ("--runbook-instance-login-webhook", "HOOK",
            "--runbook-instance-login-webhook-header", SECRET,
            "--runbook-instance-login-allow", "user=ec2-user cidr=10.0.0.0/8; actor=*:user/ops-*")

    def test_ssh_key_isolates_through_the_webhook(self):
        rec = ssh_key()
        self.send(rec)
        [inc] = self.complete_incidents(1)
        [call] = self.receiver.requests()
        # the documented request: POST, the URL as configured, the headers
        self.assertEqual(call["path"], "/isolate?token=abc")
        h = call["headers"]
        self.assertEqual(h["content-type"], "application/json")
        self.assertEqual(h["idempotency-key"], inc["id"])
        self.assertEqual(h["x-isolation-secret"], "s3cret-value")
        self.assertEqual(h["user-agent"], "opentrail-runbook/instance-login")
        body = json.loads(call["body"])
        self.assertEqual(sorted(body), ["event", "incident", "instanceId"])
        self.assertEqual(body["instanceId"], INSTANCE)
        self.assertEqual(body["event"], rec)
        # the incident as it stood when the webhook was called: open, the action pending
        sent = body["incident"]
        self.assertEqual(sent["id"], inc["id"])
        self.assertEqual(sent["status"], "open")
        self.assertEqual(sent["title"], "Instance %s: isolating after SendSSHPublicKey" % INSTANCE)
        self.assertEqual(sent["action"], {"taken": "isolate", "result": "pending",
                                          "before": "not isolated", "after": "not isolated",
                                          "dryRun": False})
        self.assertEqual(sent["details"], {"instanceId": INSTANCE, "osUser": "ec2-user"})
        self.assertEqual(sent["notifications"], [])
        for same in ("runbook", "createdAt", "trigger", "actor", "resource", "change", "prior"):
            self.assertEqual(sent[same], inc[same], same)

        # the incident, complete
        self.assertRegex(inc["id"], r"^INC-\d{8}-[0-9a-f]{8}$")
        self.assertEqual(inc["runbook"], "instance-login")
        self.assertEqual(inc["status"], "isolated")
        self.assertEqual(inc["title"], "Instance %s isolated after SendSSHPublicKey" % INSTANCE)
        self.assertEqual(inc["trigger"], self.trigger(rec))
        self.assertEqual(inc["actor"], self.actor())
        self.assertEqual(inc["resource"], {
            "type": "AWS::EC2::Instance",
            "arn": "arn:aws:ec2:us-east-1:%s:instance/%s" % (ACCOUNT, INSTANCE),
            "name": INSTANCE})
        self.assertEqual(inc["change"], "SendSSHPublicKey: an SSH public key was sent to %s for "
                                        "OS user ec2-user" % INSTANCE)
        self.assertEqual(inc["action"], {"taken": "isolate", "result": "succeeded",
                                         "before": "not isolated", "after": "isolated",
                                         "dryRun": False})
        self.assertEqual(inc["prior"], [])
        # the URL without its query: a token there is not published
        hook = "http://127.0.0.1:%d/isolate" % self.hook_port
        self.assertEqual(inc["details"], {"instanceId": INSTANCE, "osUser": "ec2-user",
                                          "webhook": {"url": hook, "attempts": 1,
                                                      "status": 200}})
        [note] = self.alerts(1)
        self.assertEqual(note["Subject"], inc["title"])
        self.assertIn(inc["id"], note["Message"])
        self.assertEqual(inc["notifications"], [
            {"type": "webhook", "target": hook, "status": 200},
            {"type": "sns", "target": TOPIC, "messageId": note["MessageId"]}])
        self.assertNotIn("s3cret", json.dumps(inc))

        # the same record delivered again: the incident exists and its call succeeded
        self.send(rec)
        self.runbooks_caught_up()
        self.assertEqual(len(self.incidents()), 1)
        self.assertEqual(len(self.receiver.requests()), 1)
        self.assertEqual(len(self.alerts(1)), 1)

        # a second login by the same human names the first incident
        self.send(ssh_key(instance="i-0fedcba9876543210"))
        second = self.complete_incidents(2)[1]
        self.assertEqual(second["prior"], [{"id": inc["id"], "runbook": "instance-login",
                                            "createdAt": inc["createdAt"], "status": "isolated"}])
        self.assertEqual(json.loads(self.receiver.requests()[1]["body"])["instanceId"],
                         "i-0fedcba9876543210")

    def test_kill9_right_after_the_login(self):
        """Whenever the crash comes (before the call, between the call and its outcome, after),
        the restarted server ends with one isolated incident, and every call it made for it
        carried that incident's id as its Idempotency-Key."""
        self.send(ssh_key())
        self.server.kill9()
        self.server.start()
        [inc] = self.complete_incidents(1, status="isolated")
        self.runbooks_caught_up()
        calls = self.receiver.requests()
        self.assertGreaterEqual(len(calls), 1)
        self.assertEqual({c["headers"]["idempotency-key"] for c in calls}, {inc["id"]})
        self.assertEqual(len(self.incidents()), 1)

    def test_allowlisted_logins_call_nothing(self):
        by_ops = ssh_key(user="ops-carol", os_user="root", ip="198.51.100.7")
        from_vpn = ssh_key(os_user="ec2-user", ip="10.20.30.40")
        self.send(by_ops, from_vpn)
        incs = self.complete_incidents(2)
        by_id = {i["trigger"]["eventID"]: i for i in incs}
        ops, vpn = by_id[by_ops["eventID"]], by_id[from_vpn["eventID"]]
        for inc in (ops, vpn):
            self.assertEqual(inc["status"], "allowed")
            self.assertEqual(inc["action"], {
                "taken": "none", "result": "not-needed: the login is on the allowlist",
                "before": "not isolated", "after": "not isolated", "dryRun": False})
            self.assertEqual(inc["title"], "Instance %s: allowed SendSSHPublicKey (allowlist)"
                             % INSTANCE)
        self.assertEqual(ops["details"], {"instanceId": INSTANCE, "osUser": "root",
                                          "allowlistEntry": "actor=*:user/ops-*"})
        self.assertEqual(vpn["details"], {"instanceId": INSTANCE, "osUser": "ec2-user",
                                          "allowlistEntry": "user=ec2-user cidr=10.0.0.0/8"})
        self.assertEqual(ops["actor"]["human"]["name"], "ops-carol")
        self.assertEqual([n["type"] for n in ops["notifications"]], ["sns"])
        self.runbooks_caught_up()
        self.assertEqual(self.receiver.requests(), [])
        # one part that does not match (ec2-user from outside 10/8) is isolated
        self.send(ssh_key(os_user="ec2-user", ip="192.0.2.1"))
        self.assertTrue(wait_for(self.receiver.requests))
        self.assertEqual(self.complete_incidents(3)[2]["status"], "isolated")

    def test_failed_calls_are_not_logins(self):
        """A record with an errorCode (the key was refused) and other events trigger nothing."""
        refused = ssh_key()
        refused["errorCode"] = "AccessDenied"
        refused["errorMessage"] = "not authorized"
        other = record("DescribeInstances", "ec2.amazonaws.com", {"instancesSet": {}})
        not_ec2 = record("StartSession", "ssm.amazonaws.com", {"target": "mi-0123456789abcdef0"})
        self.send(refused, other, not_ec2)
        self.runbooks_caught_up()
        self.assertEqual(self.incidents(), [])
        self.assertEqual(self.receiver.requests(), [])

    def test_ssm_start_session_through_an_activity_channel(self):
        """A Custom channel's events are CloudTrail Lake activity events: the runbook reads the
        record they become."""
        s = self.server
        custom = s.aws_json("cloudtrail", "create-channel", "--name", "custom", "--source",
                            "Custom", "--destinations",
                            json.dumps([{"Type": "AWS_SERVICE", "Location": TRAIL_ARN}]))
        data = {"version": "1.0", "userIdentity": {"type": "IAMUser",
                                                   "principalId": "AIDAMALLORY"},
                "eventSource": "ssm.amazonaws.com", "eventName": "StartSession",
                "eventTime": iso(time.time()), "UID": str(uuid.uuid4()),
                "recipientAccountId": ACCOUNT, "sourceIPAddress": "198.51.100.9",
                "requestParameters": {"target": INSTANCE}}
        [ok] = self.send(data, channel=custom["ChannelArn"])
        [inc] = self.complete_incidents(1)
        self.assertEqual(inc["status"], "isolated")
        self.assertEqual(inc["trigger"]["eventID"], ok["eventID"])
        self.assertEqual(inc["trigger"]["eventName"], "StartSession")
        self.assertEqual(inc["trigger"]["eventSource"], "ssm.amazonaws.com")
        self.assertEqual(inc["change"], "StartSession: a Session Manager session was started on %s"
                         % INSTANCE)
        self.assertEqual(inc["details"]["instanceId"], INSTANCE)
        self.assertNotIn("osUser", inc["details"])
        self.assertEqual(inc["actor"]["sourceIPAddress"], "198.51.100.9")
        [call] = self.receiver.requests()
        body = json.loads(call["body"])
        self.assertEqual(body["instanceId"], INSTANCE)
        self.assertEqual(body["event"]["eventID"], ok["eventID"])
        self.assertEqual(body["event"]["requestParameters"], {"target": INSTANCE})

    def test_serial_console_key(self):
        rec = record("SendSerialConsoleSSHPublicKey", "ec2-instance-connect.amazonaws.com",
                     {"instanceId": INSTANCE, "serialPort": 0, "sSHPublicKey": "ssh-rsa AAAA"},
                     user="mallory", ip="192.0.2.44")
        self.send(rec)
        [inc] = self.complete_incidents(1)
        self.assertEqual(inc["status"], "isolated")
        self.assertEqual(inc["change"], "SendSerialConsoleSSHPublicKey: an SSH public key was "
                                        "sent to the serial console of %s (port 0)" % INSTANCE)
        self.assertEqual(inc["details"]["serialPort"], "0")
        self.assertEqual(inc["actor"]["human"]["name"], "mallory")


class WebhookDown(Base):
    """Nothing listens at the webhook's address."""
    receiver_status = None
    args = ("--runbook-instance-login-webhook", "HOOK")

    def test_webhook_down_then_up(self):
        rec = ssh_key()
        self.send(rec)
        [inc] = self.complete_incidents(1)
        hook = "http://127.0.0.1:%d/isolate" % self.hook_port
        self.assertEqual(inc["status"], "webhook-failed")
        self.assertEqual(inc["title"],
                         "Instance %s NOT isolated (webhook failed) after SendSSHPublicKey" % INSTANCE)
        self.assertEqual(inc["action"], {"taken": "isolate",
                                         "result": "failed: Couldn't connect to server after 3 "
                                                   "attempts",
                                         "before": "not isolated", "after": "not isolated",
                                         "dryRun": False})
        self.assertEqual(inc["details"]["webhook"], {"url": hook, "attempts": 3, "status": 0,
                                                     "error": "Couldn't connect to server"})
        self.assertEqual(inc["notifications"][0], {"type": "webhook", "target": hook,
                                                   "status": 0,
                                                   "error": "Couldn't connect to server"})
        self.assertEqual(self.alerts(1)[0]["Subject"], inc["title"])
        # the receiver comes up and the record is delivered again: only a failed call is
        # made again, for the same incident (same id, same Idempotency-Key)
        self.receiver = Receiver(self.hook_dir, port=self.hook_port)
        self.send(rec)
        self.assertTrue(wait_for(self.receiver.requests))
        [again] = self.complete_incidents(1, status="isolated")
        self.assertEqual(again["id"], inc["id"])
        self.assertEqual(again["createdAt"], inc["createdAt"])
        [call] = self.receiver.requests()
        self.assertEqual(call["headers"]["idempotency-key"], inc["id"])
        self.assertEqual(json.loads(call["body"])["incident"]["id"], inc["id"])
        self.runbooks_caught_up()
        self.assertEqual(len(self.receiver.requests()), 1)


class WebhookRefuses(Base):
    """The webhook answers 503 every time: three attempts with one key."""
    receiver_status = 503
    args = ("--runbook-instance-login-webhook", "HOOK")

    def test_503_is_retried_then_recorded(self):
        self.send(ssh_key())
        [inc] = self.complete_incidents(1)
        self.assertEqual(inc["status"], "webhook-failed")
        self.assertEqual(inc["action"]["result"], "failed: HTTP 503 after 3 attempts")
        self.assertEqual(inc["details"]["webhook"]["status"], 503)
        calls = self.receiver.requests()
        self.assertEqual(len(calls), 3)
        self.assertEqual({c["headers"]["idempotency-key"] for c in calls}, {inc["id"]})


class Configured(Base):
    """No webhook, dry-run, off: each on a server of its own."""
    def serve(self, *args):
        self.server.stop()
        self.server.extra_args = [a.replace("HOOK", self.hook) for a in args]
        self.server.start()
        self.data = self.server.client("cloudtrail-data")

    def test_no_webhook_records_the_login(self):
        self.send(ssh_key())
        [inc] = self.complete_incidents(1)
        self.assertEqual(inc["status"], "not-isolated")
        self.assertEqual(inc["action"], {"taken": "none",
                                         "result": "none: no isolation webhook configured",
                                         "before": "not isolated", "after": "not isolated",
                                         "dryRun": False})
        self.assertEqual(inc["details"], {"instanceId": INSTANCE, "osUser": "ec2-user"})
        self.assertEqual(self.receiver.requests(), [])

    def test_dry_run_changes_nothing(self):
        self.serve("--runbook-instance-login", "dry-run", "--runbook-instance-login-webhook",
                   "HOOK")
        self.send(ssh_key())
        [inc] = self.complete_incidents(1)
        self.assertEqual(inc["status"], "dry-run")
        self.assertEqual(inc["title"], "Instance %s not isolated (dry run) after SendSSHPublicKey"
                         % INSTANCE)
        self.assertEqual(inc["action"], {"taken": "isolate", "result": "skipped",
                                         "before": "not isolated", "after": "not isolated",
                                         "dryRun": True})
        self.assertEqual(inc["notifications"], [])   # this server has no topic
        self.runbooks_caught_up()
        self.assertEqual(self.receiver.requests(), [])

    def test_off_does_nothing(self):
        self.serve("--runbook-instance-login", "off", "--runbook-instance-login-webhook", "HOOK")
        self.send(ssh_key())
        self.runbooks_caught_up()
        self.assertEqual(self.incidents(), [])
        self.assertEqual(self.receiver.requests(), [])

    def test_bad_settings_stop_the_server(self):
        self.server.stop()
        for args, why in ((("--runbook-instance-login-allow", "user=a; host=b"), "unknown part"),
                          (("--runbook-instance-login-webhook", "ftp://x"), "http:// or https://"),
                          (("--runbook-instance-login-webhook-header", "no colon"),
                           "Name: value")):
            self.server.extra_args = list(args)
            with self.assertRaises(RuntimeError) as cm:
                self.server.start()
            self.assertIn(why, str(cm.exception))
            self.server.proc = None
            self.server.log.close()
        self.server.extra_args = []
        self.server.start()

    def test_runbook_list(self):
        env = dict(os.environ, OPENTRAIL_RUNBOOK_INSTANCE_LOGIN="dry-run",
                   OPENTRAIL_RUNBOOK_INSTANCE_LOGIN_ALLOW="user=ec2-user",
                   OPENTRAIL_RUNBOOK_INSTANCE_LOGIN_WEBHOOK="https://hooks.example/isolate",
                   OPENTRAIL_RUNBOOK_INSTANCE_LOGIN_WEBHOOK_HEADER=SECRET,
                   OPENTRAIL_RUNBOOK_TOPIC=TOPIC)
        env.pop("OPENTRAIL_BIN", None)
        out = subprocess.run([BIN, "runbook", "list"], env=env, capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        rbs = {r["name"]: r for r in json.loads(out.stdout)["runbooks"]}
        rb = rbs["instance-login"]
        self.assertEqual(rb["state"], "dry-run")
        self.assertIn("SendSSHPublicKey", rb["trigger"])
        self.assertEqual(rb["settings"], {
            "runbook-instance-login": "dry-run",
            "runbook-instance-login-allow": "user=ec2-user",
            "runbook-instance-login-webhook": "https://hooks.example/isolate",
            "runbook-instance-login-webhook-header": "X-Isolation-Secret: ***",
            "runbook-topic": TOPIC})
        self.assertNotIn("s3cret", out.stdout)
        self.assertEqual(rbs["trail-restore"]["state"], "on")


if __name__ == "__main__":
    main()

"""Issue 12 items 3 and 6: the built-in runbook trail-restore and its configuration
(docs/runbooks.md).

Against the real server, driven by the real aws CLI and boto3: a StopLogging by an IAM user
is undone (IsLogging true again, polled) and an incident names the actor, the source IP, the
user agent and the human, the restoring StartLogging (audited as the responder's own principal,
in the history and in the trail's log files, and triggering nothing), the blind window and the
SNS message (a file subscription of the runbook topic); a StopLogging forwarded through a
CloudTrailRecords channel by a role session reached through two AssumeRole hops names the IAM
user at the start of the chain; a deleted trail comes back with its configuration, selectors,
Insights selectors and tags; event selectors that drop management events are put back; dry-run
writes the incident and changes nothing; off and an excluded trail do nothing; kill -9 right
after StopLogging still ends with the trail logging and one incident; `opentrail runbook list`
shows the configuration.
"""
import datetime
import gzip
import json
import os
import pty
import sqlite3
import subprocess
import time
import uuid

from otharness import BIN, Server, ServerTestCase, main
from test_pipeline import wait_for

ACCOUNT = "123456789012"
TOPIC = "arn:aws:sns:us-east-1:%s:security-alerts" % ACCOUNT
TRAIL_ARN = "arn:aws:cloudtrail:us-east-1:%s:trail/main" % ACCOUNT
RESPONDER_ARN = "arn:aws:sts::%s:assumed-role/OpenTrailResponder/trail-restore" % ACCOUNT
MALLORY_KEY, MALLORY_SECRET = "AKIAMALLORY000000001", "mallorysecret"


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

# --- forwarded records (a CloudTrailRecords channel) of sessions and the STS calls behind them --
ALICE = {"type": "IAMUser", "principalId": "AIDAALICE00000000001",
         "arn": "arn:aws:iam::%s:user/alice" % ACCOUNT, "accountId": ACCOUNT,
         "accessKeyId": "AKIAALICE00000000001", "userName": "alice"}


def session(role, name, key, created):
    """The userIdentity of a role session."""
    return {"type": "AssumedRole", "principalId": "AROA%s:%s" % (role.upper(), name),
            "arn": "arn:aws:sts::%s:assumed-role/%s/%s" % (ACCOUNT, role, name),
            "accountId": ACCOUNT, "accessKeyId": key,
            "sessionContext": {"sessionIssuer": {
                "type": "Role", "principalId": "AROA%s" % role.upper(),
                "arn": "arn:aws:iam::%s:role/%s" % (ACCOUNT, role), "accountId": ACCOUNT,
                "userName": role},
                "attributes": {"creationDate": iso(created), "mfaAuthenticated": "false"}}}


def record(name, source, identity, t, params, response=None):
    return {"eventVersion": "1.08", "userIdentity": identity, "eventTime": iso(t),
            "eventSource": source, "eventName": name, "awsRegion": "us-east-1",
            "sourceIPAddress": "203.0.113.5", "userAgent": "aws-cli/2.15.0",
            "requestParameters": params, "responseElements": response,
            "requestID": str(uuid.uuid4()), "eventID": str(uuid.uuid4()),
            "readOnly": False, "eventType": "AwsApiCall", "managementEvent": True,
            "recipientAccountId": ACCOUNT, "eventCategory": "Management"}


def assume(caller, role, name, key, t, event="AssumeRole"):
    """caller's STS call that issued the session (role, name) with access key `key`."""
    return record(event, "sts.amazonaws.com", caller, t,
                  {"roleArn": "arn:aws:iam::%s:role/%s" % (ACCOUNT, role),
                   "roleSessionName": name},
                  {"credentials": {"accessKeyId": key, "sessionToken": "x",
                                   "expiration": "Dec 3, 2099, 11:00:00 AM"},
                   "assumedRoleUser": {"assumedRoleId": "AROA%s:%s" % (role.upper(), name),
                                       "arn": "arn:aws:sts::%s:assumed-role/%s/%s"
                                              % (ACCOUNT, role, name)}})


class TrailRestore(ServerTestCase):
    embedded_runbooks = True  # the server's own defaults: runbooks on
    server_args = ("--runbook-topic", TOPIC)

    def setUp(self):
        super().setUp()
        s = self.server
        s.stop()
        s.add_user("mallory", MALLORY_KEY, MALLORY_SECRET)
        s.start()
        self.ct = s.client("cloudtrail")
        self.sns = s.client("sns")
        self.s3 = s.client("s3")
        self.s3.create_bucket(Bucket="trail-logs")
        self.sns.create_topic(Name="security-alerts")
        self.sns.subscribe(TopicArn=TOPIC, Protocol="file", Endpoint="alerts.jsonl")
        s.aws("cloudtrail", "create-trail", "--name", "main", "--s3-bucket-name", "trail-logs")
        s.aws("cloudtrail", "start-logging", "--name", "main")

    # --- helpers ---------------------------------------------------------------------------
    def mallory(self, *args, check=True):
        env = self.server.env()
        env.update({"AWS_ACCESS_KEY_ID": MALLORY_KEY, "AWS_SECRET_ACCESS_KEY": MALLORY_SECRET})
        env.pop("AWS_SHARED_CREDENTIALS_FILE", None)
        return self.server.aws(*args, env=env, check=check)

    def incidents(self):
        path = os.path.join(self.server.data_dir, "incidents.db")
        if not os.path.exists(path):
            return []
        db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
        try:
            rows = db.execute("SELECT json FROM incidents ORDER BY created_ms").fetchall()
        except sqlite3.OperationalError:
            rows = []
        db.close()
        return [json.loads(r[0]) for r in rows]

    def complete_incidents(self, count):
        """The incidents once count of them are complete (they carry their id)."""
        done = wait_for(lambda: (lambda i: i if len(i) >= count and all("id" in x for x in i)
                                 else None)(self.incidents()))
        self.assertTrue(done, "no %d complete incidents: %s" % (count, self.incidents()))
        return done

    def logging(self, name="main"):
        return self.ct.get_trail_status(Name=name)["IsLogging"]

    def runbooks_caught_up(self):
        """Waits until the runbooks' WAL reader has committed every record written so far."""
        def lag():
            out = subprocess.run([BIN, "wal", "readers", os.path.join(self.server.data_dir, "wal"),
                                  "--json"], capture_output=True, text=True).stdout
            readers = {r["name"]: r for r in json.loads(out)["readers"]}
            return "runbooks" in readers and readers["runbooks"]["lag_records"] == 0
        self.assertTrue(wait_for(lag), "the runbooks reader did not catch up")

    def lookup(self, name):
        out = self.ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName",
                                                        "AttributeValue": name}])
        return [json.loads(e["CloudTrailEvent"]) for e in out["Events"]]

    def alerts(self, count):
        path = os.path.join(self.server.data_dir, "sns", "alerts.jsonl")

        def read():
            if not os.path.exists(path):
                return []
            with open(path) as f:
                return [json.loads(x) for x in f.read().splitlines()]
        lines = wait_for(lambda: (lambda l: l if len(l) >= count else None)(read()))
        self.assertTrue(lines, "no SNS message")
        return lines

    def delivered_records(self):
        out = []
        for o in self.s3.list_objects_v2(Bucket="trail-logs").get("Contents", []):
            if "/CloudTrail/" in o["Key"]:
                body = self.s3.get_object(Bucket="trail-logs", Key=o["Key"])["Body"].read()
                out += json.loads(gzip.decompress(body))["Records"]
        return out

    # --- StopLogging -----------------------------------------------------------------------
    def test_stop_logging_is_undone_with_an_incident(self):
        _, _, _ = self.mallory("cloudtrail", "stop-logging", "--name", "main")
        self.assertTrue(wait_for(self.logging, step=0.05), "logging was not restarted")
        [inc] = self.complete_incidents(1)
        [stop] = self.lookup("StopLogging")
        starts = [e for e in self.lookup("StartLogging") if e["userIdentity"]["arn"] == RESPONDER_ARN]
        self.assertEqual(len(starts), 1)
        own = starts[0]
        # the responder's call: its own principal, address and user agent
        self.assertEqual(own["userIdentity"]["type"], "AssumedRole")
        self.assertEqual(own["userIdentity"]["principalId"], "AROAOPENTRAILRESPONDER:trail-restore")
        self.assertEqual(own["sourceIPAddress"], "runbooks.opentrail.internal")
        self.assertEqual(own["userAgent"], "opentrail-runbook/trail-restore")
        self.assertEqual(own["requestParameters"], {"name": TRAIL_ARN})

        self.assertRegex(inc["id"], r"^INC-\d{8}-[0-9a-f]{8}$")
        self.assertEqual(inc["runbook"], "trail-restore")
        self.assertEqual(inc["status"], "restored")
        self.assertEqual(inc["title"], "CloudTrail logging restarted for main")
        self.assertEqual(inc["trigger"], {
            "eventID": stop["eventID"], "eventName": "StopLogging", "eventTime": stop["eventTime"],
            "eventSource": "cloudtrail.amazonaws.com", "awsRegion": "us-east-1",
            "recipientAccountId": ACCOUNT})
        actor = inc["actor"]
        self.assertEqual(actor["type"], "IAMUser")
        self.assertEqual(actor["arn"], "arn:aws:iam::%s:user/mallory" % ACCOUNT)
        self.assertEqual(actor["accessKeyId"], MALLORY_KEY)
        self.assertEqual(actor["userName"], "mallory")
        self.assertEqual(actor["sourceIPAddress"], "127.0.0.1")
        self.assertEqual(actor["userAgent"], stop["userAgent"])
        self.assertTrue(actor["userAgent"].startswith("aws-cli/"))
        self.assertEqual(actor["human"], {"name": "mallory", "how": "iam-user", "provider": "",
                                          "chain": []})
        self.assertEqual(inc["resource"], {"type": "AWS::CloudTrail::Trail", "arn": TRAIL_ARN,
                                           "name": "main"})
        self.assertEqual(inc["change"], "StopLogging: logging stopped")
        self.assertEqual(inc["action"], {"taken": "StartLogging", "result": "succeeded",
                                         "before": "IsLogging=false", "after": "IsLogging=true",
                                         "eventID": own["eventID"], "dryRun": False})
        window = inc["window"]
        self.assertEqual(window["start"], stop["eventTime"].replace("Z", ".000Z"))
        self.assertGreaterEqual(window["seconds"], 0)
        self.assertEqual(window["end"][:19], own["eventTime"][:19])
        self.assertNotIn(stop["eventID"], [e["eventID"] for e in window["events"]])
        self.assertEqual(inc["prior"], [])
        # the SNS message: the incident's subject, and its MessageId recorded
        [note] = self.alerts(1)
        self.assertEqual(note["Subject"], "CloudTrail logging restarted for main")
        self.assertIn(inc["id"], note["Message"])
        self.assertEqual(inc["notifications"], [{"type": "sns", "target": TOPIC,
                                                 "messageId": note["MessageId"]}])
        # the responder's StartLogging is in the trail's own log files, and triggers nothing
        self.assertTrue(wait_for(lambda: own["eventID"] in
                                 [r["eventID"] for r in self.delivered_records()]))
        self.runbooks_caught_up()
        self.assertEqual(len(self.incidents()), 1)

        # a second offence by the same human names the first incident
        self.mallory("cloudtrail", "stop-logging", "--name", "main")
        second = self.complete_incidents(2)[1]
        self.assertEqual(second["prior"], [{"id": inc["id"], "runbook": "trail-restore",
                                            "createdAt": inc["createdAt"], "status": "restored"}])
        self.assertTrue(wait_for(self.logging, step=0.05))

    def forward(self, *records):
        """Sends records through a CloudTrailRecords channel into the trail."""
        s = self.server
        chan = s.aws_json("cloudtrail", "create-channel", "--name", "forwarded", "--source",
                          "CloudTrailRecords", "--destinations",
                          json.dumps([{"Type": "AWS_SERVICE", "Location": TRAIL_ARN}]))
        events = [{"id": str(i), "eventData": json.dumps(r)} for i, r in enumerate(records)]
        out = s.client("cloudtrail-data").put_audit_events(channelArn=chan["ChannelArn"],
                                                          auditEvents=events)
        self.assertEqual(out["failed"], [])

    def test_human_behind_a_two_hop_role_chain(self):
        """Forwarded records: alice assumes RoleA, that session assumes RoleB, and RoleB's
        session stops the trail. The trail is logging (the record is a copy), so nothing is
        needed, but the incident names alice through both hops."""
        now = time.time()
        hop_a = assume(ALICE, "RoleA", "hop-a", "ASIAHOPA000000000001", now - 120)
        hop_b = assume(session("RoleA", "hop-a", "ASIAHOPA000000000001", now - 120), "RoleB",
                       "hop-b", "ASIAHOPB000000000001", now - 60)
        role_b = session("RoleB", "hop-b", "ASIAHOPB000000000001", now - 60)
        stop = record("StopLogging", "cloudtrail.amazonaws.com", role_b, now - 10,
                      {"name": "main"})
        self.forward(hop_a, hop_b, stop)
        [inc] = self.complete_incidents(1)
        self.assertEqual(inc["status"], "no-action-needed")
        self.assertEqual(inc["trigger"]["eventID"], stop["eventID"])
        actor = inc["actor"]
        self.assertEqual({k: actor[k] for k in ("type", "arn", "principalId", "accessKeyId",
                                                 "userName", "mfaAuthenticated",
                                                 "sessionCreationDate", "sourceIPAddress",
                                                 "userAgent")},
                         {"type": "AssumedRole", "arn": role_b["arn"],
                          "principalId": "AROAROLEB:hop-b", "accessKeyId": "ASIAHOPB000000000001",
                          "userName": "RoleB", "mfaAuthenticated": False,
                          "sessionCreationDate": iso(now - 60), "sourceIPAddress": "203.0.113.5",
                          "userAgent": "aws-cli/2.15.0"})
        human = actor["human"]
        self.assertEqual((human["name"], human["how"]), ("alice", "assume-role"))
        self.assertEqual([h["eventID"] for h in human["chain"]], [hop_b["eventID"], hop_a["eventID"]])
        self.assertEqual(inc["action"]["taken"], "none")
        self.assertEqual(inc["action"]["result"], "not-needed")
        self.assertNotIn("window", inc)
        [note] = self.alerts(1)
        self.assertEqual(note["Subject"], "CloudTrail change on main: no action needed")


    def test_human_behind_a_saml_federation(self):
        """Forwarded records: carol signs in through a SAML identity provider
        (AssumeRoleWithSAML) and that session stops the trail: the incident names carol, the
        provider, and the one hop."""
        now = time.time()
        carol = {"type": "SAMLUser", "principalId": "SampleQualifier+Ex=:carol@example.com",
                 "userName": "carol@example.com",
                 "identityProvider": "arn:aws:iam::%s:saml-provider/Okta" % ACCOUNT}
        signin = assume(carol, "Admins", "carol@example.com", "ASIASAML000000000001",
                        now - 60, event="AssumeRoleWithSAML")
        stop = record("StopLogging", "cloudtrail.amazonaws.com",
                      session("Admins", "carol@example.com", "ASIASAML000000000001", now - 60),
                      now - 10, {"name": "main"})
        self.forward(signin, stop)
        [inc] = self.complete_incidents(1)
        self.assertEqual(inc["trigger"]["eventID"], stop["eventID"])
        human = inc["actor"]["human"]
        self.assertEqual((human["name"], human["how"], human["provider"]),
                         ("carol@example.com", "saml", carol["identityProvider"]))
        self.assertEqual([(h["eventID"], h["eventName"]) for h in human["chain"]],
                         [(signin["eventID"], "AssumeRoleWithSAML")])

    # --- DeleteTrail and selectors ---------------------------------------------------------
    def test_deleted_trail_is_made_again_as_it_was(self):
        s = self.server
        s.aws("cloudtrail", "update-trail", "--name", "main", "--s3-key-prefix", "org",
              "--enable-log-file-validation", "--is-multi-region-trail")
        s.aws("cloudtrail", "add-tags", "--resource-id", TRAIL_ARN, "--tags-list",
              "Key=team,Value=sec", "Key=flag")
        selectors = [{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True,
                      "DataResources": [{"Type": "AWS::S3::Object",
                                         "Values": ["arn:aws:s3:::trail-logs/"]}],
                      "ExcludeManagementEventSources": []}]
        self.ct.put_event_selectors(TrailName="main", EventSelectors=selectors)
        self.ct.put_insight_selectors(TrailName="main",
                                      InsightSelectors=[{"InsightType": "ApiCallRateInsight"}])
        before = self.ct.get_trail(Name="main")["Trail"]
        tags = self.ct.list_tags(ResourceIdList=[TRAIL_ARN])["ResourceTagList"]
        self.mallory("cloudtrail", "delete-trail", "--name", "main")

        def back():
            trails = self.ct.describe_trails(trailNameList=["main"])["trailList"]
            return trails and self.logging()
        self.assertTrue(wait_for(back, step=0.05), "the trail was not made again")
        self.assertEqual(self.ct.get_trail(Name="main")["Trail"], before)
        self.assertEqual(self.ct.get_event_selectors(TrailName="main")["EventSelectors"], selectors)
        self.assertEqual(self.ct.get_insight_selectors(TrailName="main")["InsightSelectors"],
                         [{"InsightType": "ApiCallRateInsight"}])
        self.assertEqual(self.ct.list_tags(ResourceIdList=[TRAIL_ARN])["ResourceTagList"], tags)
        incs = self.complete_incidents(1)
        inc = incs[-1]
        self.assertEqual(inc["change"], "DeleteTrail: trail deleted")
        self.assertEqual(inc["status"], "restored")
        self.assertEqual(inc["action"]["taken"],
                         "CreateTrail, PutEventSelectors, PutInsightSelectors, StartLogging")
        self.assertEqual(inc["action"]["before"], "trail deleted")
        self.assertEqual(inc["action"]["after"], "IsLogging=true")
        self.assertTrue(inc["details"]["trailRecreated"])
        creates = [e for e in self.lookup("CreateTrail") if e["userIdentity"]["arn"] == RESPONDER_ARN]
        self.assertEqual(len(creates), 1)

    def test_selectors_without_management_events_are_put_back(self):
        kept = [{"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": [],
                 "ExcludeManagementEventSources": ["kms.amazonaws.com"]}]
        self.ct.put_event_selectors(TrailName="main", EventSelectors=kept)
        self.mallory("cloudtrail", "put-event-selectors", "--trail-name", "main",
                     "--event-selectors", json.dumps([{"ReadWriteType": "All",
                                                       "IncludeManagementEvents": False}]))
        got = wait_for(lambda: self.ct.get_event_selectors(TrailName="main")["EventSelectors"]
                       == kept, step=0.05)
        self.assertTrue(got, "the earlier selectors were not put back")
        [inc] = self.complete_incidents(1)   # the admin's first PutEventSelectors is no trigger
        self.assertEqual(inc["change"], "PutEventSelectors: event selectors changed")
        self.assertEqual(inc["action"]["taken"], "PutEventSelectors")
        self.assertEqual(inc["action"]["before"], "IsLogging=true; no management events recorded")
        own = [e for e in self.lookup("PutEventSelectors") if e["userIdentity"]["arn"] == RESPONDER_ARN]
        self.assertEqual(inc["action"]["eventID"], own[0]["eventID"])
        # advanced selectors that record only data events: back to the kept ones too
        self.mallory("cloudtrail", "put-event-selectors", "--trail-name", "main",
                     "--advanced-event-selectors", json.dumps([{"Name": "data only",
                         "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]},
                                            {"Field": "resources.type",
                                             "Equals": ["AWS::S3::Object"]}]}]))
        self.complete_incidents(2)
        self.assertEqual(self.ct.get_event_selectors(TrailName="main").get("EventSelectors"), kept)

    def test_kill9_right_after_stop_logging(self):
        s = self.server
        self.mallory("cloudtrail", "stop-logging", "--name", "main")
        s.kill9()
        s.start()
        self.ct = s.client("cloudtrail")
        self.assertTrue(wait_for(self.logging, step=0.05))
        self.complete_incidents(1)
        self.runbooks_caught_up()
        self.assertEqual(len(self.incidents()), 1)


class TrailRestoreConfigured(ServerTestCase):
    """dry-run, off and an excluded trail: each on a server of its own."""
    embedded_runbooks = True  # the server's own defaults: runbooks on

    def serve(self, *args):
        self.server.stop()
        self.server.extra_args = list(args)
        self.server.start()
        s = self.server
        self.ct = s.client("cloudtrail")
        s.client("s3").create_bucket(Bucket="trail-logs")
        s.aws("cloudtrail", "create-trail", "--name", "main", "--s3-bucket-name", "trail-logs")
        s.aws("cloudtrail", "start-logging", "--name", "main")

    incidents = TrailRestore.incidents
    complete_incidents = TrailRestore.complete_incidents
    runbooks_caught_up = TrailRestore.runbooks_caught_up

    def test_dry_run_writes_the_incident_and_changes_nothing(self):
        self.serve("--runbook-trail-restore", "dry-run")
        self.server.aws("cloudtrail", "stop-logging", "--name", "main")
        [inc] = self.complete_incidents(1)
        self.assertEqual(inc["status"], "dry-run")
        self.assertEqual(inc["title"], "CloudTrail logging not restarted (dry run) for main")
        self.assertEqual(inc["action"], {"taken": "StartLogging", "result": "skipped",
                                         "before": "IsLogging=false", "after": "IsLogging=false",
                                         "dryRun": True})
        self.assertIn("window", inc)
        self.assertEqual(inc["actor"]["human"]["name"], "admin")
        self.assertEqual(inc["notifications"], [])   # no topic configured
        self.runbooks_caught_up()
        self.assertFalse(self.ct.get_trail_status(Name="main")["IsLogging"])

    def stop_changes_nothing(self):
        self.server.aws("cloudtrail", "stop-logging", "--name", "main")
        self.runbooks_caught_up()
        self.assertFalse(self.ct.get_trail_status(Name="main")["IsLogging"])
        self.assertEqual(self.incidents(), [])

    def test_off_does_nothing(self):
        self.serve("--runbook-trail-restore", "off")
        self.stop_changes_nothing()

    def test_excluded_trail_is_left_alone(self):
        self.serve("--runbook-trail-restore-exclude", "other, %s" % TRAIL_ARN)
        self.stop_changes_nothing()

    def test_runbook_list(self):
        env = dict(os.environ, OPENTRAIL_RUNBOOK_TRAIL_RESTORE="dry-run",
                   OPENTRAIL_RUNBOOK_TOPIC=TOPIC)
        env.pop("OPENTRAIL_BIN", None)
        out = subprocess.run([BIN, "runbook", "list"], env=env, capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        [rb] = [r for r in json.loads(out.stdout)["runbooks"] if r["name"] == "trail-restore"]
        self.assertEqual(rb["state"], "dry-run")
        self.assertIn("StopLogging", rb["trigger"])
        self.assertEqual(rb["settings"], {"runbook-trail-restore": "dry-run",
                                          "runbook-trail-restore-exclude": "",
                                          "runbook-topic": TOPIC})
        # a table on a terminal
        pid, fd = pty.fork()
        if pid == 0:
            os.execve(BIN, [BIN, "runbook", "list"], env)
        text = b""
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            text += chunk
        os.waitpid(pid, 0)
        lines = text.decode().splitlines()
        self.assertTrue(lines[0].split()[:3] == ["RUNBOOK", "STATE", "TRIGGER"], lines)
        self.assertEqual(lines[1].split()[:2], ["trail-restore", "dry-run"])
        self.assertIn("runbook-topic = " + TOPIC, text.decode())
        bad = subprocess.run([BIN, "runbook", "list", "--nope"], capture_output=True, text=True)
        self.assertEqual(bad.returncode, 2)
        self.assertTrue(bad.stderr.startswith("opentrail runbook list: "), bad.stderr)


if __name__ == "__main__":
    main()

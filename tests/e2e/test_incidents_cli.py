"""Issue 12 item 3: `opentrail incidents list|show` (docs/runbooks.md, "opentrail incidents").

The incidents are written into the running server's data dir through the incident store
(tests/tools/incident_fixture.c calls ot_incident_put as a runbook does; writing the same
trigger again finds the first incident); the CLI then reads them while the server runs: the list
newest first as JSON (and a table on a terminal), filtered by account and limited; one incident
as its stored JSON record and as the Markdown report; and every usage and runtime error with
its exit status (2 and 1) and the one error prefix.
"""
import json
import os
import re
import shlex
import subprocess

from otharness import BIN, ServerTestCase, main

FIXTURE = os.path.join(os.path.dirname(BIN), "ot_incident_fixture")
A1, A2 = "111122223333", "444455556666"

CHAIN = [{"eventID": "ev-b", "eventName": "AssumeRole", "eventTime": "2026-12-03T09:30:00Z",
          "arn": "arn:aws:sts::%s:assumed-role/RoleB/hop-b" % A1, "accessKeyId": "ASIAB",
          "callerType": "AssumedRole", "callerArn": "arn:aws:sts::%s:assumed-role/RoleA/erin" % A1},
         {"eventID": "ev-a", "eventName": "AssumeRole", "eventTime": "2026-12-03T09:00:00Z",
          "arn": "arn:aws:sts::%s:assumed-role/RoleA/erin" % A1, "accessKeyId": "ASIAA",
          "callerType": "IAMUser", "callerArn": "arn:aws:iam::%s:user/erin" % A1}]


def incident(iid, runbook, account, created, trigger_id, human, title, status="restored",
             **extra):
    """An incident record with the fields docs/runbooks.md lists."""
    rec = {"runbook": runbook, "status": status, "title": title, "createdAt": created,
           "trigger": {"eventID": trigger_id, "eventName": "StopLogging", "eventTime": created,
                       "eventSource": "cloudtrail.amazonaws.com", "awsRegion": "us-east-1",
                       "recipientAccountId": account},
           "actor": {"type": "AssumedRole",
                     "arn": "arn:aws:sts::%s:assumed-role/RoleB/hop-b" % account,
                     "principalId": "AROAEXAMPLE:hop-b", "accessKeyId": "ASIAB",
                     "userName": "RoleB", "mfaAuthenticated": False,
                     "sessionCreationDate": "2026-12-03T09:30:00Z",
                     "sourceIPAddress": "203.0.113.5", "userAgent": "aws-cli/2.15.0",
                     "human": {"name": human, "how": "assume-role" if human else "unresolved",
                               "provider": "", "chain": CHAIN if human else []}},
           "resource": {"type": "AWS::CloudTrail::Trail",
                        "arn": "arn:aws:cloudtrail:us-east-1:%s:trail/main" % account,
                        "name": "main"},
           "change": "StopLogging: logging stopped",
           "action": {"taken": "StartLogging", "result": "succeeded", "before": "IsLogging=false",
                      "after": "IsLogging=true", "eventID": "ev-start-" + trigger_id,
                      "dryRun": False},
           "window": {"start": created, "end": created, "seconds": 0.4, "events": []},
           "prior": [], "notifications": []}
    if iid:
        rec["id"] = iid
    rec.update(extra)
    return rec


FIRST = incident("INC-20261203-0000000a", "trail-restore", A1, "2026-12-03T10:00:00Z", "ev-1",
                 "erin", "CloudTrail logging restarted for main")
SECOND = incident("INC-20261203-0000000b", "bucket-policy-restore", A2, "2026-12-03T11:00:00Z",
                  "ev-2", "", "Public policy on bucket logs removed")
THIRD = incident("INC-20261203-0000000c", "trail-restore", A1, "2026-12-03T12:00:00Z", "ev-3",
                 "erin", "CloudTrail logging restarted for main",
                 window={"start": "2026-12-03T12:00:00Z", "end": "2026-12-03T12:00:02Z",
                         "seconds": 2, "events": [
                             {"eventID": "ev-w1", "eventTime": "2026-12-03T12:00:01Z",
                              "eventName": "DeleteBucket", "eventSource": "s3.amazonaws.com",
                              "username": "hop-b"}]},
                 prior=[{"id": FIRST["id"], "runbook": "trail-restore",
                         "createdAt": "2026-12-03T10:00:00Z", "status": "restored"}],
                 notifications=[{"type": "sns", "target": "arn:aws:sns:us-east-1:%s:alerts" % A1,
                                 "messageId": "msg-1"}])
UNNAMED = incident(None, "instance-login", A2, "2026-11-30T08:00:00Z", "ev-0", "",
                   "Login to i-0abc", status="dry-run")


class Incidents(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.data_dir = self.server.data_dir
        out = self.store(FIRST, SECOND, THIRD, UNNAMED, FIRST)
        ids = [line.split() for line in out.splitlines()]
        self.assertEqual(ids[:3], [[FIRST["id"], "new"], [SECOND["id"], "new"],
                                   [THIRD["id"], "new"]])
        self.assertRegex(ids[3][0], r"^INC-20261130-[0-9a-f]{8}$")
        self.unnamed = ids[3][0]
        # the same runbook and trigger again: the first incident, not a second
        self.assertEqual(ids[4], [FIRST["id"], "exists"])

    def store(self, *records):
        p = subprocess.run([FIXTURE, os.path.join(self.data_dir, "incidents.db")],
                           input="".join(json.dumps(r) + "\n" for r in records),
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def incidents(self, *args, status=0):
        """Runs `opentrail incidents SUBCOMMAND --data-dir D ARGS...` (pipes: not a terminal)."""
        p = subprocess.run([BIN, "incidents", args[0], "--data-dir", self.data_dir] + list(args[1:]),
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, status, (args, p.stdout, p.stderr))
        return p

    def on_terminal(self, *args):
        """Runs `opentrail incidents ARGS` with stdout on a pseudo-terminal (util-linux script)."""
        cmd = " ".join(shlex.quote(a) for a in
                       [BIN, "incidents", args[0], "--data-dir", self.data_dir] + list(args[1:]))
        p = subprocess.run(["script", "-qec", cmd, "/dev/null"], capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout)
        return p.stdout.decode().replace("\r\n", "\n")

    def test_list_json(self):
        doc = json.loads(self.incidents("list").stdout)
        self.assertEqual([i["id"] for i in doc["Incidents"]],
                         [THIRD["id"], SECOND["id"], FIRST["id"], self.unnamed])
        self.assertEqual(doc["Incidents"][0], {
            "id": THIRD["id"], "runbook": "trail-restore", "status": "restored",
            "createdAt": "2026-12-03T12:00:00Z", "account": A1, "region": "us-east-1",
            "triggerEventId": "ev-3", "triggerEventName": "StopLogging", "human": "erin",
            "title": "CloudTrail logging restarted for main"})
        self.assertEqual(doc["Incidents"][3]["status"], "dry-run")
        self.assertEqual(doc["Incidents"][1]["human"], "")

        doc = json.loads(self.incidents("list", "--account", A1).stdout)
        self.assertEqual([i["id"] for i in doc["Incidents"]], [THIRD["id"], FIRST["id"]])
        doc = json.loads(self.incidents("list", "--limit", "2", "--json").stdout)
        self.assertEqual([i["id"] for i in doc["Incidents"]], [THIRD["id"], SECOND["id"]])
        doc = json.loads(self.incidents("list", "--account", "999999999999").stdout)
        self.assertEqual(doc, {"Incidents": []})

    def test_list_table_on_a_terminal(self):
        table = self.on_terminal("list")
        lines = table.splitlines()
        self.assertEqual(lines[0].split(), ["ID", "CREATED", "RUNBOOK", "ACCOUNT", "STATUS",
                                            "HUMAN", "TITLE"])
        self.assertEqual(lines[1].split()[:6], [THIRD["id"], "2026-12-03T12:00:00Z",
                                                "trail-restore", A1, "restored", "erin"])
        self.assertIn("CloudTrail logging restarted for main", lines[1])
        self.assertEqual(lines[2].split()[:6], [SECOND["id"], "2026-12-03T11:00:00Z",
                                                "bucket-policy-restore", A2, "restored", "-"])
        self.assertIn("4 incidents", table)
        # and JSON when asked, even on a terminal
        self.assertEqual(len(json.loads(self.on_terminal("list", "--json"))["Incidents"]), 4)

    def test_show_json_is_the_stored_record(self):
        self.assertEqual(json.loads(self.incidents("show", THIRD["id"]).stdout), THIRD)
        # "latest" is the newest incident of any account
        self.assertEqual(json.loads(self.incidents("show", "latest").stdout), THIRD)
        self.assertEqual(
            json.loads(self.incidents("show", FIRST["id"], "--format", "json").stdout), FIRST)

    def test_show_markdown(self):
        md = self.incidents("show", THIRD["id"], "--format", "markdown").stdout
        self.assertTrue(md.startswith("# INC-20261203-0000000c: CloudTrail logging restarted "
                                      "for main\n"), md)
        for want in [
                "**Status:** restored · **Runbook:** trail-restore · **Created:** "
                "2026-12-03T12:00:00Z",
                "- **Human:** erin (assume-role)",
                "  1. AssumeRole at 2026-12-03T09:30:00Z by AssumedRole "
                "arn:aws:sts::%s:assumed-role/RoleA/erin issued "
                "arn:aws:sts::%s:assumed-role/RoleB/hop-b (key ASIAB), event ev-b" % (A1, A1),
                "  2. AssumeRole at 2026-12-03T09:00:00Z by IAMUser arn:aws:iam::%s:user/erin "
                "issued arn:aws:sts::%s:assumed-role/RoleA/erin (key ASIAA), event ev-a" % (A1, A1),
                "- **Source IP:** 203.0.113.5", "- **User agent:** aws-cli/2.15.0",
                "- **Resource:** main", "- **Change:** StopLogging: logging stopped",
                "- **Action:** StartLogging", "- **Before:** IsLogging=false",
                "- **After:** IsLogging=true",
                "## Blind window", "- **Seconds:** 2",
                "| 2026-12-03T12:00:01Z | DeleteBucket | s3.amazonaws.com | hop-b | ev-w1 |",
                "- INC-20261203-0000000a: trail-restore, 2026-12-03T10:00:00Z, restored",
                "- sns to arn:aws:sns:us-east-1:%s:alerts: message id msg-1" % A1]:
            self.assertIn(want + "\n", md)
        # on a terminal Markdown is the default
        self.assertEqual(self.on_terminal("show", THIRD["id"]), md)

    def check_error(self, args, status, prefix, message):
        p = self.incidents(*args, status=status)
        self.assertEqual(p.stdout, "", args)
        first = p.stderr.splitlines()[0]
        self.assertTrue(first.startswith(prefix + ": "), (args, p.stderr))
        self.assertIn(message, first, args)
        if status == 2:
            self.assertIn("see 'opentrail incidents", p.stderr)

    def test_errors(self):
        for args, prefix, message in [
                (["show"], "opentrail incidents show", "missing ID"),
                (["show", "a", "b"], "opentrail incidents show", "unexpected argument 'b'"),
                (["show", "x", "--format", "xml"], "opentrail incidents show",
                 "--format: expected json or markdown, got 'xml'"),
                (["show", "x", "--json"], "opentrail incidents show",
                 "belong to 'incidents list'"),
                (["list", "--limit", "0"], "opentrail incidents list",
                 "--limit: expected a number from 1 to 1000, got '0'"),
                (["list", "--limit", "many"], "opentrail incidents list", "--limit"),
                (["list", "--bogus"], "opentrail incidents list", "unrecognized option '--bogus'"),
                (["list", "--account"], "opentrail incidents list",
                 "option '--account' requires an argument"),
                (["list", "--format", "json"], "opentrail incidents list",
                 "--format belongs to 'incidents show'"),
                (["frob"], "opentrail incidents", "unknown subcommand 'frob'")]:
            self.check_error(args, 2, prefix, message)
        self.check_error(["show", "INC-20200101-00000000"], 1, "opentrail incidents show",
                         "no incident 'INC-20200101-00000000'")
        missing = os.path.join(self.data_dir, "nowhere")
        p = subprocess.run([BIN, "incidents", "list", "--data-dir", missing],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual((p.returncode, p.stdout), (1, ""))
        self.assertRegex(p.stderr, r"^opentrail incidents list: .*nowhere/incidents\.db does not "
                                   r"exist")
        p = subprocess.run([BIN, "incidents"], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 2)
        self.assertIn("missing subcommand (list or show)", p.stderr)
        p = subprocess.run([BIN, "incidents", "--help"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0)
        self.assertIn("opentrail incidents show ID|latest [--format json|markdown]", p.stdout)
        self.assertTrue(re.search(r"incidents\s+the incidents the runbooks wrote",
                                  subprocess.run([BIN, "--help"], capture_output=True,
                                                 text=True).stdout))


if __name__ == "__main__":
    main()

"""Issue 12 item 2: a rule whose target is a built-in runbook (docs/rules.md "Runbook targets",
docs/runbooks.md "Driven by rules"), driven with the real aws CLI.

With trail-restore's own trigger off, a rule matching StopLogging of one trail only, targeting
trail-restore, restores that trail and writes one incident; a StopLogging of another trail is
left alone. With the default trigger on as well, the same StopLogging (acted on by both the
runbook's reader and the rule) still gives exactly one incident. An event the runbook does not
act on (CreateTrail sent to trail-restore) is a dead letter with the reason, read back with
`opentrail rules dead-letters`. PutTargets refuses an unknown runbook; an InputTransformer
on a runbook target is not applied (the runbook still gets the recorded event).
"""
import json
import os
import subprocess
import time
import urllib.request

from otharness import BIN, ServerTestCase, main
from test_pipeline import wait_for
import test_runbook_trail_restore as trail_restore_test

ACCOUNT = "123456789012"
REGION = "us-east-1"
RUNBOOK_ARN = "arn:aws:events:%s:%s:opentrail-runbook/trail-restore" % (REGION, ACCOUNT)
RULE_ARN = "arn:aws:events:%s:%s:rule/%%s" % (REGION, ACCOUNT)


def stop_logging_of(trail):
    return json.dumps({"source": ["aws.cloudtrail"],
                       "detail": {"eventName": ["StopLogging"],
                                  "requestParameters": {"name": [trail]}}})


class RunbookTargetBase(ServerTestCase):
    incidents = trail_restore_test.TrailRestore.incidents
    complete_incidents = trail_restore_test.TrailRestore.complete_incidents
    runbooks_caught_up = trail_restore_test.TrailRestore.runbooks_caught_up

    def setUp(self):
        super().setUp()
        s = self.server
        self.ct = s.client("cloudtrail")
        self.ev = s.client("events")
        s.client("s3").create_bucket(Bucket="trail-logs")
        for name in ("main", "other"):
            s.aws("cloudtrail", "create-trail", "--name", name, "--s3-bucket-name", "trail-logs")
            s.aws("cloudtrail", "start-logging", "--name", name)

    def rule(self, name, pattern, targets):
        self.server.aws("events", "put-rule", "--name", name, "--event-pattern", pattern)
        _, out, _ = self.server.aws("events", "put-targets", "--rule", name, "--targets",
                                    json.dumps(targets), "--output", "json")
        self.assertEqual(json.loads(out)["FailedEntryCount"], 0, out)

    def logging(self, name):
        return self.ct.get_trail_status(Name=name)["IsLogging"]

    def metric(self, line):
        def seen():
            text = urllib.request.urlopen(self.server.endpoint + "/metrics",
                                          timeout=30).read().decode()
            return line in text.splitlines()
        return wait_for(seen)

    def dead_letters(self, *args):
        p = subprocess.run([BIN, "rules", "dead-letters", "--data-dir", self.server.data_dir]
                           + list(args), capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)["DeadLetters"]


class RunbookTargetTriggerOff(RunbookTargetBase):
    server_args = ("--runbook-trail-restore", "off")

    def test_rule_drives_the_runbook_for_one_trail_only(self):
        # an InputTransformer is not applied: the runbook acts on the recorded event
        xf = {"InputPathsMap": {"n": "$.detail.eventName"}, "InputTemplate": '{"made": "<n>"}'}
        self.rule("restore-main", stop_logging_of("main"),
                  [{"Id": "restore", "Arn": RUNBOOK_ARN, "InputTransformer": xf}])
        self.server.aws("cloudtrail", "stop-logging", "--name", "other")
        self.server.aws("cloudtrail", "stop-logging", "--name", "main")
        self.assertTrue(wait_for(lambda: self.logging("main")), "main was not restored")
        [inc] = self.complete_incidents(1)
        self.assertEqual(inc["runbook"], "trail-restore")
        self.assertEqual(inc["status"], "restored")
        self.assertEqual(inc["trigger"]["eventName"], "StopLogging")
        self.assertEqual(inc["resource"]["name"], "main")
        self.assertEqual(inc["action"]["taken"], "StartLogging")
        self.assertTrue(self.metric(
            'opentrail_rule_invocations_total{kind="runbook",result="delivered"} 1'))
        self.runbooks_caught_up()
        self.assertFalse(self.logging("other"))   # its own trigger is off, no rule matched it
        self.assertEqual(len(self.incidents()), 1)
        self.assertEqual(self.dead_letters(), [])

    def test_event_the_runbook_does_not_act_on_is_a_dead_letter(self):
        self.rule("wrong-kind", json.dumps({"source": ["aws.cloudtrail"],
                                            "detail": {"eventName": ["CreateTrail"]}}),
                  [{"Id": "restore", "Arn": RUNBOOK_ARN}])
        self.server.aws("cloudtrail", "create-trail", "--name", "third", "--s3-bucket-name",
                        "trail-logs")
        got = wait_for(self.dead_letters)
        self.assertTrue(got, "no dead letter")
        [d] = got
        self.assertEqual(d["RuleArn"], RULE_ARN % "wrong-kind")
        self.assertEqual((d["TargetId"], d["TargetArn"], d["Attempts"]),
                         ("restore", RUNBOOK_ARN, 1))
        self.assertIn("runbook trail-restore does not act on cloudtrail.amazonaws.com "
                      "CreateTrail", d["LastError"])
        self.assertEqual(d["FirstAttempt"], d["LastAttempt"])
        self.assertTrue(self.metric(
            'opentrail_rule_invocations_total{kind="runbook",result="failed"} 1'))
        self.assertEqual(self.incidents(), [])

    def test_put_targets_refuses_unknown_runbooks(self):
        self.server.aws("events", "put-rule", "--name", "r", "--event-pattern",
                        stop_logging_of("main"))
        bad = [{"Id": "unknown", "Arn": RUNBOOK_ARN.replace("trail-restore", "nope")},
               {"Id": "good", "Arn": RUNBOOK_ARN}]
        out = self.ev.put_targets(Rule="r", Targets=bad)
        self.assertEqual(out["FailedEntryCount"], 1)
        [failed] = out["FailedEntries"]
        self.assertEqual((failed["TargetId"], failed["ErrorCode"]),
                         ("unknown", "ValidationException"))
        self.assertIn("opentrail has no runbook nope", failed["ErrorMessage"])
        self.assertEqual([t["Id"] for t in self.ev.list_targets_by_rule(Rule="r")["Targets"]],
                         ["good"])


class RunbookTargetExcluded(RunbookTargetBase):
    server_args = ("--runbook-trail-restore", "off", "--runbook-trail-restore-exclude", "main")

    def test_exclude_list_applies_to_rules_too(self):
        self.rule("restore-main", stop_logging_of("main"), [{"Id": "restore", "Arn": RUNBOOK_ARN}])
        self.server.aws("cloudtrail", "stop-logging", "--name", "main")
        self.assertTrue(self.metric(
            'opentrail_rule_invocations_total{kind="runbook",result="delivered"} 1'))
        self.assertFalse(self.logging("main"))
        self.assertEqual(self.incidents(), [])


class RunbookTargetDryRun(RunbookTargetBase):
    server_args = ("--runbook-trail-restore", "dry-run")

    def test_dry_run_applies_to_rules_too(self):
        self.rule("restore-main", stop_logging_of("main"), [{"Id": "restore", "Arn": RUNBOOK_ARN}])
        self.server.aws("cloudtrail", "stop-logging", "--name", "main")
        self.assertTrue(self.metric(
            'opentrail_rule_invocations_total{kind="runbook",result="delivered"} 1'))
        self.runbooks_caught_up()
        [inc] = self.complete_incidents(1)
        self.assertEqual(inc["status"], "dry-run")
        self.assertFalse(self.logging("main"))
        self.assertEqual(len(self.incidents()), 1)


class RunbookTargetTriggerOn(RunbookTargetBase):
    server_args = ("--runbook-trail-restore", "on")  # the default, said so (the harness may not)

    def test_trigger_and_rule_give_one_incident(self):
        self.rule("restore-main", stop_logging_of("main"), [{"Id": "restore", "Arn": RUNBOOK_ARN}])
        self.server.aws("cloudtrail", "stop-logging", "--name", "main")
        self.assertTrue(wait_for(lambda: self.logging("main")), "main was not restored")
        # both the runbooks' reader and the rule's invocation have run
        self.runbooks_caught_up()
        self.assertTrue(self.metric(
            'opentrail_rule_invocations_total{kind="runbook",result="delivered"} 1'))
        incs = self.complete_incidents(1)
        self.assertEqual(len(incs), 1, incs)
        self.assertEqual(incs[0]["trigger"]["eventName"], "StopLogging")


class DeadLettersCommand(RunbookTargetBase):
    def test_missing_topic_is_listed(self):
        topic = "arn:aws:sns:%s:%s:never-created" % (REGION, ACCOUNT)
        self.rule("nowhere", json.dumps({"source": ["aws.cloudtrail"],
                                         "detail": {"eventName": ["CreateTrail"]}}),
                  [{"Id": "gone", "Arn": topic}])
        before = time.time()
        self.server.aws("cloudtrail", "create-trail", "--name", "third", "--s3-bucket-name",
                        "trail-logs")
        got = wait_for(self.dead_letters)
        self.assertTrue(got, "no dead letter")
        [d] = got
        self.assertEqual(set(d), {"RuleArn", "TargetId", "TargetArn", "EventId", "Attempts",
                                  "FirstAttempt", "LastAttempt", "LastError"})
        self.assertEqual((d["RuleArn"], d["TargetId"], d["TargetArn"], d["Attempts"]),
                         (RULE_ARN % "nowhere", "gone", topic, 1))
        self.assertEqual(d["LastError"], "the SNS topic does not exist")
        self.assertRegex(d["EventId"], r"^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-")
        self.assertRegex(d["LastAttempt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertGreaterEqual(d["LastAttempt"],
                                time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(before - 1)))
        # a second one: newest first, and --limit
        self.server.aws("cloudtrail", "create-trail", "--name", "fourth", "--s3-bucket-name",
                        "trail-logs")
        self.assertTrue(wait_for(lambda: len(self.dead_letters()) == 2))
        [newest] = self.dead_letters("--limit", "1")
        self.assertNotEqual(newest["EventId"], d["EventId"])

    def test_bad_arguments_and_no_router_db(self):
        def run(*args):
            return subprocess.run([BIN, "rules"] + list(args), capture_output=True, text=True,
                                  timeout=60)
        p = run("dead-letters", "--limit", "0")
        self.assertEqual(p.returncode, 2)
        self.assertTrue(p.stderr.startswith("opentrail rules dead-letters: --limit"), p.stderr)
        self.assertEqual(run("dead-letters", "--bogus").returncode, 2)
        self.assertEqual(run("nonsense").returncode, 2)
        p = run("dead-letters", "--data-dir", os.path.join(self.server.tmp, "nowhere"))
        self.assertEqual(p.returncode, 1)
        self.assertIn("router.db does not exist", p.stderr)


if __name__ == "__main__":
    main()

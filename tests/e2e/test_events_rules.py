"""Issue 12 item 1: the EventBridge rules API on the default event bus, driven with the real aws
CLI and boto3. Rules, targets and tags are stored per account and region (rules.db, across a
restart), every list pages, every error path answers with EventBridge's error code and message,
another account sees nothing, and every call is recorded as a management event of
events.amazonaws.com (read-only for Describe, List and Test).
"""
import json
import os
import time

import boto3
import botocore.config

from otharness import ServerTestCase, main, signed_request

ACCOUNT = "123456789012"
OTHER = "999999999999"
OTHER_KEY, OTHER_SECRET = "AKIAOTHEREVENTS00001", "other-events-secret-0123456789abcdefghij"
REGION = "us-east-1"
PATTERN = json.dumps({"source": ["aws.cloudtrail"],
                      "detail-type": ["AWS API Call via CloudTrail"],
                      "detail": {"eventName": ["StopLogging", "DeleteTrail"]}})
TOPIC = "arn:aws:sns:%s:%s:security-alerts" % (REGION, ACCOUNT)
GROUP = "arn:aws:logs:%s:%s:log-group:/opentrail/rules:*" % (REGION, ACCOUNT)
RUNBOOK = "arn:aws:events:%s:%s:opentrail-runbook/trail-restore" % (REGION, ACCOUNT)
HOOK = "arn:aws:events:%s:%s:api-destination/isolate/0d3e" % (REGION, ACCOUNT)
LIMIT_MSG = "The requested resource exceeds the maximum number allowed."


def rule_arn(name, account=ACCOUNT, region=REGION):
    return "arn:aws:events:%s:%s:rule/%s" % (region, account, name)


def missing(name):
    return ("ResourceNotFoundException", "Rule %s does not exist on EventBus default." % name)


def event(**over):
    ev = {"version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
          "detail-type": "AWS API Call via CloudTrail", "source": "aws.cloudtrail",
          "account": ACCOUNT, "time": "2026-12-03T18:00:00Z", "region": REGION,
          "resources": [], "detail": {"eventName": "StopLogging"}}
    ev.update(over)
    return {k: v for k, v in ev.items() if v is not None}


class EventsRules(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.ev = self.server.client("events")

    def raw(self, operation, body):
        """Sends an operation with a body no SDK would send; returns (status, __type, message)."""
        status, _, data = signed_request(
            self.server, "POST", "/", body=json.dumps(body).encode(), service="events",
            headers={"X-Amz-Target": "AWSEvents." + operation,
                     "Content-Type": "application/x-amz-json-1.1"})
        doc = json.loads(data)
        return status, doc.get("__type"), doc.get("message")

    def cli_error(self, *args):
        rc, _, err = self.server.aws("events", *args, check=False)
        self.assertNotEqual(rc, 0)
        return err

    def other_account(self):
        self.server.stop()
        self.server.add_user("other", OTHER_KEY, OTHER_SECRET, OTHER)
        self.server.start()
        self.ev = self.server.client("events")
        return boto3.session.Session().client(
            "events", region_name=REGION, endpoint_url=self.server.endpoint,
            aws_access_key_id=OTHER_KEY, aws_secret_access_key=OTHER_SECRET,
            config=botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"}))

    # ---- rules ---------------------------------------------------------------------------

    def test_rule_lifecycle_with_the_cli(self):
        s = self.server
        path = os.path.join(s.tmp, "pattern.json")
        with open(path, "w") as f:
            f.write(PATTERN)
        out = s.aws_json("events", "put-rule", "--name", "trail-off", "--event-pattern",
                         "file://" + path, "--description", "CloudTrail turned off")
        self.assertEqual(out, {"RuleArn": rule_arn("trail-off")})
        described = s.aws_json("events", "describe-rule", "--name", "trail-off")
        self.assertEqual(described, {"Name": "trail-off", "Arn": rule_arn("trail-off"),
                                     "EventPattern": PATTERN, "State": "ENABLED",
                                     "Description": "CloudTrail turned off",
                                     "EventBusName": "default", "CreatedBy": ACCOUNT})
        s.aws("events", "disable-rule", "--name", "trail-off")
        self.assertEqual(self.ev.describe_rule(Name="trail-off")["State"], "DISABLED")
        s.aws("events", "enable-rule", "--name", "trail-off")
        self.assertEqual(self.ev.describe_rule(Name="trail-off")["State"], "ENABLED")
        # the bus by name and by ARN
        bus_arn = "arn:aws:events:%s:%s:event-bus/default" % (REGION, ACCOUNT)
        for bus in ("default", bus_arn):
            self.assertEqual(self.ev.describe_rule(Name="trail-off", EventBusName=bus)["Arn"],
                             rule_arn("trail-off"))
        # a target, then PutRule again: replaced (no description), targets kept
        s.aws("events", "put-targets", "--rule", "trail-off", "--targets",
              "Id=1,Arn=" + TOPIC)
        self.ev.put_rule(Name="trail-off", EventPattern=PATTERN,
                         State="ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
        d = self.ev.describe_rule(Name="trail-off")
        self.assertEqual(d["State"], "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
        self.assertNotIn("Description", d)
        self.assertEqual([t["Id"] for t in self.ev.list_targets_by_rule(Rule="trail-off")["Targets"]],
                         ["1"])
        # stored durably
        s.restart()
        self.ev = s.client("events")
        self.assertEqual(self.ev.describe_rule(Name="trail-off")["EventPattern"], PATTERN)
        # deletion waits for the targets to go, Force or not
        err = self.cli_error("delete-rule", "--name", "trail-off")
        self.assertIn("(ValidationException) when calling the DeleteRule operation", err)
        self.assertIn(": Rule can't be deleted since it has targets.", err)
        self.assertEqual(self.client_error(self.ev.delete_rule, Name="trail-off", Force=True),
                         ("ValidationException", "Rule can't be deleted since it has targets."))
        out = s.aws_json("events", "remove-targets", "--rule", "trail-off", "--ids", "1")
        self.assertEqual(out, {"FailedEntryCount": 0, "FailedEntries": []})
        s.aws("events", "delete-rule", "--name", "trail-off")
        self.assertEqual(self.client_error(self.ev.describe_rule, Name="trail-off"),
                         missing("trail-off"))
        s.aws("events", "delete-rule", "--name", "trail-off")  # idempotent, as on AWS

    def test_list_rules_pages(self):
        names = ["alpha-%d" % i for i in range(7)] + ["beta-1", "beta-2"]
        for n in reversed(names):
            self.ev.put_rule(Name=n, EventPattern=PATTERN)
        page = self.ev.list_rules(NamePrefix="alpha-", Limit=3)
        self.assertEqual([r["Name"] for r in page["Rules"]], names[:3])
        self.assertEqual(page["Rules"][0], {"Name": "alpha-0", "Arn": rule_arn("alpha-0"),
                                            "EventPattern": PATTERN, "State": "ENABLED",
                                            "EventBusName": "default"})
        seen = [r["Name"] for r in page["Rules"]]
        while "NextToken" in page:
            page = self.ev.list_rules(NamePrefix="alpha-", Limit=3, NextToken=page["NextToken"])
            seen += [r["Name"] for r in page["Rules"]]
        self.assertEqual(seen, names[:7])
        # a page that ends exactly at the last rule has no NextToken
        self.assertNotIn("NextToken", self.ev.list_rules(NamePrefix="beta-", Limit=2))
        # the CLI follows NextToken itself
        out = self.server.aws_json("events", "list-rules", "--page-size", "2")
        self.assertEqual([r["Name"] for r in out["Rules"]], names)
        paged = self.ev.get_paginator("list_rules").paginate(PaginationConfig={"PageSize": 4})
        self.assertEqual([r["Name"] for p in paged for r in p["Rules"]], names)
        self.assertEqual(self.ev.list_rules(NamePrefix="gamma")["Rules"], [])

    def test_rule_errors(self):
        put = self.ev.put_rule
        self.assertEqual(self.client_error(self.ev.describe_rule, Name="nope"), missing("nope"))
        for call in (self.ev.enable_rule, self.ev.disable_rule):
            self.assertEqual(self.client_error(call, Name="nope"), missing("nope"))
        self.assertEqual(self.client_error(put, Name="r", EventPattern=PATTERN,
                                           EventBusName="custom"),
                         ("ResourceNotFoundException", "Event bus custom does not exist."))
        other_bus = "arn:aws:events:%s:%s:event-bus/default" % (REGION, OTHER)
        self.assertEqual(self.client_error(self.ev.list_rules, EventBusName=other_bus)[0],
                         "ResourceNotFoundException")
        code, msg = self.client_error(put, Name="bad name!", EventPattern=PATTERN)
        self.assertEqual(code, "ValidationException")
        self.assertEqual(msg, "1 validation error detected: Value 'bad name!' at 'name' failed "
                              "to satisfy constraint: Member must satisfy regular expression "
                              "pattern: [\\.\\-_A-Za-z0-9]+")
        code, msg = self.client_error(put, Name="r", EventPattern=PATTERN, State="ON")
        self.assertEqual(code, "ValidationException")
        self.assertIn("at 'state' failed to satisfy constraint: Member must satisfy enum value "
                      "set: [ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]",
                      msg)
        code, msg = self.client_error(put, Name="r", ScheduleExpression="rate(5 minutes)")
        self.assertEqual(code, "ValidationException")
        self.assertIn("ScheduleExpression is not supported", msg)
        self.assertEqual(self.client_error(put, Name="r"),
                         ("ValidationException",
                          "Parameter(s) EventPattern or ScheduleExpression must be specified."))
        err = self.cli_error("put-rule", "--name", "r", "--event-pattern", '{"source":"aws.s3"}')
        self.assertIn("(InvalidEventPatternException) when calling the PutRule operation", err)
        self.assertIn(": Event pattern is not valid. Reason: ", err)
        code, msg = self.client_error(put, Name="r", EventPattern="{not json")
        self.assertEqual(code, "InvalidEventPatternException")
        self.assertTrue(msg.startswith("Event pattern is not valid. Reason: "), msg)
        code, msg = self.client_error(put, Name="r", EventPattern=PATTERN,
                                      Description="d" * 513)
        self.assertEqual(code, "ValidationException")
        self.assertIn("Member must have length less than or equal to 512", msg)
        # nothing was made by the refused calls
        self.assertEqual(self.ev.list_rules()["Rules"], [])
        # bodies no SDK sends
        self.assertEqual(self.raw("DescribeRule", {})[:3],
                         (400, "ValidationException",
                          "1 validation error detected: Value null at 'name' failed to satisfy "
                          "constraint: Member must not be null"))
        self.assertEqual(self.raw("DescribeRule", {"Name": 5})[:2],
                         (400, "SerializationException"))
        self.assertEqual(self.raw("ListRules", {"Limit": 0})[:2], (400, "ValidationException"))
        self.assertEqual(self.raw("ListRules", {"Limit": 101})[:2], (400, "ValidationException"))
        self.assertEqual(self.raw("ListRules", {"NextToken": "garbage"}),
                         (400, "ValidationException", "The NextToken provided is not valid."))
        self.assertEqual(self.raw("DeleteRule", {"Name": "r", "Force": "yes"})[:2],
                         (400, "SerializationException"))
        self.assertEqual(self.raw("ListEventBuses", {})[:2], (400, "UnknownOperationException"))

    def test_rules_per_bus_are_capped(self):
        # EventBridge's default quota is 300 rules per bus
        for i in range(300):
            self.ev.put_rule(Name="r%03d" % i, EventPattern=PATTERN)
        self.assertEqual(self.client_error(self.ev.put_rule, Name="one-more",
                                           EventPattern=PATTERN),
                         ("LimitExceededException", LIMIT_MSG))
        self.ev.put_rule(Name="r000", EventPattern=PATTERN, State="DISABLED")  # a replace fits

    # ---- targets --------------------------------------------------------------------------

    def test_targets(self):
        self.ev.put_rule(Name="r", EventPattern=PATTERN)
        xf = {"InputPathsMap": {"who": "$.detail.userIdentity.arn", "ev": "$.detail.eventName"},
              "InputTemplate": '{"actor": <who>, "text": "<ev> by <who>"}'}
        targets = [{"Id": "sns", "Arn": TOPIC, "Input": '{"fixed": true}'},
                   {"Id": "logs", "Arn": GROUP, "InputPath": "$.detail"},
                   {"Id": "runbook", "Arn": RUNBOOK, "InputTransformer": xf},
                   {"Id": "hook", "Arn": HOOK, "RoleArn": "arn:aws:iam::%s:role/eb" % ACCOUNT},
                   {"Id": "lambda",
                    "Arn": "arn:aws:lambda:%s:%s:function:f" % (REGION, ACCOUNT)},
                   {"Id": "elsewhere", "Arn": "arn:aws:sns:%s:%s:theirs" % (REGION, OTHER)}]
        r = self.ev.put_targets(Rule="r", Targets=targets)
        self.assertEqual(r["FailedEntryCount"], 2)
        self.assertEqual([(e["TargetId"], e["ErrorCode"]) for e in r["FailedEntries"]],
                         [("lambda", "ValidationException"), ("elsewhere", "ValidationException")])
        self.assertIn("opentrail does not deliver to lambda targets", r["FailedEntries"][0]["ErrorMessage"])
        self.assertIn("in account %s" % OTHER, r["FailedEntries"][1]["ErrorMessage"])
        got = self.ev.list_targets_by_rule(Rule="r")["Targets"]
        self.assertEqual(got, targets[:4])
        # pages of two
        page = self.ev.list_targets_by_rule(Rule="r", Limit=2)
        ids = [t["Id"] for t in page["Targets"]]
        while "NextToken" in page:
            page = self.ev.list_targets_by_rule(Rule="r", Limit=2, NextToken=page["NextToken"])
            ids += [t["Id"] for t in page["Targets"]]
        self.assertEqual(ids, ["sns", "logs", "runbook", "hook"])
        out = self.server.aws_json("events", "list-targets-by-rule", "--rule", "r",
                                   "--page-size", "3")
        self.assertEqual([t["Id"] for t in out["Targets"]], ids)
        # a fifth fits, a sixth is over EventBridge's quota and changes nothing
        self.ev.put_targets(Rule="r", Targets=[{"Id": "five", "Arn": TOPIC}])
        self.assertEqual(self.client_error(self.ev.put_targets, Rule="r",
                                           Targets=[{"Id": "six", "Arn": TOPIC}]),
                         ("LimitExceededException", LIMIT_MSG))
        # replacing one by its id is not a new target
        self.ev.put_targets(Rule="r", Targets=[{"Id": "sns", "Arn": TOPIC}])
        got = self.ev.list_targets_by_rule(Rule="r")["Targets"]
        self.assertEqual(len(got), 5)
        self.assertEqual(got[0], {"Id": "sns", "Arn": TOPIC})
        # rules by target
        self.ev.put_rule(Name="also", EventPattern=PATTERN)
        self.server.aws("events", "put-targets", "--rule", "also", "--targets",
                        "Id=a,Arn=" + TOPIC)
        self.assertEqual(self.ev.list_rule_names_by_target(TargetArn=TOPIC)["RuleNames"],
                         ["also", "r"])
        page = self.ev.list_rule_names_by_target(TargetArn=TOPIC, Limit=1)
        self.assertEqual(page["RuleNames"], ["also"])
        page = self.ev.list_rule_names_by_target(TargetArn=TOPIC, Limit=1,
                                                 NextToken=page["NextToken"])
        self.assertEqual((page["RuleNames"], "NextToken" in page), (["r"], False))
        out = self.server.aws_json("events", "list-rule-names-by-target", "--target-arn", TOPIC,
                                   "--page-size", "1")
        self.assertEqual(out["RuleNames"], ["also", "r"])
        self.assertEqual(self.ev.list_rule_names_by_target(TargetArn=RUNBOOK)["RuleNames"], ["r"])
        # removal; unknown ids are no failure
        r = self.ev.remove_targets(Rule="r", Ids=["sns", "logs", "never"])
        self.assertEqual((r["FailedEntryCount"], r["FailedEntries"]), (0, []))
        self.assertEqual([t["Id"] for t in self.ev.list_targets_by_rule(Rule="r")["Targets"]],
                         ["runbook", "hook", "five"])

    def test_target_errors(self):
        self.ev.put_rule(Name="r", EventPattern=PATTERN)
        put = self.ev.put_targets

        def refused(target):
            code, msg = self.client_error(put, Rule="r", Targets=[target])
            self.assertEqual(code, "ValidationException", msg)
            return msg

        self.assertEqual(refused({"Id": "t", "Arn": "not-an-arn"}),
                         "Parameter not-an-arn is not valid. Reason: Provided Arn is not in "
                         "correct format.")
        refused({"Id": "t", "Arn": "arn:aws:logs:%s:%s:log-group:" % (REGION, ACCOUNT)})
        self.assertIn("Only one of Input, InputPath, or InputTransformer",
                      refused({"Id": "t", "Arn": TOPIC, "Input": "{}", "InputPath": "$"}))
        self.assertIn("Input of target t is not valid JSON",
                      refused({"Id": "t", "Arn": TOPIC, "Input": "{oops"}))
        self.assertIn("InputPath of target t is not a valid JSON path",
                      refused({"Id": "t", "Arn": TOPIC, "InputPath": "detail.x"}))
        self.assertIn("placeholder cannot be an object key",
                      refused({"Id": "t", "Arn": TOPIC, "InputTransformer": {
                          "InputPathsMap": {"k": "$.detail"}, "InputTemplate": "{<k>: 1}"}}))
        self.assertIn("cannot start with AWS",
                      refused({"Id": "t", "Arn": TOPIC, "InputTransformer": {
                          "InputPathsMap": {"AWSx": "$.detail"}, "InputTemplate": "<AWSx>"}}))
        self.assertIn("opentrail does not support RetryPolicy",
                      refused({"Id": "t", "Arn": TOPIC, "RetryPolicy": {"MaximumRetryAttempts": 1}}))
        self.assertIn("Member must satisfy regular expression pattern",
                      refused({"Id": "bad id", "Arn": TOPIC}))
        # a refused call keeps nothing, even its valid targets
        code, _ = self.client_error(put, Rule="r", Targets=[{"Id": "ok", "Arn": TOPIC},
                                                             {"Id": "t", "Arn": "x"}])
        self.assertEqual(code, "ValidationException")
        self.assertEqual(self.ev.list_targets_by_rule(Rule="r")["Targets"], [])
        # the rule must exist, also when every target is refused
        for targets in ([{"Id": "t", "Arn": TOPIC}],
                        [{"Id": "t", "Arn": "arn:aws:sqs:%s:%s:q" % (REGION, ACCOUNT)}]):
            self.assertEqual(self.client_error(put, Rule="nope", Targets=targets), missing("nope"))
        self.assertEqual(self.client_error(self.ev.remove_targets, Rule="nope", Ids=["t"]),
                         missing("nope"))
        self.assertEqual(self.client_error(self.ev.list_targets_by_rule, Rule="nope"),
                         missing("nope"))
        self.assertEqual(self.raw("PutTargets", {"Rule": "r", "Targets": []})[:2],
                         (400, "ValidationException"))
        self.assertEqual(self.raw("PutTargets", {"Rule": "r",
                                                 "Targets": [{"Id": str(i), "Arn": TOPIC}
                                                             for i in range(101)]})[:2],
                         (400, "ValidationException"))
        self.assertEqual(self.raw("PutTargets", {"Rule": "r", "Targets": [{"Id": "t"}]}),
                         (400, "ValidationException",
                          "1 validation error detected: Value null at 'targets.member.arn' "
                          "failed to satisfy constraint: Member must not be null"))
        self.assertEqual(self.raw("PutTargets", {"Rule": "r", "Targets": ["x"]})[:2],
                         (400, "SerializationException"))
        self.assertEqual(self.raw("ListTargetsByRule", {"Rule": "r", "NextToken": "r1:gone"}),
                         (400, "ValidationException", "The NextToken provided is not valid."))

    # ---- TestEventPattern -----------------------------------------------------------------

    def test_test_event_pattern(self):
        s = self.server
        out = s.aws_json("events", "test-event-pattern", "--event-pattern", PATTERN,
                         "--event", json.dumps(event()))
        self.assertEqual(out, {"Result": True})
        out = s.aws_json("events", "test-event-pattern", "--event-pattern", PATTERN,
                         "--event", json.dumps(event(detail={"eventName": "StartLogging"})))
        self.assertEqual(out, {"Result": False})
        pattern = json.dumps({"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/8"}],
                                         "userIdentity": {"type": [{"anything-but": "Root"}]}}})
        ev = event(detail={"sourceIPAddress": "10.1.2.3", "userIdentity": {"type": "IAMUser"}})
        self.assertTrue(self.ev.test_event_pattern(EventPattern=pattern,
                                                   Event=json.dumps(ev))["Result"])
        ev["detail"]["userIdentity"]["type"] = "Root"
        self.assertFalse(self.ev.test_event_pattern(EventPattern=pattern,
                                                    Event=json.dumps(ev))["Result"])
        # the envelope is required
        for field in ("id", "account", "source", "time", "region", "resources", "detail-type"):
            code, msg = self.client_error(self.ev.test_event_pattern, EventPattern=PATTERN,
                                          Event=json.dumps(event(**{field: None})))
            self.assertEqual(code, "ValidationException")
            self.assertIn("missing the required field %s" % field, msg)
        code, _ = self.client_error(self.ev.test_event_pattern, EventPattern=PATTERN,
                                    Event="[1]")
        self.assertEqual(code, "ValidationException")
        err = self.cli_error("test-event-pattern", "--event-pattern", '{"source":[]}',
                             "--event", json.dumps(event()))
        self.assertIn("(InvalidEventPatternException) when calling the TestEventPattern "
                      "operation", err)
        self.assertIn(": Event pattern is not valid. Reason: Empty arrays are not allowed", err)
        self.assertEqual(self.raw("TestEventPattern", {"EventPattern": PATTERN})[:2],
                         (400, "ValidationException"))

    # ---- tags -----------------------------------------------------------------------------

    def test_tags(self):
        self.ev.put_rule(Name="r", EventPattern=PATTERN, Tags=[{"Key": "team", "Value": "sec"}])
        arn = rule_arn("r")
        self.server.aws("events", "tag-resource", "--resource-arn", arn, "--tags",
                        "Key=env,Value=prod", "Key=team,Value=ir")
        out = self.server.aws_json("events", "list-tags-for-resource", "--resource-arn", arn)
        self.assertEqual(out, {"Tags": [{"Key": "env", "Value": "prod"},
                                        {"Key": "team", "Value": "ir"}]})
        self.ev.untag_resource(ResourceARN=arn, TagKeys=["env", "never-set"])
        self.assertEqual(self.ev.list_tags_for_resource(ResourceARN=arn)["Tags"],
                         [{"Key": "team", "Value": "ir"}])
        too_many = [{"Key": "k%d" % i, "Value": "v"} for i in range(50)]
        self.assertEqual(self.client_error(self.ev.tag_resource, ResourceARN=arn, Tags=too_many),
                         ("LimitExceededException", LIMIT_MSG))
        self.assertEqual(self.client_error(self.ev.list_tags_for_resource,
                                           ResourceARN=rule_arn("nope")), missing("nope"))
        self.assertEqual(self.client_error(self.ev.tag_resource, ResourceARN=rule_arn("r", region="eu-west-1"),
                                           Tags=[{"Key": "a", "Value": "b"}]), missing("r"))
        self.assertEqual(self.client_error(self.ev.list_tags_for_resource, ResourceARN="r"),
                         ("ValidationException",
                          "Parameter r is not valid. Reason: Provided Arn is not in correct "
                          "format."))
        # the tags go with the rule
        self.ev.delete_rule(Name="r")
        self.ev.put_rule(Name="r", EventPattern=PATTERN)
        self.assertEqual(self.ev.list_tags_for_resource(ResourceARN=arn)["Tags"], [])

    # ---- isolation and audit --------------------------------------------------------------

    def test_other_account_and_region_see_nothing(self):
        other = self.other_account()
        self.ev.put_rule(Name="mine", EventPattern=PATTERN, Tags=[{"Key": "a", "Value": "b"}])
        self.ev.put_targets(Rule="mine", Targets=[{"Id": "t", "Arn": TOPIC}])
        self.assertEqual(self.client_error(other.describe_rule, Name="mine"), missing("mine"))
        self.assertEqual(other.list_rules()["Rules"], [])
        self.assertEqual(other.list_rule_names_by_target(TargetArn=TOPIC)["RuleNames"], [])
        self.assertEqual(self.client_error(other.put_targets, Rule="mine",
                                           Targets=[{"Id": "x", "Arn": TOPIC}]), missing("mine"))
        self.assertEqual(self.client_error(other.disable_rule, Name="mine"), missing("mine"))
        self.assertEqual(self.client_error(other.list_tags_for_resource,
                                           ResourceARN=rule_arn("mine")), missing("mine"))
        other.delete_rule(Name="mine")  # a no-op there
        # the same name is another rule in the other account
        other.put_rule(Name="mine", EventPattern='{"source":["aws.s3"]}')
        self.assertEqual(other.describe_rule(Name="mine")["Arn"], rule_arn("mine", OTHER))
        mine = self.ev.describe_rule(Name="mine")
        self.assertEqual((mine["EventPattern"], mine["State"]), (PATTERN, "ENABLED"))
        self.assertEqual(len(self.ev.list_targets_by_rule(Rule="mine")["Targets"]), 1)
        west = self.server.client("events", region="eu-west-1")
        self.assertEqual(west.list_rules()["Rules"], [])
        self.assertEqual(self.client_error(west.describe_rule, Name="mine"), missing("mine"))

    def test_calls_are_recorded(self):
        s = self.server
        s.aws("events", "put-rule", "--name", "audited", "--event-pattern", PATTERN)
        self.ev.describe_rule(Name="audited")
        self.ev.list_rules()
        self.ev.test_event_pattern(EventPattern=PATTERN, Event=json.dumps(event()))
        self.client_error(self.ev.describe_rule, Name="nope")
        want = {"PutRule": "false", "DescribeRule": "true", "ListRules": "true",
                "TestEventPattern": "true"}
        found = {}
        deadline = time.time() + 10
        while time.time() < deadline and len(found) < len(want):
            evs = s.aws_json("cloudtrail", "lookup-events", "--lookup-attributes",
                             "AttributeKey=EventSource,AttributeValue=events.amazonaws.com")
            found = {}
            for e in evs["Events"]:
                found.setdefault(e["EventName"], []).append(e)
            time.sleep(0.1)
        self.assertEqual({k: v[0]["ReadOnly"] for k, v in found.items() if k in want}, want)
        self.assertEqual(len(found["DescribeRule"]), 2)
        put = json.loads(found["PutRule"][0]["CloudTrailEvent"])
        self.assertEqual(put["eventSource"], "events.amazonaws.com")
        self.assertEqual(put["eventCategory"], "Management")
        self.assertEqual(put["requestParameters"], {"name": "audited", "eventPattern": PATTERN})
        self.assertEqual(put["responseElements"], {"ruleArn": rule_arn("audited")})
        failed = [json.loads(e["CloudTrailEvent"]) for e in found["DescribeRule"]]
        self.assertEqual(sorted(e.get("errorCode", "") for e in failed),
                         ["", "ResourceNotFoundException"])


if __name__ == "__main__":
    main()

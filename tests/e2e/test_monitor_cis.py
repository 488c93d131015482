"""Issue 11 item 6: `opentrail monitor cis` and `opentrail monitor list` (docs/monitor.md).

Against the real server, checked with the real `aws logs` and `aws cloudwatch` CLI: `monitor cis`
creates the 14 CIS metric filters (Security Hub CloudWatch.1-14, the exact published patterns)
and 14 alarms notifying the topic (by name or ARN); a second run changes nothing and says so; a
drifted alarm or a deleted filter is put back, and only that; `monitor list` shows filters,
alarms and states (JSON, and a table on a terminal); a missing topic or log group exits 1 with
how to create it, bad arguments exit 2. Then, with --period 60, CloudTrail records put into the
log group: every control's near miss leaves its alarm out of ALARM, and its tripping event(s)
(three failed sign-ins for CloudWatch.6) move it to ALARM, the metric counts exactly the
tripping events, and the topic's file subscriber gets AWS's alarm message for each.
"""
import json
import os
import pty
import subprocess
import time

from otharness import BIN, ServerTestCase, main

GROUP = "CloudTrail/main"
TOPIC = "security-alerts"
ACCOUNT = "123456789012"

# name -> (Security Hub id, threshold); the names and thresholds docs/monitor.md lists
CONTROLS = {
    "RootAccountUsage": ("CloudWatch.1", 1), "UnauthorizedAPICalls": ("CloudWatch.2", 1),
    "ConsoleSigninWithoutMFA": ("CloudWatch.3", 1), "IAMPolicyChanges": ("CloudWatch.4", 1),
    "CloudTrailChanges": ("CloudWatch.5", 1), "ConsoleSigninFailures": ("CloudWatch.6", 3),
    "DisableOrDeleteCMK": ("CloudWatch.7", 1), "S3BucketPolicyChanges": ("CloudWatch.8", 1),
    "AWSConfigChanges": ("CloudWatch.9", 1), "SecurityGroupChanges": ("CloudWatch.10", 1),
    "NACLChanges": ("CloudWatch.11", 1), "NetworkGatewayChanges": ("CloudWatch.12", 1),
    "RouteTableChanges": ("CloudWatch.13", 1), "VPCChanges": ("CloudWatch.14", 1),
}
ROOT_PATTERN = ('{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && '
                '$.eventType !="AwsServiceEvent"}')

IAM_USER = {"type": "IAMUser", "principalId": "AIDAEXAMPLEUSER", "userName": "alice",
            "arn": "arn:aws:iam::%s:user/alice" % ACCOUNT, "accountId": ACCOUNT,
            "accessKeyId": "AKIAEXAMPLEUSERKEY01"}
ROOT = {"type": "Root", "principalId": ACCOUNT, "arn": "arn:aws:iam::%s:root" % ACCOUNT,
        "accountId": ACCOUNT}


def record(name, source="ec2.amazonaws.com", identity=IAM_USER, event_type="AwsApiCall", **extra):
    """A CloudTrail management event as a trail streams it into CloudWatch Logs."""
    r = {"eventVersion": "1.08", "userIdentity": identity, "eventTime": "2026-12-03T10:00:00Z",
         "eventSource": source, "eventName": name, "awsRegion": "us-east-1",
         "sourceIPAddress": "203.0.113.7", "userAgent": "aws-cli/2.15.0",
         "requestID": "0b5c4a2e-8f7d-4c1a-9e3b-2d6f1a7c8e90",
         "eventID": "6f1d2c3b-4a5e-4f67-8a9b-0c1d2e3f4a5b", "readOnly": False,
         "eventType": event_type, "managementEvent": True, "recipientAccountId": ACCOUNT,
         "eventCategory": "Management"}
    r.update(extra)
    return r


def sign_in(identity=IAM_USER, mfa="No", ok=True, **extra):
    return record("ConsoleLogin", "signin.amazonaws.com", identity, "AwsConsoleSignIn",
                  additionalEventData={"LoginTo": "https://console.aws.amazon.com/",
                                       "MobileVersion": "No", "MFAUsed": mfa},
                  responseElements={"ConsoleLogin": "Success" if ok else "Failure"}, **extra)


# name -> (the events that must trip it, a near miss that must not)
EVENTS = {
    "RootAccountUsage": ([record("CreateUser", "iam.amazonaws.com", ROOT)],
                         record("CreateUser", "iam.amazonaws.com",
                                dict(ROOT, invokedBy="support.amazonaws.com"))),
    "UnauthorizedAPICalls": ([record("RunInstances", errorCode="Client.UnauthorizedOperation")],
                             record("RunInstances", errorCode="Client.InvalidParameterValue")),
    "ConsoleSigninWithoutMFA": ([sign_in(mfa="No")], sign_in(mfa="Yes")),
    "IAMPolicyChanges": ([record("PutUserPolicy", "iam.amazonaws.com")],
                         record("GetUserPolicy", "iam.amazonaws.com")),
    "CloudTrailChanges": ([record("StopLogging", "cloudtrail.amazonaws.com")],
                          record("GetTrailStatus", "cloudtrail.amazonaws.com")),
    "ConsoleSigninFailures": ([sign_in(ok=False, errorMessage="Failed authentication")] * 3,
                              sign_in(ok=False, errorMessage="No username found in supplied account")),
    "DisableOrDeleteCMK": ([record("ScheduleKeyDeletion", "kms.amazonaws.com")],
                           record("DisableKey", "payment-cryptography.amazonaws.com")),
    "S3BucketPolicyChanges": ([record("PutBucketPolicy", "s3.amazonaws.com")],
                              record("PutBucketTagging", "s3.amazonaws.com")),
    "AWSConfigChanges": ([record("StopConfigurationRecorder", "config.amazonaws.com")],
                         record("StartConfigurationRecorder", "config.amazonaws.com")),
    "SecurityGroupChanges": ([record("AuthorizeSecurityGroupIngress")],
                             record("ModifySecurityGroupRules")),
    "NACLChanges": ([record("DeleteNetworkAclEntry")], record("DescribeNetworkAcls")),
    "NetworkGatewayChanges": ([record("CreateInternetGateway")], record("CreateNatGateway")),
    "RouteTableChanges": ([record("ReplaceRoute")], record("AssociateRouteTable")),
    "VPCChanges": ([record("DeleteVpc")], record("CreateVpcEndpoint")),
}


class MonitorCis(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.topic_arn = self.server.aws_json("sns", "create-topic", "--name", TOPIC)["TopicArn"]
        self.server.aws("logs", "create-log-group", "--log-group-name", GROUP)

    def monitor(self, *args, status=0, env=None):
        p = subprocess.run([BIN, "monitor"] + list(args), env=env or self.server.env(),
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, status, (args, p.stdout, p.stderr))
        if status:
            self.assertEqual(p.stdout, "", args)
            self.assertTrue(p.stderr.startswith("opentrail monitor"), p.stderr)
        return p

    def cis(self, *extra, topic=TOPIC):
        p = self.monitor("cis", "--log-group", GROUP, "--topic", topic, "--json", *extra)
        doc = json.loads(p.stdout)
        self.assertEqual(doc["TopicArn"], self.topic_arn)
        return {c["Name"]: (c["Id"], c["MetricFilter"], c["Alarm"]) for c in doc["Controls"]}

    def filters(self):
        doc = self.server.aws_json("logs", "describe-metric-filters", "--log-group-name", GROUP)
        return {f["filterName"]: f for f in doc["metricFilters"]}

    def alarms(self):
        doc = self.server.aws_json("cloudwatch", "describe-alarms")
        return {a["AlarmName"]: a for a in doc["MetricAlarms"]}

    def test_creates_the_pack_then_changes_nothing(self):
        first = self.cis()
        self.assertEqual(first, {n: (c[0], "created", "created") for n, c in CONTROLS.items()})
        filters = self.filters()
        self.assertEqual(set(filters), set(CONTROLS))
        self.assertEqual(filters["RootAccountUsage"]["filterPattern"], ROOT_PATTERN)
        for name, f in filters.items():
            self.assertEqual(f["metricTransformations"],
                             [{"metricName": name, "metricNamespace": "LogMetrics",
                               "metricValue": "1"}], name)
        alarms = self.alarms()
        self.assertEqual(set(alarms), set(CONTROLS))
        for name, a in alarms.items():
            want = {"MetricName": name, "Namespace": "LogMetrics", "Statistic": "Sum",
                    "Period": 300, "EvaluationPeriods": 1, "Threshold": CONTROLS[name][1],
                    "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                    "AlarmActions": [self.topic_arn], "ActionsEnabled": True,
                    "TreatMissingData": "notBreaching"}
            self.assertEqual({k: a.get(k) for k in want}, want, name)
            self.assertTrue(a["AlarmDescription"].startswith(CONTROLS[name][0] + " ("), a)

        # again, by ARN this time: nothing to do, and the text says so
        again = self.cis(topic=self.topic_arn)
        self.assertEqual(set(again.values()) , {(c, "unchanged", "unchanged") for c, _ in CONTROLS.values()})
        text = self.on_terminal("cis", "--log-group", GROUP, "--topic", TOPIC)
        self.assertIn("CloudWatch.6   ConsoleSigninFailures    metric filter unchanged  alarm unchanged", text)
        self.assertIn("nothing to change: the 14 CIS metric filters on %s" % GROUP, text)
        self.assertEqual(self.filters(), filters)
        self.assertEqual(set(self.alarms()), set(CONTROLS))

    def test_puts_back_only_what_drifted(self):
        self.cis()
        self.server.aws("logs", "delete-metric-filter", "--log-group-name", GROUP,
                        "--filter-name", "VPCChanges")
        self.server.aws("cloudwatch", "put-metric-alarm", "--alarm-name", "IAMPolicyChanges",
                        "--metric-name", "IAMPolicyChanges", "--namespace", "LogMetrics",
                        "--statistic", "Sum", "--period", "300", "--evaluation-periods", "1",
                        "--threshold", "5", "--comparison-operator",
                        "GreaterThanOrEqualToThreshold", "--alarm-actions",
                        "arn:aws:sns:us-east-1:%s:pager" % ACCOUNT)
        got = self.cis()
        changed = {n: v for n, v in got.items() if v[1:] != ("unchanged", "unchanged")}
        self.assertEqual(changed, {"VPCChanges": ("CloudWatch.14", "created", "unchanged"),
                                   "IAMPolicyChanges": ("CloudWatch.4", "unchanged", "updated")})
        a = self.alarms()["IAMPolicyChanges"]
        self.assertEqual(a["Threshold"], 1)
        # the user's own action is kept, ours added
        self.assertEqual(a["AlarmActions"], ["arn:aws:sns:us-east-1:%s:pager" % ACCOUNT,
                                             self.topic_arn])
        self.assertIn("VPCChanges", self.filters())

    def test_list(self):
        self.cis("--period", "60")
        self.server.aws("logs", "create-log-group", "--log-group-name", "other")
        self.server.aws("logs", "put-metric-filter", "--log-group-name", "other",
                        "--filter-name", "errors", "--filter-pattern", "ERROR",
                        "--metric-transformations",
                        "metricName=Errors,metricNamespace=App,metricValue=1")
        doc = json.loads(self.monitor("list", "--json").stdout)
        self.assertEqual(len(doc["MetricFilters"]), 15)
        self.assertEqual(len(doc["MetricAlarms"]), 14)
        doc = json.loads(self.monitor("list", "--log-group", GROUP, "--json").stdout)
        self.assertEqual({f["filterName"] for f in doc["MetricFilters"]}, set(CONTROLS))
        self.assertEqual({a["AlarmName"] for a in doc["MetricAlarms"]}, set(CONTROLS))
        for a in doc["MetricAlarms"]:
            self.assertIn(a["StateValue"], ("OK", "ALARM", "INSUFFICIENT_DATA"))
            self.assertEqual(a["Period"], 60)
        # not a terminal: JSON without asking
        self.assertEqual(json.loads(self.monitor("list").stdout).keys(),
                         {"MetricFilters", "MetricAlarms"})
        table = self.on_terminal("list", "--log-group", GROUP)
        lines = table.splitlines()
        self.assertTrue(lines[0].split()[:3] == ["LOG", "GROUP", "METRIC"], table)
        self.assertIn("LogMetrics/RootAccountUsage", table)
        alarm_rows = [l for l in lines if l.startswith("ConsoleSigninFailures ")]
        self.assertEqual(len(alarm_rows), 1, table)
        self.assertIn(">= 3 per 60 s", alarm_rows[0])
        self.assertIn("14 metric filters, 14 alarms", table)

    def on_terminal(self, *args):
        """Runs `opentrail monitor ARGS` with stdout and stderr on a pseudo-terminal."""
        master, slave = pty.openpty()
        p = subprocess.Popen([BIN, "monitor"] + list(args), env=self.server.env(),
                             stdout=slave, stderr=slave)
        os.close(slave)
        out = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        os.close(master)
        self.assertEqual(p.wait(timeout=120), 0, out)
        return out.decode().replace("\r\n", "\n")

    def test_errors(self):
        p = self.monitor("cis", "--log-group", GROUP, "--topic", "nope", status=1)
        self.assertIn("aws sns create-topic --name nope", p.stderr)
        p = self.monitor("cis", "--log-group", GROUP, "--topic",
                         "arn:aws:sns:us-east-1:%s:gone" % ACCOUNT, status=1)
        self.assertIn("aws sns create-topic --name gone", p.stderr)
        p = self.monitor("cis", "--log-group", "missing", "--topic", TOPIC, status=1)
        self.assertIn("aws logs create-log-group --log-group-name missing", p.stderr)
        self.monitor("list", "--log-group", "missing", status=1)
        # nothing was written by the failed runs
        self.assertEqual(self.filters(), {})
        self.assertEqual(self.alarms(), {})
        for args in (["cis", "--log-group", GROUP], ["cis", "--topic", TOPIC],
                     ["cis", "--log-group", GROUP, "--topic", TOPIC, "--period", "45"],
                     ["cis", "--log-group", GROUP, "--topic", TOPIC, "--period", "90000"],
                     ["cis", "--log-group", GROUP, "--topic", TOPIC, "--namespace", "a:b"],
                     ["list", "--topic", TOPIC], ["list", "extra"], ["list", "--bogus"],
                     ["watch"], []):
            p = self.monitor(*args, status=2)
            self.assertIn("--help", p.stderr, args)
        p = self.monitor("--help")
        self.assertIn("opentrail monitor cis --log-group NAME --topic NAME|ARN", p.stdout)
        # --endpoint instead of AWS_ENDPOINT_URL; --region scopes the topic lookup as SNS does
        no_url = self.server.env(endpoint=False)
        p = self.monitor("cis", "--log-group", GROUP, "--topic", TOPIC, "--endpoint",
                         self.server.endpoint, "--region", "eu-west-1", status=1, env=no_url)
        self.assertIn("no SNS topic %s" % TOPIC, p.stderr)
        p = self.monitor("list", "--endpoint", self.server.endpoint, "--json", env=no_url)
        self.assertEqual(json.loads(p.stdout), {"MetricFilters": [], "MetricAlarms": []})
        # the server refuses a wrong signature: exit 1 with AWS's error
        env = self.server.env()
        env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
        env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = "AKIAWRONGWRONGWRONG1", "x" * 40
        p = self.monitor("list", "--data-dir", "/nonexistent", status=1, env=env)
        self.assertIn("An error occurred (", p.stderr)


class MonitorAlarms(ServerTestCase):
    """Every control end to end: events put into the log group move the alarm. The period is
    60 s, the resolution metric filters publish at (one datapoint per minute, as in AWS): a 10 s
    alarm would see an event only while that minute's datapoint is in its evaluation range."""

    def setUp(self):
        super().setUp()
        arn = self.server.aws_json("sns", "create-topic", "--name", TOPIC)["TopicArn"]
        self.server.aws("sns", "subscribe", "--topic-arn", arn, "--protocol", "file",
                        "--notification-endpoint", "alerts.jsonl")
        self.logs = self.server.client("logs")
        self.cw = self.server.client("cloudwatch")
        self.logs.create_log_group(logGroupName=GROUP)
        self.logs.create_log_stream(logGroupName=GROUP, logStreamName="stream")
        p = subprocess.run([BIN, "monitor", "cis", "--log-group", GROUP, "--topic", TOPIC,
                            "--period", "60"], env=self.server.env(), capture_output=True,
                           text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)

    def put(self, records):
        now = int(time.time() * 1000)
        self.logs.put_log_events(logGroupName=GROUP, logStreamName="stream",
                                 logEvents=[{"timestamp": now, "message": json.dumps(r)}
                                            for r in records])

    def states(self):
        pages = self.cw.get_paginator("describe_alarms").paginate(AlarmNames=list(CONTROLS))
        return {a["AlarmName"]: a["StateValue"] for p in pages for a in p["MetricAlarms"]}

    def wait_until(self, state, timeout=240):
        """Polls until every alarm has been seen in state, and returns those seen so (a deadline,
        not a timing assertion: the evaluator runs on its own clock, and with a 10 s period an
        alarm may go back to OK soon after, so each is remembered once seen)."""
        seen = set()
        deadline = time.time() + timeout
        while seen != set(CONTROLS) and time.time() < deadline:
            seen |= {n for n, s in self.states().items() if s == state}
            time.sleep(0.5)
        return seen

    def sums(self):
        """Each CIS metric's Sum over the last hour: how many events each filter counted."""
        now = time.time()
        out = {}
        for name in CONTROLS:
            r = self.cw.get_metric_statistics(Namespace="LogMetrics", MetricName=name,
                                              StartTime=now - 3600, EndTime=now + 60, Period=60,
                                              Statistics=["Sum"])
            out[name] = sum(d["Sum"] for d in r["Datapoints"])
        return out

    def test_near_misses_then_trips(self):
        self.put([near for _, near in EVENTS.values()])
        # two failed sign-ins stay below CloudWatch.6's threshold of 3
        self.put(EVENTS["ConsoleSigninFailures"][0][:2])
        self.assertEqual(self.wait_until("OK"), set(CONTROLS))
        self.put([r for trips, _ in EVENTS.values() for r in trips])
        self.assertEqual(self.wait_until("ALARM"), set(CONTROLS))
        # the filters counted the tripping events and nothing else: no near miss among them
        want = {n: float(len(trips)) for n, (trips, _) in EVENTS.items()}
        want["ConsoleSigninFailures"] = 5.0
        self.assertEqual(self.sums(), want)
        # and the topic told its subscriber, in AWS's alarm message, for every control
        self.assertEqual(self.alarmed_by_message(), set(CONTROLS))

    def alarmed_by_message(self, timeout=60):
        """The alarms an ALARM message reached the file subscription for (delivery is
        asynchronous: waits for all of them until the deadline)."""
        path = os.path.join(self.server.data_dir, "sns", "alerts.jsonl")
        seen = set()
        deadline = time.time() + timeout
        while seen != set(CONTROLS) and time.time() < deadline:
            if os.path.exists(path):
                with open(path) as f:
                    for line in f:
                        msg = json.loads(json.loads(line)["Message"])
                        if msg["NewStateValue"] == "ALARM":
                            self.assertEqual(msg["Trigger"]["Namespace"], "LogMetrics")
                            seen.add(msg["AlarmName"])
            time.sleep(0.5)
        return seen


if __name__ == "__main__":
    main()

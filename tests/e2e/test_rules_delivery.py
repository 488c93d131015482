"""Issue 12 item 2: recorded events delivered to the EventBridge rules' targets (docs/rules.md,
"Delivery to targets"), driven with the real aws CLI and boto3. A CloudTrail call reaches an SNS
topic (a real `file` subscription) and a CloudWatch Logs log group wrapped in EventBridge's
envelope, every field exact; a read-only call reaches only an
ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS rule; a DISABLED rule gets nothing; InputPath and
InputTransformer give exactly what EventBridge would; an invocation of a target that cannot take
it becomes a dead letter (logged, counted); an API destination (a real HTTP receiver) gets the
event after its 500 answers are retried, and one that answers 400 is a dead letter; and an event recorded right before kill -9 is
delivered after the restart.
"""
import http.server
import json
import os
import threading
import time
import urllib.request

from test_sns import SnsTestCase
from otharness import main

ACCOUNT = "123456789012"
REGION = "us-east-1"
BUCKET = "rules-trail-logs"


def topic_arn(name):
    return "arn:aws:sns:%s:%s:%s" % (REGION, ACCOUNT, name)


def group_arn(name):
    return "arn:aws:logs:%s:%s:log-group:%s:*" % (REGION, ACCOUNT, name)


def on(event_names):
    return json.dumps({"source": ["aws.cloudtrail"], "detail": {"eventName": event_names}})


class RulesDelivery(SnsTestCase):
    def setUp(self):
        super().setUp()
        self.ev = self.server.client("events")
        self.logs = self.server.client("logs")
        self.ct = self.server.client("cloudtrail")
        self.server.aws("s3api", "create-bucket", "--bucket", BUCKET)

    def topic(self, name):
        """A topic with a confirmed `file` subscription DATA-DIR/sns/<name>.jsonl."""
        arn = self.sns.create_topic(Name=name)["TopicArn"]
        self.sns.subscribe(TopicArn=arn, Protocol="file", Endpoint=name + ".jsonl")
        return arn

    def rule(self, name, pattern, targets, state="ENABLED"):
        self.server.aws("events", "put-rule", "--name", name, "--event-pattern", pattern,
                        "--state", state)
        self.server.aws("events", "put-targets", "--rule", name, "--targets",
                        json.dumps(targets))

    def messages(self, topic, count):
        """The Message of each notification the topic's file subscriber got (at least count)."""
        return [n["Message"] for n in self.wait_lines(topic + ".jsonl", count)]

    def log_messages(self, group, count):
        deadline = time.time() + 30
        while time.time() < deadline:
            got = self.logs.filter_log_events(logGroupName=group)["events"]
            if len(got) >= count:
                return got
            time.sleep(0.1)
        self.fail("log group %s never got %d events" % (group, count))

    def create_trail(self, name):
        return self.ct.create_trail(Name=name, S3BucketName=BUCKET)["TrailARN"]

    def lookup(self, name):
        """The CloudTrail record of the first event of this name (LookupEvents)."""
        deadline = time.time() + 30
        while time.time() < deadline:
            got = self.ct.lookup_events(LookupAttributes=[
                {"AttributeKey": "EventName", "AttributeValue": name}])["Events"]
            if got:
                return json.loads(got[0]["CloudTrailEvent"])
            time.sleep(0.1)
        self.fail("no %s event in the history" % name)

    def test_envelope_to_sns_and_log_group(self):
        alerts = self.topic("alerts")
        self.logs.create_log_group(logGroupName="/aws/events/trails")
        self.rule("trail-created", on(["CreateTrail"]),
                  [{"Id": "sns", "Arn": alerts},
                   {"Id": "logs", "Arn": group_arn("/aws/events/trails")}])
        self.create_trail("main")
        record = self.lookup("CreateTrail")
        env = json.loads(self.messages("alerts", 1)[0])
        self.assertEqual(set(env), {"version", "id", "detail-type", "source", "account", "time",
                                    "region", "resources", "detail"})
        self.assertEqual(env["version"], "0")
        self.assertEqual(env["detail-type"], "AWS API Call via CloudTrail")
        self.assertEqual(env["source"], "aws.cloudtrail")
        self.assertEqual(env["account"], ACCOUNT)
        self.assertEqual(env["time"], record["eventTime"])
        self.assertRegex(env["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(env["region"], REGION)
        self.assertEqual(env["resources"], [])
        self.assertEqual(env["detail"], record)
        self.assertRegex(env["id"], r"^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                    r"[0-9a-f]{12}$")
        self.assertNotEqual(env["id"], record["eventID"])
        # the log group: one event, the same envelope, in the stream named by the event's id
        (logged,) = self.log_messages("/aws/events/trails", 1)
        self.assertEqual(json.loads(logged["message"]), env)
        self.assertEqual(logged["logStreamName"], env["id"])
        metrics = urllib.request.urlopen(self.server.endpoint + "/metrics", timeout=30).read()
        text = metrics.decode()
        self.assertIn('opentrail_rule_invocations_total{kind="sns",result="delivered"} 1', text)
        self.assertIn('opentrail_rule_invocations_total{kind="logs",result="delivered"} 1', text)
        self.assertIn("opentrail_rule_matches_total 1", text)

    def test_read_only_and_disabled(self):
        for name in ("plain", "all", "off"):
            self.topic(name)
        reads = on(["DescribeTrails", "CreateTrail"])
        self.rule("plain", reads, [{"Id": "1", "Arn": topic_arn("plain")}])
        self.rule("all", reads, [{"Id": "1", "Arn": topic_arn("all")}],
                  state="ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
        self.rule("off", reads, [{"Id": "1", "Arn": topic_arn("off")}], state="DISABLED")
        self.ct.describe_trails()
        self.create_trail("after-the-read")
        # "all" gets both (the read first); "plain" only the write; "off" nothing
        got_all = [json.loads(m)["detail"]["eventName"] for m in self.messages("all", 2)]
        self.assertEqual(got_all, ["DescribeTrails", "CreateTrail"])
        got_plain = [json.loads(m)["detail"]["eventName"] for m in self.messages("plain", 1)]
        self.assertEqual(got_plain, ["CreateTrail"])
        self.assertFalse(os.path.exists(self.sns_file("off.jsonl")))

    def test_input_path_and_transformer(self):
        for name in ("path", "json", "text", "const"):
            self.topic(name)
        paths = {"trail": "$.detail.requestParameters.name", "src": "$.source",
                 "who": "$.detail.userIdentity.accountId", "none": "$.detail.nothing"}
        self.rule("shaped", on(["CreateTrail"]), [
            {"Id": "path", "Arn": topic_arn("path"), "InputPath": "$.detail.requestParameters"},
            {"Id": "json", "Arn": topic_arn("json"), "InputTransformer": {
                "InputPathsMap": paths,
                "InputTemplate": '{"trail": <trail>, "msg": "<trail> made by <who>",'
                                 ' "none": <none>, "rule": "<aws.events.rule-name>"}'}},
            {"Id": "text", "Arn": topic_arn("text"), "InputTransformer": {
                "InputPathsMap": paths, "InputTemplate": "Trail <trail> from <src>"}},
            {"Id": "const", "Arn": topic_arn("const"), "Input": '{"fixed": [1, 2]}'}])
        self.create_trail("shaped-trail")
        record = self.lookup("CreateTrail")
        self.assertEqual(json.loads(self.messages("path", 1)[0]), record["requestParameters"])
        self.assertEqual(json.loads(self.messages("json", 1)[0]),
                         {"trail": "shaped-trail", "msg": "shaped-trail made by " + ACCOUNT,
                          "none": None, "rule": "shaped"})
        self.assertEqual(self.messages("text", 1), ["Trail shaped-trail from aws.cloudtrail"])
        self.assertEqual(self.messages("const", 1), ['{"fixed": [1, 2]}'])

    def test_dead_letter(self):
        self.rule("nowhere", on(["CreateTrail"]),
                  [{"Id": "gone", "Arn": topic_arn("never-created")}])
        self.create_trail("dead-letter-trail")
        deadline = time.time() + 30
        text = ""
        while time.time() < deadline and "opentrail_rule_dead_letters_total 1" not in text:
            text = urllib.request.urlopen(self.server.endpoint + "/metrics",
                                          timeout=30).read().decode()
            time.sleep(0.1)
        self.assertIn("opentrail_rule_dead_letters_total 1", text)
        self.assertIn('opentrail_rule_invocations_total{kind="sns",result="failed"} 1', text)
        self.assertIn("dead letter for event", self.server.log_text())
        self.assertIn("the SNS topic does not exist", self.server.log_text())

    def test_kill9_after_the_call(self):
        self.topic("survivor")
        self.rule("survive", on(["CreateTrail"]), [{"Id": "1", "Arn": topic_arn("survivor")}])
        self.create_trail("before-the-crash")
        self.server.kill9()
        self.server.start()
        envs = [json.loads(m) for m in self.messages("survivor", 1)]
        self.assertEqual({e["detail"]["requestParameters"]["name"] for e in envs},
                         {"before-the-crash"})
        # at least once: a repeat keeps the envelope's id
        self.assertEqual(len({e["id"] for e in envs}), 1)


class Receiver(http.server.BaseHTTPRequestHandler):
    """Answers each POST with the next status of the server's script (then 200), keeping the
    bodies it was sent."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        srv = self.server
        with srv.lock:
            status = srv.script.pop(0) if srv.script else 200
            srv.got.append((status, body.decode(), self.headers.get("Authorization")))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class ApiDestinationDelivery(SnsTestCase):
    server_args = ("--api-destination-allow-http", "true")

    def receiver(self, script):
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        httpd.lock, httpd.script, httpd.got = threading.Lock(), list(script), []
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        self.addCleanup(httpd.server_close)
        self.addCleanup(httpd.shutdown)
        return httpd

    def destination(self, name, httpd):
        ev = self.server.client("events")
        conn = ev.create_connection(Name=name, AuthorizationType="BASIC", AuthParameters={
            "BasicAuthParameters": {"Username": "u", "Password": "p"}})["ConnectionArn"]
        return ev.create_api_destination(
            Name=name, ConnectionArn=conn, HttpMethod="POST",
            InvocationEndpoint="http://127.0.0.1:%d/hook" % httpd.server_port)[
                "ApiDestinationArn"]

    def wait(self, httpd, count):
        deadline = time.time() + 60
        while time.time() < deadline:
            with httpd.lock:
                if len(httpd.got) >= count:
                    return list(httpd.got)
            time.sleep(0.1)
        self.fail("the receiver never got %d requests" % count)

    def test_retried_until_delivered_and_dead_letter(self):
        flaky, refusing = self.receiver([500, 503]), self.receiver([400])
        s = self.server
        s.aws("s3api", "create-bucket", "--bucket", BUCKET)
        s.aws("events", "put-rule", "--name", "hooks", "--event-pattern", on(["CreateTrail"]))
        s.aws("events", "put-targets", "--rule", "hooks", "--targets", json.dumps([
            {"Id": "flaky", "Arn": self.destination("flaky", flaky),
             "InputPath": "$.detail.requestParameters"},
            {"Id": "refusing", "Arn": self.destination("refusing", refusing)}]))
        s.aws("cloudtrail", "create-trail", "--name", "hooked", "--s3-bucket-name", BUCKET)
        # two failures worth retrying (1 s, then 2 s later), then delivered: the same body each time
        got = self.wait(flaky, 3)
        self.assertEqual([g[0] for g in got], [500, 503, 200])
        self.assertEqual(len({g[1] for g in got}), 1)
        self.assertEqual(json.loads(got[0][1])["name"], "hooked")
        self.assertEqual(got[0][2], "Basic dTpw")
        # a 400 is never worth retrying: one request, then a dead letter
        got = self.wait(refusing, 1)
        self.assertEqual(json.loads(got[0][1])["detail"]["eventName"], "CreateTrail")
        deadline = time.time() + 30
        text = ""
        while time.time() < deadline and "opentrail_rule_dead_letters_total 1" not in text:
            text = urllib.request.urlopen(s.endpoint + "/metrics", timeout=30).read().decode()
            time.sleep(0.1)
        self.assertIn('opentrail_rule_invocations_total{kind="api-destination",result="retry"} 2',
                      text)
        self.assertIn(
            'opentrail_rule_invocations_total{kind="api-destination",result="delivered"} 1', text)
        self.assertIn(
            'opentrail_rule_invocations_total{kind="api-destination",result="failed"} 1', text)
        self.assertEqual(len(refusing.got), 1)


if __name__ == "__main__":
    main()

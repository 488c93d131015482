"""Issue 11 item 1: SNS-compatible topics on the main port (docs/sns.md).

Every operation through the real `aws sns` CLI and boto3, with SNS's error shapes for bad input;
account isolation (another account's topic is AuthorizationError, its listings are its own);
ListTopics / ListSubscriptions paging; and the `file` protocol: a published message is one JSON
line in DATA-DIR/sns/<endpoint>, delivered at least once across kill -9 with its MessageId.
"""
import http.server
import json
import os
import re
import threading
import time

import boto3
import botocore.config
import botocore.exceptions

from otharness import ServerTestCase, main

OWNER = "123456789012"
OTHER = "999999999999"
OTHER_KEY, OTHER_SECRET = "AKIAOTHERACCOUNT0001", "other-account-secret-0123456789abcdefghij"


def verify_signature(msg):
    """Verifies an SNS message as SNS's own verifiers do (SignatureVersion 2): the certificate
    from SigningCertURL (fetched unsigned), SHA256withRSA over "name\nvalue\n" of the fields
    (https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html)."""
    import base64
    import urllib.request
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    if msg["Type"] == "Notification":
        names = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
    else:
        names = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    text = "".join("%s\n%s\n" % (n, msg[n]) for n in names if n in msg)
    with urllib.request.urlopen(msg["SigningCertURL"], timeout=30) as r:
        cert = x509.load_pem_x509_certificate(r.read())
    try:
        cert.public_key().verify(base64.b64decode(msg["Signature"]), text.encode(),
                                 padding.PKCS1v15(), hashes.SHA256())
        return True
    except InvalidSignature:
        return False


class SnsTestCase(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.sns = self.server.client("sns")

    def error(self, fn, code, status, message=None, **kw):
        with self.assertRaises(botocore.exceptions.ClientError, msg=str(kw)) as cm:
            fn(**kw)
        err = cm.exception.response
        self.assertEqual(err["Error"]["Code"], code, str(kw))
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], status, str(kw))
        if message is not None:
            self.assertIn(message, err["Error"]["Message"], str(kw))
        return err

    def sns_file(self, name):
        return os.path.join(self.server.data_dir, "sns", name)

    def wait_sub_attrs(self, sub, done):
        """The subscription's attributes once done(attrs) holds (bounded wait: the last seen)."""
        deadline = time.time() + 30
        while True:
            attrs = self.sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
            if done(attrs) or time.time() > deadline:
                return attrs
            time.sleep(0.05)

    def wait_lines(self, name, count):
        """The JSON lines of a file endpoint once it has at least count (bounded wait)."""
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with open(self.sns_file(name)) as f:
                    # whole lines only: the last one may still be being written
                    lines = [json.loads(l) for l in f.read().split("\n")[:-1]]
                if len(lines) >= count:
                    return lines
            except FileNotFoundError:
                pass
            time.sleep(0.05)
        self.fail("%s never got %d lines" % (name, count))


class Operations(SnsTestCase):
    def test_cli_every_operation(self):
        s = self.server
        arn = s.aws_json("sns", "create-topic", "--name", "security-alerts",
                         "--attributes", "DisplayName=Security",
                         "--tags", "Key=team,Value=sec")["TopicArn"]
        self.assertEqual(arn, "arn:aws:sns:us-east-1:%s:security-alerts" % OWNER)
        # idempotent by name
        self.assertEqual(s.aws_json("sns", "create-topic", "--name", "security-alerts")["TopicArn"],
                         arn)
        self.assertEqual(s.aws_json("sns", "list-topics")["Topics"], [{"TopicArn": arn}])
        s.aws("sns", "set-topic-attributes", "--topic-arn", arn, "--attribute-name",
              "DisplayName", "--attribute-value", "Sec & Ops <1>")
        attrs = s.aws_json("sns", "get-topic-attributes", "--topic-arn", arn)["Attributes"]
        self.assertEqual(attrs["DisplayName"], "Sec & Ops <1>")
        self.assertEqual(attrs["TopicArn"], arn)
        self.assertEqual(attrs["Owner"], OWNER)
        self.assertEqual(json.loads(attrs["Policy"])["Statement"][0]["Resource"], arn)
        self.assertEqual(attrs["SubscriptionsConfirmed"], "0")

        s.aws("sns", "tag-resource", "--resource-arn", arn, "--tags", "Key=env,Value=prod")
        s.aws("sns", "untag-resource", "--resource-arn", arn, "--tag-keys", "team")
        self.assertEqual(s.aws_json("sns", "list-tags-for-resource", "--resource-arn", arn)["Tags"],
                         [{"Key": "env", "Value": "prod"}])

        sub = s.aws_json("sns", "subscribe", "--topic-arn", arn, "--protocol", "file",
                         "--notification-endpoint", "alerts.jsonl")["SubscriptionArn"]
        self.assertTrue(sub.startswith(arn + ":"), sub)
        # the same endpoint again: the same subscription
        self.assertEqual(s.aws_json("sns", "subscribe", "--topic-arn", arn, "--protocol", "file",
                                    "--notification-endpoint", "alerts.jsonl")["SubscriptionArn"],
                         sub)
        want = {"SubscriptionArn": sub, "Owner": OWNER, "Protocol": "file",
                "Endpoint": "alerts.jsonl", "TopicArn": arn}
        self.assertEqual(s.aws_json("sns", "list-subscriptions")["Subscriptions"], [want])
        self.assertEqual(s.aws_json("sns", "list-subscriptions-by-topic", "--topic-arn",
                                    arn)["Subscriptions"], [want])
        self.assertEqual(s.aws_json("sns", "get-topic-attributes", "--topic-arn",
                                    arn)["Attributes"]["SubscriptionsConfirmed"], "1")

        mid = s.aws_json("sns", "publish", "--topic-arn", arn, "--subject", "Root login",
                         "--message", "someone used the root account \u2603",
                         "--message-attributes",
                         '{"severity":{"DataType":"String","StringValue":"high"}}')["MessageId"]
        [line] = self.wait_lines("alerts.jsonl", 1)
        self.assertEqual(line["Type"], "Notification")
        self.assertEqual(line["MessageId"], mid)
        self.assertEqual(line["TopicArn"], arn)
        self.assertEqual(line["Subject"], "Root login")
        self.assertEqual(line["Message"], "someone used the root account \u2603")
        self.assertEqual(line["MessageAttributes"],
                         {"severity": {"Type": "String", "Value": "high"}})
        self.assertRegex(line["Timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertIn("Action=Unsubscribe&SubscriptionArn=" + sub, line["UnsubscribeURL"])
        self.assertEqual(line["SignatureVersion"], "2")
        self.assertTrue(verify_signature(line), line)
        forged = dict(line, Message="something else")
        self.assertFalse(verify_signature(forged))

        sattrs = s.aws_json("sns", "get-subscription-attributes", "--subscription-arn",
                            sub)["Attributes"]
        self.assertEqual(sattrs["MessagesDelivered"], "1")
        self.assertEqual(sattrs["MessagesPending"], "0")
        self.assertEqual(sattrs["PendingConfirmation"], "false")
        self.assertEqual(sattrs["LastDeliveryError"], "")

        s.aws("sns", "unsubscribe", "--subscription-arn", sub)
        self.assertEqual(s.aws_json("sns", "list-subscriptions")["Subscriptions"], [])
        s.aws("sns", "delete-topic", "--topic-arn", arn)
        s.aws("sns", "delete-topic", "--topic-arn", arn)   # SNS: deleting again is no error
        self.assertEqual(s.aws_json("sns", "list-topics")["Topics"], [])

    def test_cli_error_shape(self):
        rc, _, err = self.server.aws("sns", "get-topic-attributes", "--topic-arn",
                                     "arn:aws:sns:us-east-1:%s:nope" % OWNER, check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("(NotFound) when calling the GetTopicAttributes operation", err)
        self.assertIn("Topic does not exist", err)

    def test_calls_are_audited(self):
        """Each SNS call is a CloudTrail event of sns.amazonaws.com; a failed one carries SNS's
        error code (read from the XML error body)."""
        arn = self.sns.create_topic(Name="audited", Attributes={"DisplayName": "Audited"})[
            "TopicArn"]
        self.sns.publish(TopicArn=arn, Message="a data event: not with the management events")
        self.error(self.sns.get_topic_attributes, "NotFound", 404, TopicArn=arn + "x")
        deadline = time.time() + 30
        while True:
            events = [json.loads(e["CloudTrailEvent"]) for e in self.server.aws_json(
                "cloudtrail", "lookup-events", "--lookup-attributes",
                "AttributeKey=EventSource,AttributeValue=sns.amazonaws.com")["Events"]]
            if len(events) >= 2 or time.time() > deadline:
                break
            time.sleep(0.2)
        by_name = {e["eventName"]: e for e in events}
        self.assertEqual(set(by_name), {"CreateTopic", "GetTopicAttributes"})
        self.assertIs(by_name["CreateTopic"]["readOnly"], False)
        self.assertNotIn("errorCode", by_name["CreateTopic"])
        self.assertEqual(by_name["GetTopicAttributes"]["errorCode"], "NotFound")
        self.assertEqual(by_name["GetTopicAttributes"]["errorMessage"], "Topic does not exist")
        # requestParameters: the form, without Action and Version, in lower camel case
        self.assertEqual(by_name["GetTopicAttributes"]["requestParameters"],
                         {"topicArn": arn + "x"})
        created = by_name["CreateTopic"]["requestParameters"]
        self.assertEqual(created["name"], "audited")
        self.assertIn("Audited", json.dumps(created["attributes"]))

    def test_delete_topic_removes_its_subscriptions(self):
        arn = self.sns.create_topic(Name="t")["TopicArn"]
        sub = self.sns.subscribe(TopicArn=arn, Protocol="file", Endpoint="t.jsonl")
        self.sns.delete_topic(TopicArn=arn)
        self.assertEqual(self.sns.list_subscriptions()["Subscriptions"], [])
        self.error(self.sns.get_subscription_attributes, "NotFound", 404,
                   "Subscription does not exist", SubscriptionArn=sub["SubscriptionArn"])

    def test_paging(self):
        arns = sorted(self.sns.create_topic(Name="t%03d" % i)["TopicArn"] for i in range(105))
        first = self.sns.list_topics()
        self.assertEqual(len(first["Topics"]), 100)
        second = self.sns.list_topics(NextToken=first["NextToken"])
        self.assertNotIn("NextToken", second)
        got = [t["TopicArn"] for t in first["Topics"] + second["Topics"]]
        self.assertEqual(got, arns)
        for i in range(101):
            self.sns.subscribe(TopicArn=arns[0], Protocol="file", Endpoint="f%03d" % i)
        pages = list(self.sns.get_paginator("list_subscriptions_by_topic").paginate(
            TopicArn=arns[0]))
        self.assertEqual([len(p["Subscriptions"]) for p in pages], [100, 1])
        pages = list(self.sns.get_paginator("list_subscriptions").paginate())
        self.assertEqual(sum(len(p["Subscriptions"]) for p in pages), 101)
        self.error(self.sns.list_topics, "InvalidParameter", 400, NextToken="")


class Errors(SnsTestCase):
    def setUp(self):
        super().setUp()
        self.arn = self.sns.create_topic(Name="alerts", Tags=[{"Key": "a", "Value": "1"}])[
            "TopicArn"]
        self.missing = "arn:aws:sns:us-east-1:%s:missing" % OWNER

    def test_topic_names(self):
        for name in ("", "a b", "a/b", "x" * 257, "caf\u00e9"):
            self.error(self.sns.create_topic, "InvalidParameter", 400,
                       "Invalid parameter: Topic Name" if name else None, Name=name)
        self.error(self.sns.create_topic, "InvalidParameter", 400, "FIFO", Name="q.fifo")
        self.error(self.sns.create_topic, "InvalidParameter", 400, "FIFO", Name="q",
                   Attributes={"FifoTopic": "true"})
        self.assertTrue(self.sns.create_topic(Name="x" * 256)["TopicArn"].endswith("x" * 256))
        self.error(self.sns.create_topic, "InvalidParameter", 400, "different tags",
                   Name="alerts", Tags=[{"Key": "a", "Value": "2"}])
        self.error(self.sns.create_topic, "InvalidParameter", 400, "AttributeName",
                   Name="b", Attributes={"Bogus": "1"})

    def test_unknown_topic(self):
        for fn, kw in ((self.sns.get_topic_attributes, {}),
                       (self.sns.set_topic_attributes,
                        {"AttributeName": "DisplayName", "AttributeValue": "x"}),
                       (self.sns.subscribe, {"Protocol": "file", "Endpoint": "f"}),
                       (self.sns.publish, {"Message": "m"}),
                       (self.sns.list_subscriptions_by_topic, {})):
            self.error(fn, "NotFound", 404, "Topic does not exist", TopicArn=self.missing, **kw)
        self.error(self.sns.list_tags_for_resource, "ResourceNotFound", 404,
                   ResourceArn=self.missing)
        self.error(self.sns.tag_resource, "ResourceNotFound", 404, ResourceArn=self.missing,
                   Tags=[{"Key": "k", "Value": "v"}])
        self.error(self.sns.get_topic_attributes, "InvalidParameter", 400,
                   "Invalid parameter: TopicArn", TopicArn="not-an-arn")
        sub = self.arn + ":00000000-0000-4000-8000-000000000000"
        self.error(self.sns.unsubscribe, "NotFound", 404, "Subscription does not exist",
                   SubscriptionArn=sub)
        self.error(self.sns.get_subscription_attributes, "InvalidParameter", 400,
                   SubscriptionArn=self.arn)
        self.error(self.sns.confirm_subscription, "InvalidParameter", 400, "Invalid token",
                   TopicArn=self.arn, Token="nope")

    def test_protocols_and_endpoints(self):
        for proto in ("email", "sqs", "lambda", "HTTP", "carrier-pigeon"):
            self.error(self.sns.subscribe, "InvalidParameter", 400,
                       "supports: file, http, https", TopicArn=self.arn, Protocol=proto,
                       Endpoint="https://hooks.example/x")
        for proto, endpoint in (("http", "https://hooks.example/x"), ("https", "http://h/x"),
                                ("http", "http://"), ("http", "http:///x"),
                                ("http", "http://h/a b"), ("https", "hooks.example")):
            self.error(self.sns.subscribe, "InvalidParameter", 400, "Endpoint",
                       TopicArn=self.arn, Protocol=proto, Endpoint=endpoint)
        for endpoint in ("../state.db", "a/b", "/etc/passwd", "..", ".hidden", "a b"):
            self.error(self.sns.subscribe, "InvalidParameter", 400, "Endpoint",
                       TopicArn=self.arn, Protocol="file", Endpoint=endpoint)
        self.assertFalse(os.path.exists(os.path.join(self.server.data_dir, "state.db.jsonl")))
        self.error(self.sns.subscribe, "InvalidParameter", 400, "Attributes",
                   TopicArn=self.arn, Protocol="file", Endpoint="f",
                   Attributes={"FilterPolicy": "{}"})

    def test_publish_limits(self):
        self.sns.subscribe(TopicArn=self.arn, Protocol="file", Endpoint="big.jsonl")
        self.error(self.sns.publish, "InvalidParameter", 400, "Invalid parameter: Message too long",
                   TopicArn=self.arn, Message="x" * (256 * 1024 + 1))
        # the limit counts the attributes too
        self.error(self.sns.publish, "InvalidParameter", 400, "Message too long",
                   TopicArn=self.arn, Message="x" * (256 * 1024 - 4),
                   MessageAttributes={"k": {"DataType": "String", "StringValue": "vv"}})
        mid = self.sns.publish(TopicArn=self.arn, Message="y" * (256 * 1024))["MessageId"]
        [line] = self.wait_lines("big.jsonl", 1)
        self.assertEqual(line["MessageId"], mid)
        self.assertEqual(len(line["Message"]), 256 * 1024)
        self.error(self.sns.publish, "InvalidParameter", 400, "Empty message",
                   TopicArn=self.arn, Message="")
        for subject in ("", "x" * 100, "line\nbreak"):
            self.error(self.sns.publish, "InvalidParameter", 400, "Subject",
                       TopicArn=self.arn, Message="m", Subject=subject)
        self.error(self.sns.publish, "InvalidParameter", 400, "invalid message attribute type",
                   TopicArn=self.arn, Message="m",
                   MessageAttributes={"k": {"DataType": "Float", "StringValue": "1"}})
        self.error(self.sns.publish, "InvalidParameter", 400, "PhoneNumber",
                   PhoneNumber="+15555550100", Message="m")
        many = {"k%d" % i: {"DataType": "Number", "StringValue": "1"} for i in range(11)}
        self.error(self.sns.publish, "InvalidParameter", 400, TopicArn=self.arn, Message="m",
                   MessageAttributes=many)
        # nothing refused above reached the file (a later message lands right after the first)
        mid2 = self.sns.publish(TopicArn=self.arn, Message="last")["MessageId"]
        self.assertEqual([l["MessageId"] for l in self.wait_lines("big.jsonl", 2)], [mid, mid2])

    def test_tag_limits(self):
        tags = [{"Key": "k%d" % i, "Value": "v"} for i in range(50)]
        self.error(self.sns.tag_resource, "TagLimitExceeded", 400, ResourceArn=self.arn,
                   Tags=tags)   # 50 + the one it has
        self.sns.tag_resource(ResourceArn=self.arn, Tags=tags[:49])
        self.assertEqual(len(self.sns.list_tags_for_resource(ResourceArn=self.arn)["Tags"]), 50)

    def test_unknown_action_and_version(self):
        from otharness import signed_request
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        for body in (b"Action=Nope&Version=2010-03-31", b"Action=ListTopics&Version=1"):
            status, _, answer = signed_request(self.server, "POST", "/", body, service="sns",
                                               headers=form)
            self.assertEqual(status, 400, body)
            self.assertIn(b"<Code>InvalidAction</Code>", answer)
            # SNS's own namespace, as SNS answers (not STS's)
            self.assertIn(b'<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">',
                          answer)
        status, _, answer = signed_request(self.server, "POST", "/", b"Version=2010-03-31",
                                           service="sns", headers=form)
        self.assertEqual(status, 400)
        self.assertIn(b"<Code>MissingAction</Code>", answer)


class AccountIsolation(SnsTestCase):
    def setUp(self):
        super().setUp()
        self.server.stop()
        self.server.add_user("other", OTHER_KEY, OTHER_SECRET, OTHER)
        self.server.start()
        self.sns = self.server.client("sns")
        self.other = boto3.session.Session().client(
            "sns", region_name=self.server.region, endpoint_url=self.server.endpoint,
            aws_access_key_id=OTHER_KEY, aws_secret_access_key=OTHER_SECRET,
            config=botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"}))

    def test_other_account_cannot_touch_the_topic(self):
        arn = self.sns.create_topic(Name="alerts")["TopicArn"]
        sub = self.sns.subscribe(TopicArn=arn, Protocol="file", Endpoint="a.jsonl")[
            "SubscriptionArn"]
        o = self.other
        for fn, kw in ((o.get_topic_attributes, {"TopicArn": arn}),
                       (o.set_topic_attributes, {"TopicArn": arn, "AttributeName": "DisplayName",
                                                 "AttributeValue": "x"}),
                       (o.delete_topic, {"TopicArn": arn}),
                       (o.publish, {"TopicArn": arn, "Message": "m"}),
                       (o.subscribe, {"TopicArn": arn, "Protocol": "file", "Endpoint": "b"}),
                       (o.list_subscriptions_by_topic, {"TopicArn": arn}),
                       (o.tag_resource, {"ResourceArn": arn, "Tags": [{"Key": "k", "Value": "v"}]}),
                       (o.untag_resource, {"ResourceArn": arn, "TagKeys": ["k"]}),
                       (o.list_tags_for_resource, {"ResourceArn": arn}),
                       (o.unsubscribe, {"SubscriptionArn": sub}),
                       (o.get_subscription_attributes, {"SubscriptionArn": sub})):
            self.error(fn, "AuthorizationError", 403, "is not authorized to perform: SNS:", **kw)
        # a topic of the other account that does not exist is no different
        self.error(o.get_topic_attributes, "AuthorizationError", 403,
                   TopicArn="arn:aws:sns:us-east-1:%s:missing" % OWNER)
        self.assertEqual(o.list_topics()["Topics"], [])
        self.assertEqual(o.list_subscriptions()["Subscriptions"], [])
        # the same name in the other account is its own topic
        mine = o.create_topic(Name="alerts")["TopicArn"]
        self.assertEqual(mine, "arn:aws:sns:us-east-1:%s:alerts" % OTHER)
        self.assertEqual(self.sns.list_topics()["Topics"], [{"TopicArn": arn}])
        self.assertEqual(self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Owner"], OWNER)


class Hook(http.server.BaseHTTPRequestHandler):
    """A webhook that records every POST and answers the status the test sets."""
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with self.server.lock:
            self.server.posts.append((dict(self.headers), json.loads(body)))
            status = self.server.statuses.pop(0) if self.server.statuses else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class HttpDelivery(SnsTestCase):
    def setUp(self):
        super().setUp()
        self.hook = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
        self.hook.posts, self.hook.statuses, self.hook.lock = [], [], threading.Lock()
        threading.Thread(target=self.hook.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d/hook" % self.hook.server_address[1]

    def tearDown(self):
        self.hook.shutdown()
        self.hook.server_close()
        super().tearDown()

    def wait_posts(self, count):
        deadline = time.time() + 30
        while time.time() < deadline:
            with self.hook.lock:
                if len(self.hook.posts) >= count:
                    return list(self.hook.posts)
            time.sleep(0.05)
        self.fail("the hook never got %d posts" % count)

    def test_confirmation_handshake_then_notifications(self):
        arn = self.sns.create_topic(Name="hooked")["TopicArn"]
        self.assertEqual(self.sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=self.url)[
            "SubscriptionArn"], "pending confirmation")
        [(headers, confirm)] = self.wait_posts(1)
        self.assertEqual(headers["x-amz-sns-message-type"], "SubscriptionConfirmation")
        self.assertEqual(headers["x-amz-sns-topic-arn"], arn)
        self.assertEqual(headers["x-amz-sns-message-id"], confirm["MessageId"])
        self.assertEqual(confirm["Type"], "SubscriptionConfirmation")
        self.assertEqual(confirm["TopicArn"], arn)
        self.assertIn("Token=" + confirm["Token"], confirm["SubscribeURL"])
        self.assertTrue(verify_signature(confirm), confirm)
        [pending] = self.sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
        self.assertEqual(pending["SubscriptionArn"], "PendingConfirmation")
        attrs = self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        self.assertEqual((attrs["SubscriptionsPending"], attrs["SubscriptionsConfirmed"]),
                         ("1", "0"))
        # a message published before the confirmation is not sent to it
        self.sns.publish(TopicArn=arn, Message="too early")
        self.error(self.sns.confirm_subscription, "InvalidParameter", 400, "Invalid token",
                   TopicArn=arn, Token=confirm["Token"][:-1] + "x")
        sub = self.sns.confirm_subscription(TopicArn=arn, Token=confirm["Token"])[
            "SubscriptionArn"]
        self.assertTrue(sub.startswith(arn + ":"), sub)
        self.assertEqual(self.sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"][
            "PendingConfirmation"], "false")

        # the endpoint fails once: the message is retried, with the same MessageId
        self.hook.statuses.append(500)
        mid = self.sns.publish(TopicArn=arn, Message="hello hook", Subject="s")["MessageId"]
        posts = self.wait_posts(3)
        self.assertEqual([p[1]["Type"] for p in posts],
                         ["SubscriptionConfirmation", "Notification", "Notification"])
        for headers, note in posts[1:]:
            self.assertEqual(note["MessageId"], mid)
            self.assertEqual(note["Message"], "hello hook")
            self.assertEqual(headers["x-amz-sns-message-type"], "Notification")
            self.assertEqual(headers["x-amz-sns-subscription-arn"], sub)
            self.assertTrue(headers["Content-Type"].startswith("text/plain"))
            self.assertTrue(verify_signature(note), note)
        attrs = self.wait_sub_attrs(sub, lambda a: a["MessagesPending"] == "0")
        self.assertEqual(attrs["MessagesDelivered"], "2")     # the confirmation and the message
        self.assertEqual(attrs["DeliveryAttempts"], "3")
        self.assertEqual(attrs["LastDeliveryError"], "")
        # and /metrics counts the same attempts
        import urllib.request
        with urllib.request.urlopen(self.server.endpoint + "/metrics", timeout=30) as r:
            text = r.read().decode()
        self.assertIn('opentrail_sns_delivery_attempts_total{protocol="http",result="delivered"} 2\n',
                      text)
        self.assertIn('opentrail_sns_delivery_attempts_total{protocol="http",result="failed"} 1\n',
                      text)
        self.assertIn("opentrail_sns_outbox_messages 0\n", text)


    def test_subscribe_url_confirms_unsigned(self):
        """The endpoint visits SubscribeURL without credentials, as with SNS; nothing else is
        answered unsigned."""
        import urllib.error
        import urllib.request
        arn = self.sns.create_topic(Name="hooked")["TopicArn"]
        self.sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=self.url)
        [(_, confirm)] = self.wait_posts(1)
        url = confirm["SubscribeURL"]
        self.assertTrue(url.startswith(self.server.endpoint + "/?Action=ConfirmSubscription&"))
        for bad in (url[:-1] + ("x" if url[-1] != "x" else "y"),
                    url.replace("TopicArn=arn", "TopicArn=xarn")):
            with self.assertRaises(urllib.error.HTTPError) as cm:
                urllib.request.urlopen(bad, timeout=30)
            self.assertEqual(cm.exception.code, 400)
            self.assertIn(b"<Code>InvalidParameter</Code>", cm.exception.read())
        for other in ("/?Action=ListTopics", "/?Action=Unsubscribe&SubscriptionArn=" + arn):
            with self.assertRaises(urllib.error.HTTPError) as cm:
                urllib.request.urlopen(self.server.endpoint + other, timeout=30)
            self.assertIn(cm.exception.code, (400, 403))
        with urllib.request.urlopen(url, timeout=30) as r:
            body = r.read().decode()
        [sub] = self.sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
        self.assertTrue(sub["SubscriptionArn"].startswith(arn + ":"))
        self.assertIn("<SubscriptionArn>%s</SubscriptionArn>" % sub["SubscriptionArn"], body)
        mid = self.sns.publish(TopicArn=arn, Message="m")["MessageId"]
        self.assertEqual(self.wait_posts(2)[1][1]["MessageId"], mid)

    def confirmed_hook(self, auth=None):
        """A topic with the hook subscribed and confirmed (signed, with AuthenticateOnUnsubscribe
        when auth is given, else through the unsigned SubscribeURL); returns the topic and the
        first notification's message."""
        import urllib.request
        arn = self.sns.create_topic(Name="hooked")["TopicArn"]
        self.sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=self.url)
        [(_, confirm)] = self.wait_posts(1)
        if auth is None:
            urllib.request.urlopen(confirm["SubscribeURL"], timeout=30).read()
        else:
            self.sns.confirm_subscription(TopicArn=arn, Token=confirm["Token"],
                                          AuthenticateOnUnsubscribe=auth)
        self.sns.publish(TopicArn=arn, Message="m")
        return arn, self.wait_posts(2)[1][1]

    def get_unsigned(self, url):
        import urllib.error
        import urllib.request
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def test_unsubscribe_url_works_unsigned(self):
        """As with SNS, the UnsubscribeURL in a message unsubscribes without credentials (the
        subscription's random id is the proof), unless AuthenticateOnUnsubscribe was set."""
        arn, note = self.confirmed_hook()
        sub = note["UnsubscribeURL"].split("SubscriptionArn=")[1]
        self.assertEqual(self.sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"][
            "ConfirmationWasAuthenticated"], "false")
        url = note["UnsubscribeURL"]
        status, body = self.get_unsigned(url[:-1] + ("0" if url[-1] != "0" else "1"))  # another id
        self.assertEqual((status, "<Code>NotFound</Code>" in body), (404, True), body)
        status, body = self.get_unsigned(note["UnsubscribeURL"])
        self.assertEqual(status, 200, body)
        self.assertIn("<UnsubscribeResponse", body)
        self.assertEqual(self.sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"], [])
        status, body = self.get_unsigned(note["UnsubscribeURL"])
        self.assertEqual(status, 404, body)

    def test_authenticate_on_unsubscribe(self):
        self.sns.create_topic(Name="hooked")
        self.error(self.sns.confirm_subscription, "InvalidParameter", 400,
                   TopicArn=self.sns.create_topic(Name="hooked")["TopicArn"], Token="t" * 64,
                   AuthenticateOnUnsubscribe="maybe")
        arn, note = self.confirmed_hook(auth="true")
        sub = note["UnsubscribeURL"].split("SubscriptionArn=")[1]
        self.assertEqual(self.sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"][
            "ConfirmationWasAuthenticated"], "true")
        status, body = self.get_unsigned(note["UnsubscribeURL"])
        self.assertEqual(status, 403, body)
        self.assertIn("<Code>AuthorizationError</Code>", body)
        self.assertEqual(len(self.sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]),
                         1)
        self.sns.unsubscribe(SubscriptionArn=sub)   # signed: allowed
        self.assertEqual(self.sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"], [])


class Durability(SnsTestCase):
    def test_kill9_after_publish_then_restart_delivers(self):
        arn = self.sns.create_topic(Name="alerts")["TopicArn"]
        sub = self.sns.subscribe(TopicArn=arn, Protocol="file", Endpoint="out.jsonl")[
            "SubscriptionArn"]
        # The endpoint cannot be written (a directory holds its name): the message stays in the
        # outbox, and the subscription says why.
        os.makedirs(self.sns_file("out.jsonl"))
        mid = self.sns.publish(TopicArn=arn, Message="first")["MessageId"]
        attrs = self.wait_sub_attrs(sub, lambda a: a["LastDeliveryError"] != "")
        self.assertIn("out.jsonl", attrs["LastDeliveryError"])
        self.assertEqual(attrs["MessagesPending"], "1")
        self.assertEqual(attrs["MessagesDelivered"], "0")
        self.assertGreaterEqual(int(attrs["DeliveryAttempts"]), 1)
        mid2 = self.sns.publish(TopicArn=arn, Message="second")["MessageId"]
        self.server.kill9()   # right after Publish answered
        os.rmdir(self.sns_file("out.jsonl"))
        self.server.start()
        lines = self.wait_lines("out.jsonl", 2)
        ids = [l["MessageId"] for l in lines]
        self.assertEqual(set(ids), {mid, mid2})
        self.assertEqual([l["Message"] for l in lines if l["MessageId"] == mid][0], "first")
        attrs = self.wait_sub_attrs(sub, lambda a: a["MessagesPending"] == "0")
        self.assertEqual(attrs["MessagesPending"], "0")
        self.assertEqual(attrs["LastDeliveryError"], "")


class PortZero(SnsTestCase):
    """--listen 127.0.0.1:0: the URLs in messages carry the port the server really bound."""
    server_args = ("--listen", "127.0.0.1:0")   # after the harness's own --listen: it wins

    def setUp(self):
        ServerTestCase.setUp(self)
        m = re.search(r"opentrail listening on http://127\.0\.0\.1:(\d+) ", self.server.log_text())
        self.server.port = int(m.group(1))
        self.sns = self.server.client("sns")

    def test_urls_name_the_bound_port(self):
        self.assertNotEqual(self.server.port, 0)
        arn = self.sns.create_topic(Name="zero")["TopicArn"]
        self.sns.subscribe(TopicArn=arn, Protocol="file", Endpoint="zero.jsonl")
        self.sns.publish(TopicArn=arn, Message="hi")
        msg = self.wait_lines("zero.jsonl", 1)[0]
        base = "http://127.0.0.1:%d/" % self.server.port
        self.assertTrue(msg["SigningCertURL"].startswith(base), msg["SigningCertURL"])
        self.assertTrue(msg["UnsubscribeURL"].startswith(base), msg["UnsubscribeURL"])
        verify_signature(msg)   # fetches the certificate from that URL


class PublicUrl(SnsTestCase):
    """--public-url: the links in messages name the address subscribers use (a proxy's), and
    the signature still verifies with the certificate served there."""
    server_args = ("--public-url", "https://audit.example.com:8443/")

    def test_links_use_the_public_url(self):
        arn = self.sns.create_topic(Name="public")["TopicArn"]
        self.sns.subscribe(TopicArn=arn, Protocol="file", Endpoint="public.jsonl")
        self.sns.publish(TopicArn=arn, Message="hi")
        msg = self.wait_lines("public.jsonl", 1)[0]
        base = "https://audit.example.com:8443"
        self.assertEqual(msg["SigningCertURL"], base + "/SimpleNotificationService-opentrail.pem")
        self.assertTrue(msg["UnsubscribeURL"].startswith(base + "/?Action=Unsubscribe&"),
                        msg["UnsubscribeURL"])
        # the proxy would forward to us: fetch the certificate from the server itself
        local = dict(msg, SigningCertURL=msg["SigningCertURL"].replace(base, self.server.endpoint))
        self.assertTrue(verify_signature(local))

    def test_bad_public_url_stops_the_server(self):
        import subprocess
        from otharness import BIN, Server
        other = Server()
        try:
            for bad in ("audit.example.com", "ftp://audit.example.com", "https://",
                        "https://audit.example.com/path", "https://user@audit.example.com",
                        "https://audit.example.com/?q=1", "https://audit example.com"):
                p = subprocess.run([BIN, "serve", "--listen", "127.0.0.1:%d" % other.port,
                                    "--data-dir", other.data_dir, "--public-url", bad],
                                   capture_output=True, text=True, timeout=60)
                self.assertEqual(p.returncode, 1, bad)
                self.assertIn("--public-url", p.stderr, bad)
                self.assertFalse(os.path.exists(other.data_dir), bad)  # refused before any file
        finally:
            other.cleanup()


if __name__ == "__main__":
    main()

"""ISSUE10 item 5: `aws sts get-caller-identity` and SigV2.

STS GetCallerIdentity answers in STS's query protocol (XML) with the caller's account, ARN and
user id, for an IAM user and for a Root principal of the credentials file, with the real aws
CLI and boto3; it is audited as a sts.amazonaws.com read-only management event. Failures of a
query-protocol request (unknown Action, no signature, unknown key, bad signature, a service
opentrail does not serve) come back as query-protocol XML the CLI shows. A Signature Version 2
presigned URL or header gets AWS's 400 InvalidRequest "Please use AWS4-HMAC-SHA256".
"""
import json
import re
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

import boto3
import botocore.config
import botocore.exceptions

from otharness import ServerTestCase, main, read_credentials, signed_request

ACCOUNT = "123456789012"
NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"
ALICE_KEY, ALICE_SECRET = "AKIAALICE00000000001", "alice-secret-0123456789abcdefghijklmnopq"
BOSS_KEY, BOSS_SECRET = "AKIABOSS000000000001", "boss-secret-0123456789abcdefghijklmnopqr"
BOSS_ACCOUNT = "210987654321"
SIGV4_ONLY = ("The authorization mechanism you have provided is not supported. "
              "Please use AWS4-HMAC-SHA256.")
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


def assert_cli_error(test, stderr, operation, code, message_start):
    """The aws CLI's line for a service error (botocore may add "(reached max retries: N)")."""
    m = re.search(r"An error occurred \((\w+)\) when calling the (\w+) operation"
                  r"(?: \(reached max retries: \d+\))?: (.*)", stderr)
    test.assertIsNotNone(m, stderr)
    test.assertEqual((m.group(1), m.group(2)), (code, operation), stderr)
    test.assertTrue(m.group(3).startswith(message_start), stderr)


def query_error(body):
    """(Type, Code, Message, RequestId) of a query-protocol <ErrorResponse>."""
    root = ET.fromstring(body)
    assert root.tag == NS + "ErrorResponse", body
    err = root.find(NS + "Error")
    return (err.findtext(NS + "Type"), err.findtext(NS + "Code"), err.findtext(NS + "Message"),
            root.findtext(NS + "RequestId"))


class Sts(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.server.stop()
        self.server.add_user("alice", ALICE_KEY, ALICE_SECRET)
        self.server.add_user("boss", BOSS_KEY, BOSS_SECRET, BOSS_ACCOUNT, principal_type="Root")
        self.server.start()

    def cli(self, *args, profile=None, check=True):
        env = self.server.env()
        if profile:
            env["AWS_PROFILE"] = profile
        return self.server.aws(*args, env=env, check=check)

    def sts_for(self, key, secret):
        return boto3.session.Session().client(
            "sts", region_name="us-east-1", endpoint_url=self.server.endpoint,
            aws_access_key_id=key, aws_secret_access_key=secret,
            config=botocore.config.Config(retries={"max_attempts": 1}))

    def lookup_sts_events(self, want):
        deadline = time.time() + 15
        while True:
            events = self.server.aws_json(
                "cloudtrail", "lookup-events", "--lookup-attributes",
                "AttributeKey=EventSource,AttributeValue=sts.amazonaws.com")["Events"]
            if len(events) >= want or time.time() > deadline:
                return [json.loads(e["CloudTrailEvent"]) for e in events]
            time.sleep(0.2)

    def test_cli_default_iam_user(self):
        _, out, _ = self.cli("sts", "get-caller-identity", "--output", "json")
        ident = json.loads(out)
        self.assertEqual(ident["Account"], ACCOUNT)
        self.assertEqual(ident["Arn"], "arn:aws:iam::%s:user/admin" % ACCOUNT)
        self.assertRegex(ident["UserId"], r"^AIDA[A-Z0-9]{17}$")
        # the CLI's text output, as a user sees it
        _, text, _ = self.cli("sts", "get-caller-identity", "--query", "Arn", "--output", "text")
        self.assertEqual(text.strip(), "arn:aws:iam::%s:user/admin" % ACCOUNT)
        # audited: a read-only management event of sts.amazonaws.com by the same principal
        events = self.lookup_sts_events(2)
        self.assertEqual(len(events), 2)
        ev = events[0]
        self.assertEqual(ev["eventName"], "GetCallerIdentity")
        self.assertEqual(ev["eventSource"], "sts.amazonaws.com")
        self.assertIs(ev["readOnly"], True)
        self.assertEqual(ev["eventCategory"], "Management")
        self.assertIsNone(ev["requestParameters"])
        self.assertIsNone(ev["responseElements"])
        self.assertNotIn("errorCode", ev)
        self.assertEqual(ev["userIdentity"]["principalId"], ident["UserId"])
        self.assertEqual(ev["userIdentity"]["arn"], ident["Arn"])

    def test_cli_and_boto3_profiles(self):
        _, out, _ = self.cli("sts", "get-caller-identity", "--output", "json", profile="alice")
        alice = json.loads(out)
        self.assertEqual(alice["Arn"], "arn:aws:iam::%s:user/alice" % ACCOUNT)
        self.assertEqual(alice["Account"], ACCOUNT)
        self.assertRegex(alice["UserId"], r"^AIDA[A-Z0-9]{17}$")
        _, out, _ = self.cli("sts", "get-caller-identity", "--output", "json", profile="boss")
        boss = json.loads(out)
        self.assertEqual(boss, {"UserId": BOSS_ACCOUNT, "Account": BOSS_ACCOUNT,
                                "Arn": "arn:aws:iam::%s:root" % BOSS_ACCOUNT})
        # boto3 gets the same, with the request id of the response
        r = self.sts_for(ALICE_KEY, ALICE_SECRET).get_caller_identity()
        self.assertEqual((r["Arn"], r["Account"], r["UserId"]),
                         (alice["Arn"], alice["Account"], alice["UserId"]))
        self.assertRegex(r["ResponseMetadata"]["RequestId"], r"^[0-9a-f-]{36}$")
        r = self.sts_for(BOSS_KEY, BOSS_SECRET).get_caller_identity()
        self.assertEqual(r["UserId"], BOSS_ACCOUNT)
        self.assertEqual(r["Arn"], "arn:aws:iam::%s:root" % BOSS_ACCOUNT)

    def test_get_with_query_string(self):
        status, headers, body = signed_request(
            self.server, "GET", "/?Action=GetCallerIdentity&Version=2011-06-15", service="sts")
        self.assertEqual(status, 200, body)
        self.assertTrue(headers["Content-Type"].startswith("text/xml"))
        root = ET.fromstring(body)
        self.assertEqual(root.tag, NS + "GetCallerIdentityResponse")
        self.assertEqual(root.findtext(NS + "GetCallerIdentityResult/" + NS + "Account"), ACCOUNT)
        self.assertEqual(root.findtext(NS + "ResponseMetadata/" + NS + "RequestId"),
                         headers["x-amzn-RequestId"])

    def test_unknown_action_and_version(self):
        rc, _, err = self.cli("sts", "get-session-token", check=False)
        self.assertNotEqual(rc, 0)
        assert_cli_error(self, err, "GetSessionToken", "InvalidAction",
                         "Could not find operation GetSessionToken for version 2011-06-15")
        for body, message in [
                (b"Action=NoSuchThing&Version=2011-06-15",
                 "Could not find operation NoSuchThing for version 2011-06-15"),
                (b"Action=GetCallerIdentity&Version=2010-01-01",
                 "Could not find operation GetCallerIdentity for version 2010-01-01"),
                (b"Action=GetCallerIdentity",
                 "Could not find operation GetCallerIdentity for version NO_VERSION_SPECIFIED")]:
            status, headers, data = signed_request(self.server, "POST", "/", body=body,
                                                   service="sts", headers=FORM)
            self.assertEqual(status, 400, data)
            typ, code, msg, rid = query_error(data)
            self.assertEqual((typ, code, msg), ("Sender", "InvalidAction", message))
            self.assertEqual(rid, headers["x-amzn-RequestId"])
        status, _, data = signed_request(self.server, "POST", "/", body=b"Version=2011-06-15",
                                         service="sts", headers=FORM)
        self.assertEqual((status, query_error(data)[1]), (400, "MissingAction"))
        # a refused call is not audited
        self.cli("sts", "get-caller-identity")
        events = self.lookup_sts_events(1)
        self.assertEqual([e["eventName"] for e in events], ["GetCallerIdentity"])

    def test_auth_errors_are_query_xml(self):
        # no signature at all: AWS STS's 403 MissingAuthenticationToken
        req = urllib.request.Request(self.server.endpoint + "/", method="POST", headers=FORM,
                                     data=b"Action=GetCallerIdentity&Version=2011-06-15")
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(req, timeout=30)
        self.assertEqual(cm.exception.code, 403)
        self.assertTrue(cm.exception.headers["Content-Type"].startswith("text/xml"))
        self.assertEqual(query_error(cm.exception.read())[:3],
                         ("Sender", "MissingAuthenticationToken",
                          "Request is missing Authentication Token"))
        # an unknown key and a wrong secret, as the CLI shows them
        env = self.server.env()
        env.update(AWS_ACCESS_KEY_ID="AKIANOBODY0000000001", AWS_SECRET_ACCESS_KEY="x" * 40)
        rc, _, err = self.server.aws("sts", "get-caller-identity", env=env, check=False)
        self.assertNotEqual(rc, 0)
        assert_cli_error(self, err, "GetCallerIdentity", "InvalidClientTokenId",
                         "The security token included in the request is invalid.")
        key, _ = read_credentials(self.server.credentials_file)
        env.update(AWS_ACCESS_KEY_ID=key)
        rc, _, err = self.server.aws("sts", "get-caller-identity", env=env, check=False)
        self.assertNotEqual(rc, 0)
        assert_cli_error(self, err, "GetCallerIdentity", "SignatureDoesNotMatch",
                         "The request signature we calculated does not match")

    def test_unserved_query_service(self):
        rc, _, err = self.cli("iam", "list-users", check=False)
        self.assertNotEqual(rc, 0)
        assert_cli_error(self, err, "ListUsers", "InvalidAction",
                         "opentrail does not serve 'iam' (it serves cloudtrail, "
                         "cloudtrail-data, events, logs, monitoring, s3, sns and sts on "
                         "this endpoint).")
        # JSON services still get JSON
        rc, _, err = self.cli("kms", "list-keys", check=False)
        assert_cli_error(self, err, "ListKeys", "UnknownServiceException",
                         "opentrail does not serve 'kms'")

    def test_sigv2_presigned_url(self):
        s3 = self.server.client("s3")
        s3.create_bucket(Bucket="sigv2-bucket")
        s3.put_object(Bucket="sigv2-bucket", Key="k.txt", Body=b"data")
        key, secret = read_credentials(self.server.credentials_file)
        v2 = boto3.session.Session().client(
            "s3", region_name="us-east-1", endpoint_url=self.server.endpoint,
            aws_access_key_id=key, aws_secret_access_key=secret,
            config=botocore.config.Config(signature_version="s3", retries={"max_attempts": 1},
                                          s3={"addressing_style": "path"}))
        url = v2.generate_presigned_url("get_object",
                                        Params={"Bucket": "sigv2-bucket", "Key": "k.txt"})
        self.assertIn("AWSAccessKeyId=", url)
        self.assertIn("Signature=", url)
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(url, timeout=30)
        self.assertEqual(cm.exception.code, 400)
        root = ET.fromstring(cm.exception.read())
        self.assertEqual((root.findtext("Code"), root.findtext("Message")),
                         ("InvalidRequest", SIGV4_ONLY))
        # a SigV2 Authorization header ("AWS AKID:sig"), as botocore signs with it
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            v2.get_object(Bucket="sigv2-bucket", Key="k.txt")
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidRequest")
        self.assertEqual(cm.exception.response["Error"]["Message"], SIGV4_ONLY)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        # the SigV4 presigned URL of the same object works (botocore presigns with SigV2 in
        # us-east-1 unless told s3v4, as `aws s3 presign` does too)
        v4 = self.server.client("s3", config=botocore.config.Config(signature_version="s3v4"))
        url = v4.generate_presigned_url("get_object",
                                        Params={"Bucket": "sigv2-bucket", "Key": "k.txt"})
        self.assertIn("X-Amz-Signature=", url)
        with urllib.request.urlopen(url, timeout=30) as r:
            self.assertEqual(r.read(), b"data")


if __name__ == "__main__":
    main()

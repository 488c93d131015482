"""Issue 12 item 4 (part B): the built-in runbook bucket-policy-restore (docs/runbooks.md).

Against the real server, triggered by the real `aws s3api put-bucket-policy`: a public policy
put by an IAM user is replaced by the bucket's previous policy (from the policy history, polled
through GetBucketPolicy), Block Public Access is turned on (so a second public policy is refused),
and an incident records the actor, the verdict, the policies before and after with their
difference, the responder's own calls (audited as its principal, triggering nothing), the
exposure window and the SNS message; without an earlier policy the public one is deleted; a
policy that is not public (a named account, or "*" pinned by aws:SourceAccount) raises nothing;
dry-run writes the incident and changes nothing; an excluded bucket is left alone; `opentrail
runbook list` shows the settings; off does nothing, and a later weakening of
Block Public Access while that public policy is in force triggers the runbook; kill -9 right
after the call still ends with the policy restored and exactly one incident.
"""
import json
import os
import subprocess

from otharness import BIN, ServerTestCase, main
from test_pipeline import wait_for
import test_runbook_trail_restore as trail_restore

ACCOUNT = "123456789012"
TOPIC = "arn:aws:sns:us-east-1:%s:security-alerts" % ACCOUNT
RESPONDER_ARN = ("arn:aws:sts::%s:assumed-role/OpenTrailResponder/bucket-policy-restore"
                 % ACCOUNT)
MALLORY_KEY, MALLORY_SECRET = trail_restore.MALLORY_KEY, trail_restore.MALLORY_SECRET
BUCKET = "shared-data"
OTHER = "999999999999"


def statement(sid, principal, condition=None):
    st = {"Sid": sid, "Effect": "Allow", "Principal": principal, "Action": "s3:GetObject",
          "Resource": "arn:aws:s3:::%s/*" % BUCKET}
    if condition:
        st["Condition"] = condition
    return st


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


PRIVATE_ST = statement("PartnerRead", {"AWS": OTHER})
PUBLIC_ST = statement("EveryoneRead", "*")
PRIVATE = policy(PRIVATE_ST)
PUBLIC = policy(PRIVATE_ST, PUBLIC_ST)
PINNED = policy(statement("OnlyOurAccount", {"AWS": "*"},
                          {"StringEquals": {"aws:SourceAccount": ACCOUNT}}))
ALL_ON = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
          "RestrictPublicBuckets": True}


class BucketPolicyRestore(ServerTestCase):
    embedded_runbooks = True  # the server's own defaults: runbooks on
    server_args = ("--runbook-topic", TOPIC)

    # the incident, SNS and WAL-reader helpers of the trail-restore test
    mallory = trail_restore.TrailRestore.mallory
    incidents = trail_restore.TrailRestore.incidents
    complete_incidents = trail_restore.TrailRestore.complete_incidents
    runbooks_caught_up = trail_restore.TrailRestore.runbooks_caught_up
    alerts = trail_restore.TrailRestore.alerts
    lookup = trail_restore.TrailRestore.lookup

    def setUp(self):
        super().setUp()
        s = self.server
        s.stop()
        s.add_user("mallory", MALLORY_KEY, MALLORY_SECRET)
        s.start()
        self.connect()

    def connect(self):
        s = self.server
        self.ct = s.client("cloudtrail")
        self.s3 = s.client("s3")
        if BUCKET not in [b["Name"] for b in self.s3.list_buckets()["Buckets"]]:
            self.s3.create_bucket(Bucket=BUCKET)
            s.client("sns").create_topic(Name="security-alerts")
            s.client("sns").subscribe(TopicArn=TOPIC, Protocol="file", Endpoint="alerts.jsonl")

    def policy_now(self):
        try:
            return json.loads(self.s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
        except self.s3.exceptions.ClientError as e:
            self.assertEqual(e.response["Error"]["Code"], "NoSuchBucketPolicy")
            return None

    def pab_now(self):
        try:
            return self.s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
        except self.s3.exceptions.ClientError as e:
            self.assertEqual(e.response["Error"]["Code"], "NoSuchPublicAccessBlockConfiguration")
            return None

    def put_public_as_mallory(self):
        self.mallory("s3api", "put-bucket-policy", "--bucket", BUCKET, "--policy", PUBLIC)
        [put] = [e for e in self.lookup("PutBucketPolicy")
                 if e["userIdentity"].get("userName") == "mallory"]
        return put

    def own_calls(self, name):
        return [e for e in self.lookup(name) if e["userIdentity"]["arn"] == RESPONDER_ARN]

    # --- the runbook acts ------------------------------------------------------------------
    def test_public_policy_is_reverted_with_an_incident(self):
        self.s3.put_bucket_policy(Bucket=BUCKET, Policy=PRIVATE)
        [earlier] = self.lookup("PutBucketPolicy")
        put = self.put_public_as_mallory()
        self.assertTrue(wait_for(lambda: self.policy_now() == json.loads(PRIVATE), step=0.05),
                        "the previous policy was not put back")
        [inc] = self.complete_incidents(1)
        [own] = self.own_calls("PutBucketPolicy")
        [own_pab] = self.own_calls("PutBucketPublicAccessBlock")
        self.assertEqual(self.pab_now(), ALL_ON)
        # the responder's calls: its principal, address and agent; the policy as an object
        self.assertEqual(own["userIdentity"]["principalId"],
                         "AROAOPENTRAILRESPONDER:bucket-policy-restore")
        self.assertEqual(own["sourceIPAddress"], "runbooks.opentrail.internal")
        self.assertEqual(own["userAgent"], "opentrail-runbook/bucket-policy-restore")
        self.assertEqual(own["requestParameters"]["bucketPolicy"], json.loads(PRIVATE))
        self.assertEqual(own_pab["requestParameters"]["PublicAccessBlockConfiguration"],
                         dict(ALL_ON, xmlns="http://s3.amazonaws.com/doc/2006-03-01/"))

        self.assertRegex(inc["id"], r"^INC-\d{8}-[0-9a-f]{8}$")
        self.assertEqual((inc["runbook"], inc["status"], inc["title"]),
                         ("bucket-policy-restore", "restored",
                          "Public bucket policy reverted on %s" % BUCKET))
        self.assertEqual(inc["trigger"], {
            "eventID": put["eventID"], "eventName": "PutBucketPolicy",
            "eventTime": put["eventTime"], "eventSource": "s3.amazonaws.com",
            "awsRegion": "us-east-1", "recipientAccountId": ACCOUNT})
        actor = inc["actor"]
        self.assertEqual((actor["type"], actor["arn"], actor["accessKeyId"], actor["userName"]),
                         ("IAMUser", "arn:aws:iam::%s:user/mallory" % ACCOUNT, MALLORY_KEY,
                          "mallory"))
        self.assertEqual(actor["sourceIPAddress"], "127.0.0.1")
        self.assertEqual(actor["userAgent"], put["userAgent"])
        self.assertEqual(actor["human"], {"name": "mallory", "how": "iam-user", "provider": "",
                                          "chain": []})
        self.assertEqual(inc["resource"], {"type": "AWS::S3::Bucket",
                                           "arn": "arn:aws:s3:::" + BUCKET, "name": BUCKET})
        self.assertEqual(inc["change"], "PutBucketPolicy: a public policy on %s" % BUCKET)
        self.assertEqual(inc["action"], {
            "taken": "PutBucketPolicy, PutBucketPublicAccessBlock", "result": "succeeded",
            "before": {"policyPublic": True, "publicAccessBlock": None},
            "after": {"policyPublic": False, "publicAccessBlock": ALL_ON},
            "eventID": own["eventID"], "dryRun": False})
        window = inc["window"]
        self.assertEqual(window["start"], put["eventTime"].replace("Z", ".000Z"))
        self.assertEqual(window["end"][:19], own["eventTime"][:19])
        self.assertGreaterEqual(window["seconds"], 0)
        self.assertLess(window["seconds"], 30)
        self.assertFalse(window["ongoing"])
        self.assertEqual(inc["prior"], [])
        details = inc["details"]
        self.assertEqual(details["verdict"], "public")
        self.assertEqual(details["reason"], 'statement "EveryoneRead" allows anyone '
                         '(Principal "*") without a restricting condition')
        self.assertEqual(details["newPolicy"], json.loads(PUBLIC))
        self.assertEqual(details["previousPolicy"], json.loads(PRIVATE))
        self.assertEqual(details["restoredPolicy"], json.loads(PRIVATE))
        self.assertEqual(details["restoredVersion"]["eventID"], earlier["eventID"])
        self.assertEqual(details["restoredVersion"]["principal"], earlier["userIdentity"]["arn"])
        self.assertFalse(details["restoredVersion"]["deleted"])
        self.assertEqual(details["diff"], {"added": [PUBLIC_ST], "removed": []})
        [note] = self.alerts(1)
        self.assertEqual(note["Subject"], "Public bucket policy reverted on %s" % BUCKET)
        self.assertIn(inc["id"], note["Message"])
        self.assertEqual(inc["notifications"], [{"type": "sns", "target": TOPIC,
                                                 "messageId": note["MessageId"]}])
        # the responder's own calls trigger nothing; Block Public Access now refuses a repeat
        self.runbooks_caught_up()
        self.assertEqual(len(self.incidents()), 1)
        _, _, err = self.mallory("s3api", "put-bucket-policy", "--bucket", BUCKET, "--policy",
                                 PUBLIC, check=False)
        self.assertIn("AccessDenied", err)
        self.runbooks_caught_up()
        self.assertEqual(len(self.incidents()), 1)
        self.assertEqual(self.policy_now(), json.loads(PRIVATE))

    def test_without_an_earlier_policy_the_public_one_is_deleted(self):
        put = self.put_public_as_mallory()
        self.assertTrue(wait_for(lambda: self.policy_now() is None, step=0.05))
        [inc] = self.complete_incidents(1)
        [own] = self.own_calls("DeleteBucketPolicy")
        self.assertEqual(inc["trigger"]["eventID"], put["eventID"])
        self.assertEqual(inc["action"]["taken"], "DeleteBucketPolicy, PutBucketPublicAccessBlock")
        self.assertEqual(inc["action"]["eventID"], own["eventID"])
        self.assertEqual(inc["details"]["previousPolicy"], None)
        self.assertEqual(inc["details"]["restoredPolicy"], None)
        self.assertEqual(inc["details"]["restoredVersion"], None)
        self.assertEqual(inc["details"]["diff"], {"added": [PRIVATE_ST, PUBLIC_ST], "removed": []})

    def test_a_policy_that_is_not_public_raises_nothing(self):
        for doc in (PRIVATE, PINNED):
            self.server.aws("s3api", "put-bucket-policy", "--bucket", BUCKET, "--policy", doc)
        self.s3.delete_bucket_policy(Bucket=BUCKET)
        self.s3.put_bucket_policy(Bucket=BUCKET, Policy=PINNED)
        self.s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration={})
        self.s3.delete_public_access_block(Bucket=BUCKET)
        self.runbooks_caught_up()
        self.assertEqual(self.incidents(), [])
        self.assertEqual(self.policy_now(), json.loads(PINNED))
        self.assertIsNone(self.pab_now())
        self.assertEqual(self.own_calls("PutBucketPolicy") + self.own_calls("DeleteBucketPolicy"),
                         [])

    def test_kill9_right_after_the_call(self):
        self.s3.put_bucket_policy(Bucket=BUCKET, Policy=PRIVATE)
        self.mallory("s3api", "put-bucket-policy", "--bucket", BUCKET, "--policy", PUBLIC)
        self.server.kill9()
        self.server.start()
        self.connect()
        self.assertTrue(wait_for(lambda: self.policy_now() == json.loads(PRIVATE), step=0.05))
        [inc] = self.complete_incidents(1)
        self.assertIn(inc["status"], ("restored", "no-action-needed"))
        self.runbooks_caught_up()
        self.assertEqual(len(self.incidents()), 1)
        self.assertEqual(len(self.own_calls("PutBucketPolicy")), 1)


class DryRun(BucketPolicyRestore):
    server_args = ("--runbook-topic", TOPIC, "--runbook-bucket-policy-restore", "dry-run")

    def test_dry_run_writes_the_incident_and_changes_nothing(self):
        self.s3.put_bucket_policy(Bucket=BUCKET, Policy=PRIVATE)
        put = self.put_public_as_mallory()
        [inc] = self.complete_incidents(1)
        self.assertEqual(inc["trigger"]["eventID"], put["eventID"])
        self.assertEqual((inc["status"], inc["title"]),
                         ("dry-run", "Public bucket policy on %s not reverted (dry run)" % BUCKET))
        self.assertEqual(inc["action"], {
            "taken": "PutBucketPolicy, PutBucketPublicAccessBlock", "result": "skipped",
            "before": {"policyPublic": True, "publicAccessBlock": None},
            "after": {"policyPublic": True, "publicAccessBlock": None}, "dryRun": True})
        self.assertTrue(inc["window"]["ongoing"])
        self.assertEqual(inc["details"]["restoredPolicy"], json.loads(PRIVATE))
        # nothing changed
        self.runbooks_caught_up()
        self.assertEqual(self.policy_now(), json.loads(PUBLIC))
        self.assertIsNone(self.pab_now())
        self.assertEqual(self.own_calls("PutBucketPolicy"), [])
        self.assertEqual(self.own_calls("PutBucketPublicAccessBlock"), [])

    def test_runbook_list(self):
        env = dict(os.environ, OPENTRAIL_RUNBOOK_BUCKET_POLICY_RESTORE="dry-run",
                   OPENTRAIL_RUNBOOK_BUCKET_POLICY_RESTORE_EXCLUDE="www, downloads",
                   OPENTRAIL_RUNBOOK_TOPIC=TOPIC)
        env.pop("OPENTRAIL_BIN", None)
        out = subprocess.run([BIN, "runbook", "list", "--json"], env=env, capture_output=True,
                             text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        [rb] = [r for r in json.loads(out.stdout)["runbooks"]
                if r["name"] == "bucket-policy-restore"]
        self.assertEqual(rb["state"], "dry-run")
        self.assertIn("PutBucketPolicy", rb["trigger"])
        self.assertEqual(rb["settings"], {"runbook-bucket-policy-restore": "dry-run",
                                          "runbook-bucket-policy-restore-exclude": "www, downloads",
                                          "runbook-topic": TOPIC})

    test_public_policy_is_reverted_with_an_incident = None
    test_without_an_earlier_policy_the_public_one_is_deleted = None
    test_kill9_right_after_the_call = None


class OffThenBlockPublicAccessWeakened(BucketPolicyRestore):
    server_args = ("--runbook-topic", TOPIC, "--runbook-bucket-policy-restore", "off")

    def test_off_then_block_public_access_weakened(self):
        """Off: a public policy stays. Turned on again, a weakening of Block Public Access
        while that policy is in force triggers the runbook."""
        self.s3.put_bucket_policy(Bucket=BUCKET, Policy=PRIVATE)
        self.s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration={
            "RestrictPublicBuckets": True})
        self.put_public_as_mallory()
        self.runbooks_caught_up()
        self.assertEqual(self.incidents(), [])
        self.assertEqual(self.policy_now(), json.loads(PUBLIC))
        s = self.server
        s.stop()
        s.extra_args = ["--runbook-topic", TOPIC]
        s.start()
        self.connect()
        self.runbooks_caught_up()
        self.assertEqual(self.incidents(), [])  # records of the time it was off stay untouched
        self.mallory("s3api", "delete-public-access-block", "--bucket", BUCKET)
        self.assertTrue(wait_for(lambda: self.policy_now() == json.loads(PRIVATE), step=0.05))
        [inc] = self.complete_incidents(1)
        [weakened] = self.lookup("DeleteBucketPublicAccessBlock")
        self.assertEqual(inc["trigger"]["eventID"], weakened["eventID"])
        self.assertEqual(inc["change"], "DeleteBucketPublicAccessBlock: Block Public Access "
                         "weakened on %s, whose policy is public" % BUCKET)
        self.assertEqual(inc["action"]["before"], {"policyPublic": True,
                                                   "publicAccessBlock": None})
        self.assertEqual(inc["details"]["newPolicy"], json.loads(PUBLIC))
        self.assertEqual(inc["details"]["restoredPolicy"], json.loads(PRIVATE))
        self.assertEqual(self.pab_now(), ALL_ON)

    test_public_policy_is_reverted_with_an_incident = None
    test_without_an_earlier_policy_the_public_one_is_deleted = None
    test_a_policy_that_is_not_public_raises_nothing = None
    test_kill9_right_after_the_call = None



class Excluded(BucketPolicyRestore):
    server_args = ("--runbook-topic", TOPIC,
                   "--runbook-bucket-policy-restore-exclude", "other-bucket, " + BUCKET)

    def test_an_excluded_bucket_is_left_alone(self):
        self.put_public_as_mallory()
        self.runbooks_caught_up()
        self.assertEqual(self.incidents(), [])
        self.assertEqual(self.policy_now(), json.loads(PUBLIC))

    test_public_policy_is_reverted_with_an_incident = None
    test_without_an_earlier_policy_the_public_one_is_deleted = None
    test_a_policy_that_is_not_public_raises_nothing = None
    test_kill9_right_after_the_call = None


if __name__ == "__main__":
    main()

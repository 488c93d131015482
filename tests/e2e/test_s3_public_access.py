"""ISSUE12 item 4 (part A): Block Public Access and the bucket policy calls on the embedded S3.

Put/Get/DeletePublicAccessBlock with the real aws CLI and boto3 and their errors
(NoSuchPublicAccessBlockConfiguration, MalformedXML, NoSuchBucket, AccessDenied for another
account); what the settings enforce (BlockPublicPolicy refuses a public policy with 403
AccessDenied, RestrictPublicBuckets keeps other accounts out of a public bucket,
BlockPublicAcls refuses PutObject with a public x-amz-acl); the management events CloudTrail
writes for them (requestParameters.bucketPolicy as a JSON object,
PublicAccessBlockConfiguration with its namespace) found by LookupEvents; and the policy
history every change leaves (time, principal, eventID; a deletion as a version), across a
restart.
"""
import json
import os
import time

import boto3
import botocore.config
import botocore.exceptions

from otharness import ServerTestCase, main, signed_request

OWNER = "123456789012"
OTHER = "999999999999"
OTHER_KEY, OTHER_SECRET = "AKIAOTHERACCOUNT0002", "other-account-secret-0123456789abcdefghij"
BUCKET = "pab-bucket"
XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"


def policy(statement):
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


PUBLIC = policy({"Sid": "Everyone", "Effect": "Allow", "Principal": "*",
                 "Action": "s3:GetObject", "Resource": "arn:aws:s3:::%s/*" % BUCKET})
PRIVATE = policy({"Sid": "OtherAccount", "Effect": "Allow", "Principal": {"AWS": OTHER},
                  "Action": "s3:GetObject", "Resource": "arn:aws:s3:::%s/*" % BUCKET})
PINNED = policy({"Sid": "OnlyFromOneTrail", "Effect": "Allow", "Principal": {"AWS": "*"},
                 "Action": "s3:GetObject", "Resource": "arn:aws:s3:::%s/*" % BUCKET,
                 "Condition": {"StringEquals": {"aws:SourceAccount": OWNER}}})
ALL_ON = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
          "RestrictPublicBuckets": True}


class PublicAccessBlock(ServerTestCase):
    # the S3 semantics alone: the runbook that reverts public policies is tested on its own
    # (test_runbook_bucket_policy_restore.py)
    server_args = ("--runbook-bucket-policy-restore", "off")

    def setUp(self):
        super().setUp()
        self.server.stop()
        self.server.add_user("other", OTHER_KEY, OTHER_SECRET, OTHER)
        self.server.start()
        self.s3 = self.server.client("s3")
        self.s3.create_bucket(Bucket=BUCKET)
        self.s3.put_object(Bucket=BUCKET, Key="doc.txt", Body=b"hello")

    def other(self):
        return boto3.session.Session().client(
            "s3", region_name=self.server.region, endpoint_url=self.server.endpoint,
            aws_access_key_id=OTHER_KEY, aws_secret_access_key=OTHER_SECRET,
            config=botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"},
                                          s3={"addressing_style": "path"}))

    def error(self, fn, code, status, **kw):
        with self.assertRaises(botocore.exceptions.ClientError, msg=str(kw)) as cm:
            fn(**kw)
        err = cm.exception.response
        self.assertEqual((err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]),
                         (code, status), str(kw))
        return err["Error"]["Message"]

    def events(self, name, count=1):
        """The CloudTrail records of name (LookupEvents), oldest first, once count are there."""
        ct = self.server.client("cloudtrail")
        deadline = time.time() + 10
        while True:
            evs = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName",
                                                      "AttributeValue": name}])["Events"]
            if len(evs) >= count or time.time() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(len(evs), count, name)
        return [json.loads(e["CloudTrailEvent"]) for e in reversed(evs)]

    def test_cli_put_get_delete(self):
        s = self.server
        _, _, err = s.aws("s3api", "get-public-access-block", "--bucket", BUCKET, check=False)
        self.assertIn("NoSuchPublicAccessBlockConfiguration", err)
        s.aws("s3api", "put-public-access-block", "--bucket", BUCKET,
              "--public-access-block-configuration",
              "BlockPublicAcls=true,IgnorePublicAcls=false,BlockPublicPolicy=true")
        got = s.aws_json("s3api", "get-public-access-block", "--bucket", BUCKET)
        self.assertEqual(got, {"PublicAccessBlockConfiguration": {
            "BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": False}})
        s.aws("s3api", "delete-public-access-block", "--bucket", BUCKET)
        _, _, err = s.aws("s3api", "get-public-access-block", "--bucket", BUCKET, check=False)
        self.assertIn("NoSuchPublicAccessBlockConfiguration", err)
        s.aws("s3api", "delete-public-access-block", "--bucket", BUCKET)  # none: still fine

    def test_boto3_errors(self):
        s3 = self.s3
        msg = self.error(s3.get_public_access_block, "NoSuchPublicAccessBlockConfiguration",
                         404, Bucket=BUCKET)
        self.assertEqual(msg, "The public access block configuration was not found")
        for fn in (s3.get_public_access_block, s3.delete_public_access_block):
            self.error(fn, "NoSuchBucket", 404, Bucket="no-such-bucket")
        self.error(s3.put_public_access_block, "NoSuchBucket", 404, Bucket="no-such-bucket",
                   PublicAccessBlockConfiguration=ALL_ON)
        b = self.other()
        self.error(b.put_public_access_block, "AccessDenied", 403, Bucket=BUCKET,
                   PublicAccessBlockConfiguration={"BlockPublicPolicy": False})
        self.error(b.get_public_access_block, "AccessDenied", 403, Bucket=BUCKET)
        self.error(b.delete_public_access_block, "AccessDenied", 403, Bucket=BUCKET)
        s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration=ALL_ON)
        self.assertEqual(s3.get_public_access_block(Bucket=BUCKET)
                         ["PublicAccessBlockConfiguration"], ALL_ON)
        # bodies no SDK sends: not XML, a value that is no boolean, no root element
        for body in (b"not xml", b"<PublicAccessBlockConfiguration><BlockPublicAcls>yes"
                     b"</BlockPublicAcls></PublicAccessBlockConfiguration>",
                     b"<Other><BlockPublicAcls>true</BlockPublicAcls></Other>"):
            status, _, data = signed_request(self.server, "PUT", "/%s?publicAccessBlock" % BUCKET,
                                             body=body, service="s3")
            self.assertEqual(status, 400, body)
            self.assertIn(b"<Code>MalformedXML</Code>", data)
        # unchanged by the refused ones; gone with its bucket
        self.assertEqual(s3.get_public_access_block(Bucket=BUCKET)
                         ["PublicAccessBlockConfiguration"], ALL_ON)
        s3.delete_object(Bucket=BUCKET, Key="doc.txt")
        s3.delete_bucket(Bucket=BUCKET)
        s3.create_bucket(Bucket=BUCKET)
        self.error(s3.get_public_access_block, "NoSuchPublicAccessBlockConfiguration", 404,
                   Bucket=BUCKET)

    def test_block_public_policy(self):
        s3 = self.s3
        s3.put_public_access_block(Bucket=BUCKET,
                                   PublicAccessBlockConfiguration={"BlockPublicPolicy": True})
        self.assertEqual(self.error(s3.put_bucket_policy, "AccessDenied", 403, Bucket=BUCKET,
                                    Policy=PUBLIC), "Access Denied")
        self.error(s3.get_bucket_policy, "NoSuchBucketPolicy", 404, Bucket=BUCKET)
        s3.put_bucket_policy(Bucket=BUCKET, Policy=PRIVATE)   # not public: allowed
        s3.put_bucket_policy(Bucket=BUCKET, Policy=PINNED)    # "*" pinned to one account
        _, _, err = self.server.aws("s3api", "put-bucket-policy", "--bucket", BUCKET,
                                    "--policy", PUBLIC, check=False)
        self.assertIn("AccessDenied", err)
        self.assertEqual(json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"]),
                         json.loads(PINNED))
        # the refused call is recorded with its error and the policy it tried
        refused = [e for e in self.events("PutBucketPolicy", 4) if e.get("errorCode")]
        self.assertEqual([e["errorCode"] for e in refused], ["AccessDenied", "AccessDenied"])
        self.assertEqual(refused[0]["requestParameters"]["bucketPolicy"], json.loads(PUBLIC))
        # without BlockPublicPolicy the public policy goes in
        s3.delete_public_access_block(Bucket=BUCKET)
        s3.put_bucket_policy(Bucket=BUCKET, Policy=PUBLIC)

    def test_restrict_public_buckets_and_block_public_acls(self):
        s3, b = self.s3, self.other()
        s3.put_bucket_policy(Bucket=BUCKET, Policy=PUBLIC)
        self.assertEqual(b.get_object(Bucket=BUCKET, Key="doc.txt")["Body"].read(), b"hello")
        s3.put_public_access_block(Bucket=BUCKET,
                                   PublicAccessBlockConfiguration={"RestrictPublicBuckets": True})
        self.error(b.get_object, "AccessDenied", 403, Bucket=BUCKET, Key="doc.txt")
        self.assertEqual(s3.get_object(Bucket=BUCKET, Key="doc.txt")["Body"].read(), b"hello")
        s3.put_public_access_block(Bucket=BUCKET,
                                   PublicAccessBlockConfiguration={"BlockPublicAcls": True})
        self.assertEqual(b.get_object(Bucket=BUCKET, Key="doc.txt")["Body"].read(), b"hello")
        self.error(s3.put_object, "AccessDenied", 403, Bucket=BUCKET, Key="p.txt", Body=b"x",
                   ACL="public-read")
        s3.put_object(Bucket=BUCKET, Key="p.txt", Body=b"x", ACL="private")

    def test_audit_records(self):
        s3 = self.s3
        s3.put_bucket_policy(Bucket=BUCKET, Policy=PUBLIC)
        s3.get_bucket_policy(Bucket=BUCKET)
        s3.delete_bucket_policy(Bucket=BUCKET)
        s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "BlockPublicPolicy": False})
        s3.get_public_access_block(Bucket=BUCKET)
        s3.delete_public_access_block(Bucket=BUCKET)
        host = "127.0.0.1:%d" % self.server.port
        put = self.events("PutBucketPolicy")[0]
        self.assertEqual(put["requestParameters"], {
            "bucketName": BUCKET, "Host": host, "bucketPolicy": json.loads(PUBLIC), "policy": ""})
        for name, sub in (("GetBucketPolicy", "policy"), ("DeleteBucketPolicy", "policy"),
                          ("GetBucketPublicAccessBlock", "publicAccessBlock"),
                          ("DeleteBucketPublicAccessBlock", "publicAccessBlock")):
            rec = self.events(name)[0]
            self.assertEqual(rec["requestParameters"], {"bucketName": BUCKET, "Host": host,
                                                        sub: ""}, name)
            self.assertEqual(rec["readOnly"], name.startswith("Get"), name)
        pab = self.events("PutBucketPublicAccessBlock")[0]
        self.assertEqual(pab["requestParameters"], {
            "bucketName": BUCKET, "Host": host, "publicAccessBlock": "",
            "PublicAccessBlockConfiguration": {"xmlns": XMLNS, "BlockPublicAcls": True,
                                               "BlockPublicPolicy": False}})
        for rec in (put, pab):
            self.assertEqual((rec["eventSource"], rec["eventCategory"], rec["managementEvent"],
                              rec["readOnly"], rec["eventType"]),
                             ("s3.amazonaws.com", "Management", True, False, "AwsApiCall"))
            self.assertEqual(rec["resources"], [{"accountId": OWNER, "type": "AWS::S3::Bucket",
                                                 "ARN": "arn:aws:s3:::" + BUCKET}])
            self.assertNotIn("errorCode", rec)

    def test_policy_history(self):
        s3 = self.s3
        s3.put_bucket_policy(Bucket=BUCKET, Policy=PRIVATE)
        self.server.aws("s3api", "put-bucket-policy", "--bucket", BUCKET, "--policy", PUBLIC)
        s3.delete_bucket_policy(Bucket=BUCKET)
        puts = self.events("PutBucketPolicy", 2)
        delete = self.events("DeleteBucketPolicy")[0]
        self.server.restart()
        path = os.path.join(self.server.data_dir, "buckets", ".policy-history", BUCKET)
        with open(path) as f:
            versions = [json.loads(line) for line in f]
        self.assertEqual([v["policy"] for v in versions], [PRIVATE, PUBLIC, None])
        self.assertEqual([v["eventId"] for v in versions],
                         [puts[0]["eventID"], puts[1]["eventID"], delete["eventID"]])
        arn = puts[0]["userIdentity"]["arn"]
        self.assertTrue(arn.startswith("arn:aws:iam::%s:" % OWNER), arn)
        self.assertEqual([v["principal"] for v in versions], [arn] * 3)
        times = [time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(v["time"] // 1000))
                 for v in versions]
        self.assertEqual(times, [puts[0]["eventTime"], puts[1]["eventTime"],
                                 delete["eventTime"]])


if __name__ == "__main__":
    main()

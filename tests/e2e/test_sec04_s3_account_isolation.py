"""ISSUE8 item 4: account isolation in the embedded S3 API.

A second account (profile [other] in the data dir's credentials file, opentrail_account_id =
999999999999) must not see, read, write or delete the buckets of the server's account
(123456789012) — every bucket and object operation answers 403 AccessDenied, ListBuckets shows
only the caller's own buckets — unless the owner's bucket policy grants it. Policies are
validated (MalformedPolicy names what is unsupported), Deny wins even for the owner, and a trail
of another account may deliver into a bucket only if its policy allows the CloudTrail service
principal (InsufficientS3BucketPolicyException otherwise). A bucket without an owner record
(created before owners were recorded) belongs to the server's account.
"""
import json
import os
import time

import boto3
import botocore.config
import botocore.exceptions

from otharness import ServerTestCase, main

OWNER = "123456789012"
OTHER = "999999999999"
OTHER_KEY, OTHER_SECRET = "AKIAOTHERACCOUNT0001", "other-account-secret-0123456789abcdefghij"


def cloudtrail_policy(bucket, account, trail_arn):
    """CloudTrail's documented bucket policy (create-s3-bucket-policy-for-cloudtrail.html)."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AWSCloudTrailAclCheck", "Effect": "Allow",
             "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl",
             "Resource": "arn:aws:s3:::%s" % bucket,
             "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}}},
            {"Sid": "AWSCloudTrailWrite", "Effect": "Allow",
             "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
             "Resource": "arn:aws:s3:::%s/AWSLogs/%s/*" % (bucket, account),
             "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                            "aws:SourceArn": trail_arn}}},
        ]})


class AccountIsolation(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.server.stop()
        self.server.add_user("other", OTHER_KEY, OTHER_SECRET, OTHER)
        # a bucket made before owners were recorded: a bare directory, no owner attribute
        os.makedirs(os.path.join(self.server.data_dir, "buckets", "legacy-bucket"))
        self.server.start()
        self.a = self.server.client("s3")
        self.b = self.other("s3")
        self.a.create_bucket(Bucket="owner-bucket")
        self.a.put_object(Bucket="owner-bucket", Key="notes/a.txt", Body=b"secret")
        self.a.put_object(Bucket="owner-bucket", Key="shared/x.txt", Body=b"shared")

    def other(self, service, region=None):
        return boto3.session.Session().client(
            service, region_name=region or self.server.region, endpoint_url=self.server.endpoint,
            aws_access_key_id=OTHER_KEY, aws_secret_access_key=OTHER_SECRET,
            config=botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"},
                                          s3={"addressing_style": "path"}))

    def error(self, fn, code, status=None, **kw):
        with self.assertRaises(botocore.exceptions.ClientError, msg=str(kw)) as cm:
            fn(**kw)
        err = cm.exception.response
        if fn.__name__ in ("head_object", "head_bucket"):   # HEAD errors have no body
            self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], status or 403)
        else:
            self.assertEqual(err["Error"]["Code"], code, str(kw))
            if status:
                self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], status)
        return err

    def test_other_account_denied_everything(self):
        b, bk = self.b, "owner-bucket"
        names = [x["Name"] for x in b.list_buckets()["Buckets"]]
        self.assertEqual(names, [])
        b.create_bucket(Bucket="other-bucket")
        self.assertEqual([x["Name"] for x in b.list_buckets()["Buckets"]], ["other-bucket"])
        self.assertEqual(sorted(x["Name"] for x in self.a.list_buckets()["Buckets"]),
                         ["legacy-bucket", "owner-bucket"])
        for fn, kw in ((b.get_object, {"Key": "notes/a.txt"}), (b.head_object, {"Key": "notes/a.txt"}),
                       (b.put_object, {"Key": "notes/b.txt", "Body": b"x"}),
                       (b.delete_object, {"Key": "notes/a.txt"}), (b.list_objects_v2, {}),
                       (b.list_objects, {}), (b.head_bucket, {}), (b.delete_bucket, {}),
                       (b.get_bucket_location, {}), (b.get_bucket_policy, {}),
                       (b.delete_bucket_policy, {}),
                       (b.put_bucket_policy, {"Policy": cloudtrail_policy(bk, OTHER, "x")})):
            self.error(fn, "AccessDenied", 403, Bucket=bk, **kw)
        r = b.delete_objects(Bucket=bk, Delete={"Objects": [{"Key": "notes/a.txt"}]})
        self.assertEqual([(e["Key"], e["Code"]) for e in r["Errors"]], [("notes/a.txt", "AccessDenied")])
        self.error(b.create_bucket, "BucketAlreadyExists", 409, Bucket=bk)
        self.error(b.list_objects_v2, "AccessDenied", 403, Bucket="legacy-bucket")
        self.error(self.a.list_objects_v2, "NoSuchBucket", 404, Bucket="no-such-bucket")
        # nothing changed for the owner
        self.assertEqual(self.a.get_object(Bucket=bk, Key="notes/a.txt")["Body"].read(), b"secret")
        self.a.list_objects_v2(Bucket="legacy-bucket")
        # the real aws CLI with the other profile
        env = self.server.env()
        env["AWS_PROFILE"] = "other"
        rc, out, err = self.server.aws("s3", "cp", "s3://%s/notes/a.txt" % bk, "-", env=env, check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("403", err)
        _, out, _ = self.server.aws("s3", "ls", env=env)
        self.assertNotIn(bk, out)
        self.assertIn("other-bucket", out)

    def test_policy_grants_and_denies(self):
        a, b, bk = self.a, self.b, "owner-bucket"
        self.error(a.get_bucket_policy, "NoSuchBucketPolicy", 404, Bucket=bk)
        policy = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % OTHER},
             "Action": ["s3:GetObject", "s3:List*"],
             "Resource": ["arn:aws:s3:::%s/shared/*" % bk, "arn:aws:s3:::%s" % bk]},
            {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject",
             "Resource": "arn:aws:s3:::%s/shared/*" % bk}]})
        a.put_bucket_policy(Bucket=bk, Policy=policy)
        self.assertEqual(json.loads(a.get_bucket_policy(Bucket=bk)["Policy"]), json.loads(policy))
        self.assertEqual(b.get_object(Bucket=bk, Key="shared/x.txt")["Body"].read(), b"shared")
        contents = b.list_objects_v2(Bucket=bk, FetchOwner=True)["Contents"]
        self.assertIn("shared/x.txt", [o["Key"] for o in contents])
        self.assertEqual({o["Owner"]["DisplayName"] for o in contents}, {OWNER})  # not the caller
        self.error(b.get_object, "AccessDenied", 403, Bucket=bk, Key="notes/a.txt")
        self.error(b.put_object, "AccessDenied", 403, Bucket=bk, Key="shared/y.txt", Body=b"y")
        self.error(b.get_bucket_policy, "AccessDenied", 403, Bucket=bk)
        self.assertNotIn(bk, [x["Name"] for x in b.list_buckets()["Buckets"]])
        # an explicit Deny holds for the owner too
        self.error(a.delete_object, "AccessDenied", 403, Bucket=bk, Key="shared/x.txt")
        a.delete_object(Bucket=bk, Key="notes/a.txt")
        a.delete_bucket_policy(Bucket=bk)
        self.error(a.get_bucket_policy, "NoSuchBucketPolicy", 404, Bucket=bk)
        self.error(b.get_object, "AccessDenied", 403, Bucket=bk, Key="shared/x.txt")

    def test_malformed_policies_refused(self):
        bk = "owner-bucket"
        stmt = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::%s/*" % bk}
        cases = [
            ("{not json", "valid JSON"),
            (json.dumps({"Statement": [dict(stmt, Effect="Maybe")]}), "Effect"),
            (json.dumps({"Statement": [{k: v for k, v in stmt.items() if k != "Principal"}]}), "Principal"),
            (json.dumps({"Statement": [dict(stmt, NotPrincipal={"AWS": OTHER})]}), "NotPrincipal"),
            (json.dumps({"Statement": [dict(stmt, Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})]}), "IpAddress"),
            (json.dumps({"Statement": [dict(stmt, Condition={"StringEquals": {"aws:username": "x"}})]}), "aws:username"),
            (json.dumps({"Statement": [dict(stmt, Resource="arn:aws:s3:::another-bucket/*")]}), "resource"),
            (json.dumps({"Statement": [dict(stmt, Action="ec2:RunInstances")]}), "action"),
            (json.dumps({"Statement": [dict(stmt, Principal={"Federated": "x"})]}), "Federated"),
            (json.dumps({"Statement": [dict(stmt, Principal={"AWS": "alice"})]}), "principal"),
            (json.dumps({"Statement": []}), "Statement"),
        ]
        for doc, word in cases:
            err = self.error(self.a.put_bucket_policy, "MalformedPolicy", 400, Bucket=bk, Policy=doc)
            self.assertIn(word, err["Error"]["Message"], doc)
        self.error(self.a.get_bucket_policy, "NoSuchBucketPolicy", 404, Bucket=bk)

    def test_cross_account_trail_needs_the_bucket_policy(self):
        ct_b = self.other("cloudtrail")
        trail_arn = "arn:aws:cloudtrail:us-east-1:%s:trail/other-trail" % OTHER
        self.error(ct_b.create_trail, "InsufficientS3BucketPolicyException", 400,
                   Name="other-trail", S3BucketName="owner-bucket")
        # a policy for another trail's ARN does not do
        self.a.put_bucket_policy(Bucket="owner-bucket", Policy=cloudtrail_policy(
            "owner-bucket", OTHER, trail_arn.replace("other-trail", "someone-else")))
        self.error(ct_b.create_trail, "InsufficientS3BucketPolicyException", 400,
                   Name="other-trail", S3BucketName="owner-bucket")
        self.a.put_bucket_policy(Bucket="owner-bucket",
                                 Policy=cloudtrail_policy("owner-bucket", OTHER, trail_arn))
        ct_b.create_trail(Name="other-trail", S3BucketName="owner-bucket")
        # the grant is CloudTrail's, not the account's
        self.error(self.b.put_object, "AccessDenied", 403, Bucket="owner-bucket",
                   Key="AWSLogs/%s/x" % OTHER, Body=b"x")
        ct_b.start_logging(Name="other-trail")
        prefix = "AWSLogs/%s/CloudTrail/" % OTHER
        deadline = time.time() + 60
        while time.time() < deadline and not self.a.list_objects_v2(
                Bucket="owner-bucket", Prefix=prefix).get("KeyCount"):
            time.sleep(0.5)
        self.assertTrue(self.a.list_objects_v2(Bucket="owner-bucket", Prefix=prefix).get("KeyCount"),
                        "the other account's trail delivered nothing")
        # same-account trails need no policy (a documented deviation from AWS)
        self.server.client("cloudtrail").create_trail(Name="own-trail", S3BucketName="owner-bucket")
        self.b.create_bucket(Bucket="other-bucket")
        ct_b.create_trail(Name="other-own", S3BucketName="other-bucket")
        # and the owner's own trail may not go into the other account's bucket
        self.error(self.server.client("cloudtrail").create_trail, "InsufficientS3BucketPolicyException",
                   400, Name="into-other", S3BucketName="other-bucket")


if __name__ == "__main__":
    main()

"""End-to-end: the CloudTrail control plane (trails, logging status, tags, channels) driven by
the real aws CLI and boto3 against the real server, including every error path the handlers
implement (code and message), shadow trails seen from another region, and state surviving a
restart."""
import json
import re
import urllib.error
import urllib.request

import botocore.auth
import botocore.awsrequest
import botocore.credentials
from botocore.exceptions import ClientError

import otharness

ACCT = "123456789012"
TARGET = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."
BAD_CHARS = ("Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, "
             "periods (.), hyphens (-), and underscores (_).")


def trail_arn(name, region="us-east-1"):
    return "arn:aws:cloudtrail:%s:%s:trail/%s" % (region, ACCT, name)


class ControlPlaneCase(otharness.ServerTestCase):
    def setUp(self):
        super().setUp()
        self.ct = self.server.client("cloudtrail")
        self.ct_eu = self.server.client("cloudtrail", region="eu-west-1")
        self.s3 = self.server.client("s3")
        self.s3.create_bucket(Bucket="ct-logs")

    def assertError(self, code, message, fn, **kw):
        with self.assertRaises(ClientError) as cm:
            fn(**kw)
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], code, err)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        if isinstance(message, re.Pattern):
            self.assertRegex(err["Message"], message)
        elif message is not None:
            self.assertEqual(err["Message"], message)
        return err

    def raw(self, operation, body, region="us-east-1"):
        """A signed JSON-1.1 request with an arbitrary body: (status, parsed body)."""
        key, secret = otharness.read_credentials(self.server.credentials_file)
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        req = botocore.awsrequest.AWSRequest(
            method="POST", url=self.server.endpoint + "/", data=data,
            headers={"X-Amz-Target": TARGET + operation,
                     "Content-Type": "application/x-amz-json-1.1"})
        botocore.auth.SigV4Auth(botocore.credentials.Credentials(key, secret), "cloudtrail",
                                region).add_auth(req)
        r = urllib.request.Request(req.url, data=data, method="POST", headers=dict(req.headers))
        try:
            with urllib.request.urlopen(r, timeout=30) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def create(self, name, region="us-east-1", **kw):
        client = self.ct if region == "us-east-1" else self.server.client("cloudtrail", region=region)
        return client.create_trail(Name=name, S3BucketName="ct-logs", **kw)


class TestQuickstart(ControlPlaneCase):
    # No delivery may happen between start-logging and the status check, however slow the CLI is.
    delivery_interval = "1h"

    def test_quickstart_with_the_cli(self):
        s = self.server
        s.aws("s3api", "create-bucket", "--bucket", "ct-logs-demo")
        out = s.aws_json("cloudtrail", "create-trail", "--name", "demo-trail", "--s3-bucket-name",
                         "ct-logs-demo", "--is-multi-region-trail")
        self.assertEqual(out["TrailARN"], trail_arn("demo-trail"))
        self.assertTrue(out["IsMultiRegionTrail"])
        self.assertTrue(out["IncludeGlobalServiceEvents"])
        for absent in ("HomeRegion", "HasCustomEventSelectors", "HasInsightSelectors"):
            self.assertNotIn(absent, out)

        status = s.aws_json("cloudtrail", "get-trail-status", "--name", "demo-trail")
        self.assertFalse(status["IsLogging"])  # a new trail does not log until started
        self.assertNotIn("StartLoggingTime", status)
        self.assertEqual(status["TimeLoggingStarted"], "")

        rc, out_text, _ = s.aws("cloudtrail", "start-logging", "--name", "demo-trail")
        self.assertEqual((rc, out_text.strip()), (0, ""))
        status = s.aws_json("cloudtrail", "get-trail-status", "--name", "demo-trail")
        self.assertTrue(status["IsLogging"])
        self.assertIsInstance(status["StartLoggingTime"], (int, float))
        self.assertRegex(status["TimeLoggingStarted"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(status["TimeLoggingStopped"], "")
        for never in ("LatestDeliveryTime", "LatestDigestDeliveryTime", "StopLoggingTime",
                      "LatestDeliveryError"):
            self.assertNotIn(never, status)  # nothing was delivered: nothing is invented

        desc = s.aws_json("cloudtrail", "describe-trails")["trailList"]
        self.assertEqual(len(desc), 1)
        self.assertEqual(desc[0]["HomeRegion"], "us-east-1")
        self.assertFalse(desc[0]["HasCustomEventSelectors"])
        self.assertFalse(desc[0]["HasInsightSelectors"])
        self.assertEqual(desc[0]["S3BucketName"], "ct-logs-demo")

        trails = s.aws_json("cloudtrail", "list-trails")["Trails"]
        self.assertEqual(trails, [{"TrailARN": trail_arn("demo-trail"), "Name": "demo-trail",
                                   "HomeRegion": "us-east-1"}])

        s.aws("cloudtrail", "stop-logging", "--name", "demo-trail")
        status = s.aws_json("cloudtrail", "get-trail-status", "--name", "demo-trail")
        self.assertFalse(status["IsLogging"])
        self.assertGreaterEqual(status["StopLoggingTime"], status["StartLoggingTime"])
        self.assertRegex(status["TimeLoggingStopped"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

        rc, _, err = s.aws("cloudtrail", "get-trail", "--name", "nope-trail", check=False)
        self.assertEqual(rc, 255)
        self.assertRegex(err, r"An error occurred \(TrailNotFoundException\) when calling the "
                              r"GetTrail operation.*: " + re.escape(
                                  "Unknown trail: nope-trail for the user: %s" % ACCT))


class TestCreateTrail(ControlPlaneCase):
    def test_name_rules(self):
        cases = [
            ("ab", "Trail name too short. Minimum allowed length: 3 characters. Specified name "
                   "length: 2 characters."),
            ("a" * 129, "Trail name too long. Maximum allowed length: 128 characters. Specified "
                        "name length: 129 characters."),
            ("-trail", "Trail name must starts with a letter or number."),
            ("trail_", "Trail name must ends with a letter or number."),
            ("my trail", BAD_CHARS),
            ("my--namespace", "Trail name cannot contain adjacent periods (.), hyphens (-) or "
                              "underscores (_)."),
            ("my-_namespace", "Trail name cannot contain adjacent periods (.), hyphens (-) or "
                              "underscores (_)."),
            ("192.168.5.4", "Trail name cannot be formatted as an IP address."),
        ]
        for name, msg in cases:
            with self.subTest(name=name):
                self.assertError("InvalidTrailNameException", msg, self.create, name=name)
        self.assertEqual(self.ct.describe_trails()["trailList"], [])
        self.create("a" * 128)
        self.create("My.Trail_1-x")

    def test_parameter_errors(self):
        self.assertError("S3BucketDoesNotExistException", "S3 bucket no-such-bucket does not exist!",
                         self.ct.create_trail, Name="trail-1", S3BucketName="no-such-bucket")
        self.assertError("InvalidS3BucketNameException", re.compile("Bad_Bucket"),
                         self.ct.create_trail, Name="trail-1", S3BucketName="Bad_Bucket")
        self.assertError("InvalidS3PrefixException",
                         "S3 key prefix must be at most 200 characters (got 201).",
                         self.create, name="trail-1", S3KeyPrefix="p" * 201)
        self.assertError("InvalidS3PrefixException", re.compile("^Invalid S3 key prefix 'a//b'"),
                         self.create, name="trail-1", S3KeyPrefix="a//b")
        self.assertError("InvalidSnsTopicNameException", re.compile("Invalid SNS topic name"),
                         self.create, name="trail-1", SnsTopicName="bad topic")
        # The combination is checked before the bucket's existence.
        self.assertError("InvalidParameterCombinationException",
                         "Multi-Region trail must include global service events.",
                         self.ct.create_trail, Name="trail-1", S3BucketName="no-such-bucket",
                         IsMultiRegionTrail=True, IncludeGlobalServiceEvents=False)
        self.assertError("InvalidCloudWatchLogsLogGroupArnException",
                         "Check the log group ARN: CloudTrail can't validate it.",
                         self.create, name="trail-1", CloudWatchLogsLogGroupArn="nope",
                         CloudWatchLogsRoleArn="arn:aws:iam::123456789012:role/x")
        self.assertError("InvalidCloudWatchLogsRoleArnException",
                         "You must specify a role ARN as well as a log group.",
                         self.create, name="trail-1",
                         CloudWatchLogsLogGroupArn="arn:aws:logs:us-east-1:123456789012:log-group:g:*")
        self.assertError("InvalidParameterCombinationException", re.compile("together"),
                         self.create, name="trail-1",
                         CloudWatchLogsRoleArn="arn:aws:iam::123456789012:role/x")
        self.assertError("InvalidKmsKeyIdException", re.compile("350"), self.create, name="trail-1",
                         KmsKeyId="k" * 351)
        self.assertEqual(self.ct.describe_trails()["trailList"], [])  # nothing was created

        self.server.client("sns").create_topic(Name="topic")  # a trail's topic must exist
        out = self.create("trail-1", S3KeyPrefix="pfx/sub", SnsTopicName="topic", KmsKeyId="alias/k",
                          EnableLogFileValidation=True, IncludeGlobalServiceEvents=False)
        self.assertEqual(out["S3KeyPrefix"], "pfx/sub")
        self.assertEqual(out["SnsTopicARN"], "arn:aws:sns:us-east-1:%s:topic" % ACCT)
        self.assertTrue(out["LogFileValidationEnabled"])
        self.assertFalse(out["IncludeGlobalServiceEvents"])
        self.assertError("TrailAlreadyExistsException",
                         "Trail trail-1 already exists for customer: %s" % ACCT, self.create, name="trail-1")

    def test_five_trails_per_region_counting_multi_region_trails(self):
        self.create("multi-a", IsMultiRegionTrail=True)
        self.create("multi-b", region="eu-west-1", IsMultiRegionTrail=True)
        for i in range(3):
            self.create("west-%d" % i, region="us-west-2")
        self.assertError("MaximumNumberOfTrailsExceededException",
                         "User: %s already has 5 trails in us-west-2." % ACCT,
                         self.create, name="west-extra", region="us-west-2")
        # us-east-1 holds only the two multi-region trails: single-region trails still fit ...
        self.create("east-1")
        # ... but one more multi-region trail would be a sixth in us-west-2.
        self.assertError("MaximumNumberOfTrailsExceededException", None, self.create,
                         name="multi-c", IsMultiRegionTrail=True)
        self.assertError("MaximumNumberOfTrailsExceededException", None, self.ct.update_trail,
                         Name="east-1", IsMultiRegionTrail=True)
        self.ct.delete_trail(Name="multi-a")
        self.create("west-extra", region="us-west-2")

    def test_concurrent_creates_respect_the_limit(self):
        import concurrent.futures

        def attempt(i):
            client = self.server.client("cloudtrail")
            try:
                client.create_trail(Name="race-%d" % i, S3BucketName="ct-logs")
                return "ok"
            except ClientError as e:
                return e.response["Error"]["Code"]

        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(attempt, range(12)))
        self.assertEqual(results.count("ok"), 5, results)
        self.assertEqual(results.count("MaximumNumberOfTrailsExceededException"), 7, results)
        self.assertEqual(len(self.ct.list_trails()["Trails"]), 5)

    def test_organization_trail_gets_a_stable_org_id(self):
        out = self.create("org-trail", IsOrganizationTrail=True)
        self.assertTrue(out["IsOrganizationTrail"])
        trail = self.ct.get_trail(Name="org-trail")["Trail"]
        self.assertTrue(trail["IsOrganizationTrail"])


class TestTrailLookups(ControlPlaneCase):
    def test_name_or_arn(self):
        self.create("local-trail")
        self.assertEqual(self.ct.get_trail(Name=trail_arn("local-trail"))["Trail"]["Name"],
                         "local-trail")
        self.assertError("CloudTrailARNInvalidException", "Invalid trail ARN: arn:aws:cloudtrail:bogus",
                         self.ct.get_trail, Name="arn:aws:cloudtrail:bogus")
        self.assertError("CloudTrailARNInvalidException",
                         "Region in ARN is wrong, you can only access resources in region eu-west-1.",
                         self.ct_eu.get_trail, Name=trail_arn("local-trail"))
        other = "arn:aws:cloudtrail:us-east-1:210987654321:trail/local-trail"
        self.assertError("TrailNotFoundException",
                         "Unknown trail: %s for the user: %s" % (other, ACCT),
                         self.ct.get_trail_status, Name=other)
        self.assertError("InvalidTrailNameException", BAD_CHARS, self.ct.get_trail, Name="bad name")
        # GetTrailStatus names a trail given by name by its ARN here; the others repeat the name.
        for op in (self.ct.delete_trail, self.ct.start_logging, self.ct.stop_logging,
                   self.ct.get_trail_status, self.ct.update_trail):
            with self.subTest(op=op.__name__):
                ghost = trail_arn("ghost") if op == self.ct.get_trail_status else "ghost"
                self.assertError("TrailNotFoundException",
                                 "Unknown trail: %s for the user: %s" % (ghost, ACCT),
                                 op, Name="ghost")

    def test_shadow_trails_from_another_region(self):
        self.create("global-trail", IsMultiRegionTrail=True)
        self.create("local-trail")
        arn = trail_arn("global-trail")

        eu = self.ct_eu.describe_trails()["trailList"]
        self.assertEqual([t["Name"] for t in eu], ["global-trail"])
        self.assertEqual(eu[0]["HomeRegion"], "us-east-1")
        self.assertEqual(eu[0]["TrailARN"], arn)
        self.assertEqual(self.ct_eu.describe_trails(includeShadowTrails=False)["trailList"], [])
        self.assertEqual(self.ct_eu.describe_trails(trailNameList=[arn])["trailList"][0]["Name"],
                         "global-trail")
        # Names only match trails of the current region.
        self.assertEqual(self.ct_eu.describe_trails(trailNameList=["global-trail"])["trailList"], [])
        self.assertEqual([t["Name"] for t in self.ct.describe_trails(
            trailNameList=["local-trail", trail_arn("global-trail")])["trailList"]],
            ["global-trail", "local-trail"])
        self.assertError("CloudTrailARNInvalidException", None, self.ct.describe_trails,
                         trailNameList=["arn:aws:cloudtrail:x"])
        self.assertError("InvalidTrailNameException", None, self.ct.describe_trails,
                         trailNameList=["-bad"])

        self.assertEqual(self.ct_eu.list_trails()["Trails"],
                         [{"TrailARN": arn, "Name": "global-trail", "HomeRegion": "us-east-1"}])
        self.assertEqual(self.ct_eu.get_trail(Name=arn)["Trail"]["HomeRegion"], "us-east-1")
        self.assertFalse(self.ct_eu.get_trail_status(Name=arn)["IsLogging"])
        self.assertError("TrailNotFoundException",
                         "Unknown trail: global-trail for the user: %s" % ACCT,
                         self.ct_eu.get_trail, Name="global-trail")
        for op in (self.ct_eu.update_trail, self.ct_eu.delete_trail, self.ct_eu.start_logging,
                   self.ct_eu.stop_logging):
            with self.subTest(op=op.__name__):
                self.assertError("InvalidHomeRegionException", re.compile("home region us-east-1"),
                                 op, Name=arn)
        self.ct.start_logging(Name="global-trail")
        self.assertTrue(self.ct_eu.get_trail_status(Name=arn)["IsLogging"])

        # Turning the trail single-region removes its shadows.
        self.ct.update_trail(Name="global-trail", IsMultiRegionTrail=False)
        self.assertEqual(self.ct_eu.describe_trails()["trailList"], [])
        self.assertError("CloudTrailARNInvalidException", None, self.ct_eu.get_trail, Name=arn)


class TestUpdateDelete(ControlPlaneCase):
    def test_update_trail(self):
        self.s3.create_bucket(Bucket="ct-logs-2")
        self.create("upd", S3KeyPrefix="old")
        out = self.ct.update_trail(Name="upd", S3BucketName="ct-logs-2", S3KeyPrefix="",
                                   EnableLogFileValidation=True)
        self.assertEqual(out["S3BucketName"], "ct-logs-2")
        self.assertNotIn("S3KeyPrefix", out)
        self.assertTrue(out["LogFileValidationEnabled"])
        self.assertNotIn("HomeRegion", out)
        out = self.ct.update_trail(Name=trail_arn("upd"), IsMultiRegionTrail=True)
        self.assertTrue(out["IsMultiRegionTrail"])
        self.assertTrue(out["IncludeGlobalServiceEvents"])
        self.assertError("InvalidParameterCombinationException",
                         "Multi-Region trail must include global service events.",
                         self.ct.update_trail, Name="upd", IncludeGlobalServiceEvents=False)
        self.assertError("S3BucketDoesNotExistException", "S3 bucket gone-bucket does not exist!",
                         self.ct.update_trail, Name="upd", S3BucketName="gone-bucket")
        trail = self.ct.get_trail(Name="upd")["Trail"]
        self.assertEqual(trail["S3BucketName"], "ct-logs-2")  # refused updates changed nothing
        self.assertTrue(trail["IsMultiRegionTrail"])

    def test_delete_trail(self):
        self.create("doomed")
        self.ct.add_tags(ResourceId=trail_arn("doomed"), TagsList=[{"Key": "k", "Value": "v"}])
        self.ct.start_logging(Name="doomed")
        self.assertEqual(self.ct.delete_trail(Name="doomed")["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertError("TrailNotFoundException", None, self.ct.get_trail, Name="doomed")
        self.assertError("TrailNotFoundException", None, self.ct.delete_trail, Name="doomed")
        self.create("doomed")
        tags = self.ct.list_tags(ResourceIdList=[trail_arn("doomed")])["ResourceTagList"]
        self.assertEqual(tags, [{"ResourceId": trail_arn("doomed"), "TagsList": []}])

    def test_start_stop_are_idempotent(self):
        self.create("idem")
        self.ct.start_logging(Name="idem")
        first = self.ct.get_trail_status(Name="idem")["StartLoggingTime"]
        self.ct.start_logging(Name="idem")
        self.assertEqual(self.ct.get_trail_status(Name="idem")["StartLoggingTime"], first)
        self.ct.stop_logging(Name="idem")
        self.ct.stop_logging(Name="idem")
        self.assertFalse(self.ct.get_trail_status(Name="idem")["IsLogging"])


class TestTags(ControlPlaneCase):
    def test_tags(self):
        self.create("tagged")
        arn = trail_arn("tagged")
        self.ct.add_tags(ResourceId=arn, TagsList=[{"Key": "team", "Value": "sec"}, {"Key": "novalue"}])
        self.ct.add_tags(ResourceId=arn, TagsList=[{"Key": "team", "Value": "blue"}])
        got = self.ct.list_tags(ResourceIdList=[arn])["ResourceTagList"]
        self.assertEqual(got, [{"ResourceId": arn, "TagsList": [{"Key": "novalue"},
                                                                {"Key": "team", "Value": "blue"}]}])
        self.ct.remove_tags(ResourceId=arn, TagsList=[{"Key": "novalue"}])
        got = self.ct.list_tags(ResourceIdList=[arn])["ResourceTagList"][0]["TagsList"]
        self.assertEqual(got, [{"Key": "team", "Value": "blue"}])

        many = [{"Key": "k%02d" % i, "Value": "v"} for i in range(49)]
        self.ct.add_tags(ResourceId=arn, TagsList=many)  # 50 in all
        self.assertError("TagsLimitExceededException",
                         "The resource %s would have more than 50 tags." % arn,
                         self.ct.add_tags, ResourceId=arn, TagsList=[{"Key": "one-more"}])
        self.assertError("TagsLimitExceededException", re.compile("at most 50 tags"),
                         self.create, name="trail-2",
                         TagsList=[{"Key": "k%d" % i} for i in range(51)])
        self.assertError("InvalidTagParameterException", re.compile("aws: prefix is reserved"),
                         self.ct.add_tags, ResourceId=arn, TagsList=[{"Key": "aws:x", "Value": "v"}])
        self.assertError("InvalidTagParameterException", "Tag keys must be 1 to 128 characters long.",
                         self.ct.add_tags, ResourceId=arn, TagsList=[{"Key": "k" * 129}])
        self.assertError("InvalidTagParameterException", re.compile("Invalid value for tag"),
                         self.ct.add_tags, ResourceId=arn, TagsList=[{"Key": "k", "Value": "v" * 257}])
        ghost = trail_arn("ghost")
        self.assertError("ResourceNotFoundException", "Resource not found: %s" % ghost,
                         self.ct.add_tags, ResourceId=ghost, TagsList=[{"Key": "k"}])
        self.assertError("ResourceNotFoundException", None, self.ct.list_tags, ResourceIdList=[ghost])
        self.assertError("CloudTrailARNInvalidException", "Invalid resource ARN: tagged",
                         self.ct.add_tags, ResourceId="tagged", TagsList=[{"Key": "k"}])
        self.assertError("CloudTrailARNInvalidException", re.compile("Region in ARN is wrong"),
                         self.ct_eu.list_tags, ResourceIdList=[arn])
        self.assertError("InvalidParameterException", re.compile("at most 20"),
                         self.ct.list_tags, ResourceIdList=[arn] * 21)

        out = self.create("trail-3", TagsList=[{"Key": "created", "Value": "with-trail"}])
        got = self.ct.list_tags(ResourceIdList=[out["TrailARN"], arn])["ResourceTagList"]
        self.assertEqual(got[0]["TagsList"], [{"Key": "created", "Value": "with-trail"}])
        self.assertEqual(len(got[1]["TagsList"]), 50)


class TestChannels(ControlPlaneCase):
    def dest(self, name="chan-trail"):
        return [{"Type": "AWS_SERVICE", "Location": trail_arn(name)}]

    def test_channels(self):
        self.create("chan-trail")
        out = self.ct.create_channel(Name="app-events", Source="Custom", Destinations=self.dest(),
                                     Tags=[{"Key": "env", "Value": "test"}])
        arn = out["ChannelArn"]
        self.assertRegex(arn, r"^arn:aws:cloudtrail:us-east-1:%s:channel/[0-9a-f-]{36}$" % ACCT)
        self.assertEqual(out["Destinations"], self.dest())
        self.assertEqual(out["Tags"], [{"Key": "env", "Value": "test"}])
        got = self.ct.get_channel(Channel=arn)
        self.assertEqual((got["Name"], got["Source"], got["Destinations"]),
                         ("app-events", "Custom", self.dest()))
        self.assertEqual(got["IngestionStatus"], {})
        self.assertEqual(self.ct.get_channel(Channel=arn.split("/")[-1])["ChannelArn"], arn)
        self.assertEqual(self.ct.list_tags(ResourceIdList=[arn])["ResourceTagList"][0]["TagsList"],
                         [{"Key": "env", "Value": "test"}])

        self.assertError("ChannelAlreadyExistsException", "Channel app-events already exists.",
                         self.ct.create_channel, Name="app-events", Source="Custom",
                         Destinations=self.dest())
        self.assertError("InvalidSourceException", re.compile("Custom integrations only"),
                         self.ct.create_channel, Name="partner", Source="SomePartner",
                         Destinations=self.dest())
        self.assertError("InvalidParameterException",
                         "Event data stores are not supported yet: use a destination of Type "
                         "AWS_SERVICE whose Location is a trail ARN.",
                         self.ct.create_channel, Name="eds", Source="Custom",
                         Destinations=[{"Type": "EVENT_DATA_STORE",
                                        "Location": "arn:aws:cloudtrail:us-east-1:%s:eventdatastore/x" % ACCT}])
        self.assertError("InvalidParameterException",
                         "Destination trail %s does not exist in us-east-1 for the user: %s"
                         % (trail_arn("missing"), ACCT),
                         self.ct.create_channel, Name="chan-2", Source="Custom",
                         Destinations=self.dest("missing"))
        self.assertError("InvalidParameterException", re.compile("is not a trail ARN"),
                         self.ct.create_channel, Name="chan-2", Source="Custom",
                         Destinations=[{"Type": "AWS_SERVICE", "Location": "somewhere"}])
        self.assertError("InvalidParameterException", re.compile("Channel name"),
                         self.ct.create_channel, Name="bad name", Source="Custom",
                         Destinations=self.dest())

        self.assertError("ChannelARNInvalidException", "Invalid channel ARN: arn:aws:cloudtrail:nope",
                         self.ct.get_channel, Channel="arn:aws:cloudtrail:nope")
        self.assertError("ChannelARNInvalidException", re.compile("Region in ARN is wrong"),
                         self.ct_eu.get_channel, Channel=arn)
        missing = "arn:aws:cloudtrail:us-east-1:%s:channel/00000000-0000-4000-8000-000000000000" % ACCT
        self.assertError("ChannelNotFoundException", "Channel not found: %s" % missing,
                         self.ct.get_channel, Channel=missing)
        self.assertError("ChannelNotFoundException", None, self.ct.delete_channel, Channel=missing)
        self.assertError("ChannelNotFoundException", None, self.ct.add_tags, ResourceId=missing,
                         TagsList=[{"Key": "k"}])

        self.create("second-trail")
        out = self.ct.update_channel(Channel=arn, Name="renamed", Destinations=self.dest("second-trail"))
        self.assertEqual((out["Name"], out["Destinations"]), ("renamed", self.dest("second-trail")))
        second = self.ct.create_channel(Name="other", Source="Custom", Destinations=self.dest())
        self.assertError("ChannelAlreadyExistsException", None, self.ct.update_channel,
                         Channel=second["ChannelArn"], Name="renamed")

        page = self.ct.list_channels(MaxResults=1)
        self.assertEqual(len(page["Channels"]), 1)
        rest = self.ct.list_channels(MaxResults=1, NextToken=page["NextToken"])
        self.assertNotIn("NextToken", rest)
        self.assertEqual(sorted(c["Name"] for c in page["Channels"] + rest["Channels"]),
                         ["other", "renamed"])
        self.assertError("InvalidNextTokenException", None, self.ct.list_channels, NextToken="garbage")
        self.assertEqual(self.ct_eu.list_channels()["Channels"], [])

        self.ct.delete_channel(Channel=arn)
        self.assertError("ChannelNotFoundException", None, self.ct.get_channel, Channel=arn)
        self.assertError("ResourceNotFoundException", None, self.ct.list_tags, ResourceIdList=[arn])

    def test_channel_limit(self):
        self.create("chan-trail")
        for i in range(25):
            self.ct.create_channel(Name="ch-%02d" % i, Source="Custom", Destinations=self.dest())
        self.assertError("ChannelMaxLimitExceededException",
                         "You already have 25 channels in us-east-1.",
                         self.ct.create_channel, Name="ch-25", Source="Custom",
                         Destinations=self.dest())
        self.assertEqual(len(self.ct.list_channels()["Channels"]), 25)


class TestProtocol(ControlPlaneCase):
    def test_unknown_operation_and_malformed_requests(self):
        status, body = self.raw("NoSuchOperation", {})
        self.assertEqual((status, body["__type"]), (400, "UnknownOperationException"))
        status, body = self.raw("CreateTrail", b'{"Name": "x", ')
        self.assertEqual((status, body["__type"]), (400, "SerializationException"))
        self.assertRegex(body["message"], "^Malformed JSON request body")
        for bad in (b'{"Name": "t\xff1", "S3BucketName": "ct-logs"}', b"[" * 5000 + b"]" * 5000):
            status, body = self.raw("CreateTrail", bad)
            self.assertEqual((status, body["__type"]), (400, "SerializationException"))
        status, body = self.raw("CreateTrail", b'[1, 2]')
        self.assertEqual(body["__type"], "SerializationException")
        status, body = self.raw("CreateTrail", {"Name": "typed", "S3BucketName": "ct-logs",
                                                "IsMultiRegionTrail": "true"})
        self.assertEqual((status, body["__type"]), (400, "SerializationException"))
        self.assertEqual(body["message"],
                         "Unexpected string for member 'IsMultiRegionTrail': expected boolean.")
        status, body = self.raw("CreateTrail", {"Name": 5, "S3BucketName": "ct-logs"})
        self.assertEqual(body["__type"], "SerializationException")
        status, body = self.raw("DescribeTrails", {"trailNameList": "typed"})
        self.assertEqual(body["__type"], "SerializationException")
        status, body = self.raw("ListChannels", {"MaxResults": 1.5})
        self.assertEqual(body["__type"], "SerializationException")
        status, body = self.raw("ListChannels", {"MaxResults": 0})
        self.assertEqual(body["__type"], "InvalidParameterException")
        status, body = self.raw("AddTags", {"ResourceId": trail_arn("x"), "TagsList": [{"Key": 1}]})
        self.assertEqual(body["__type"], "SerializationException")
        status, body = self.raw("GetTrail", {"Name": "a\u0000bc"})
        self.assertEqual(body["__type"], "InvalidParameterException")

        # TrailNotProvidedException is "no longer in use" (the AWS model): a missing name is an
        # invalid one.
        status, body = self.raw("CreateTrail", {"S3BucketName": "ct-logs"})
        self.assertEqual((status, body["__type"]), (400, "InvalidTrailNameException"))
        for op in ("GetTrail", "GetTrailStatus", "StartLogging", "StopLogging", "DeleteTrail",
                   "UpdateTrail"):
            status, body = self.raw(op, {})
            self.assertEqual((body["__type"], body["message"]),
                             ("InvalidTrailNameException", "Trail name or ARN must be provided."),
                             op)
        status, body = self.raw("CreateTrail", {"Name": "no-bucket"})
        self.assertEqual((body["__type"], body["message"]),
                         ("InvalidParameterException", "S3BucketName must be provided."))
        for op, code in (("CreateChannel", "InvalidParameterException"),
                         ("GetChannel", "InvalidParameterException"),
                         ("AddTags", "InvalidParameterException"),
                         ("ListTags", "InvalidParameterException")):
            status, body = self.raw(op, {})
            self.assertEqual(body["__type"], code, op)
        self.assertEqual(self.ct.describe_trails()["trailList"], [])  # none of that created state

        # Bodies are optional for operations without parameters; responses are JSON 1.1.
        status, body = self.raw("ListTrails", b"")
        self.assertEqual((status, body), (200, {"Trails": []}))


class TestRestart(ControlPlaneCase):
    def test_state_survives_restart(self):
        self.create("durable", IsMultiRegionTrail=True, EnableLogFileValidation=True,
                    TagsList=[{"Key": "keep", "Value": "me"}])
        self.ct.start_logging(Name="durable")
        started = self.ct.get_trail_status(Name="durable")["StartLoggingTime"]
        chan = self.ct.create_channel(Name="kept", Source="Custom",
                                      Destinations=[{"Type": "AWS_SERVICE",
                                                     "Location": trail_arn("durable")}])
        self.assertEqual(self.server.restart(), 0)
        ct = self.server.client("cloudtrail")
        trail = ct.get_trail(Name="durable")["Trail"]
        self.assertTrue(trail["IsMultiRegionTrail"])
        self.assertTrue(trail["LogFileValidationEnabled"])
        status = ct.get_trail_status(Name="durable")
        self.assertTrue(status["IsLogging"])
        self.assertEqual(status["StartLoggingTime"], started)
        self.assertEqual(ct.list_tags(ResourceIdList=[trail_arn("durable")])["ResourceTagList"][0]
                         ["TagsList"], [{"Key": "keep", "Value": "me"}])
        self.assertEqual(ct.get_channel(Channel=chan["ChannelArn"])["Name"], "kept")
        eu = self.server.client("cloudtrail", region="eu-west-1")
        self.assertEqual(eu.list_trails()["Trails"][0]["HomeRegion"], "us-east-1")


if __name__ == "__main__":
    otharness.main()

"""AWS-exact answers: error codes and messages word for word, a new trail's event selectors, and
the StopLogging event in the stopped trail's last log file.

Each expected message is AWS's own text where it is public; the source is named next to it."""
import subprocess
import time

from botocore.exceptions import ClientError

import otharness
from otlogs import all_log_objects, read_all_records

ACCT = "123456789012"


def arn(name, region="us-east-1"):
    return "arn:aws:cloudtrail:%s:%s:trail/%s" % (region, ACCT, name)


def unknown(trail):
    return "Unknown trail: %s for the user: %s" % (trail, ACCT)


class AwsExactCase(otharness.ServerTestCase):
    def setUp(self):
        super().setUp()
        self.ct = self.server.client("cloudtrail")
        self.ct_eu = self.server.client("cloudtrail", region="eu-west-1")
        self.server.client("s3").create_bucket(Bucket="logs")

    def assertError(self, code, message, fn, **kw):
        with self.assertRaises(ClientError) as cm:
            fn(**kw)
        err = cm.exception.response["Error"]
        self.assertEqual((err["Code"], err["Message"]), (code, message))

    def cli_error(self, *args):
        """stderr of a failing aws CLI call, with the CLI's default retry settings (so no
        "(reached max retries: …)" is added to the line)."""
        env = self.server.env()
        for k in ("AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"):
            env.pop(k, None)
        p = subprocess.run([otharness.AWS] + list(args), env=env, capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(p.returncode, 255, p.stderr)
        return p.stderr.strip()


class TestTrailNotFound(AwsExactCase):
    def test_cli_lines(self):
        # GetTrail repeats the name (real AWS, and moto's test_get_trail_unknown);
        # GetTrailStatus names the ARN in the request's region (real AWS:
        # https://github.com/elastic/cloudbeat/issues/1750; moto's
        # test_get_trail_status_unknown_trail).
        self.assertEqual(self.cli_error("cloudtrail", "get-trail", "--name", "nope"),
                         "An error occurred (TrailNotFoundException) when calling the GetTrail "
                         "operation: " + unknown("nope"))
        self.assertEqual(self.cli_error("cloudtrail", "get-trail-status", "--name", "nope"),
                         "An error occurred (TrailNotFoundException) when calling the "
                         "GetTrailStatus operation: " + unknown(arn("nope")))

    def test_every_trail_operation(self):
        ct = self.ct
        by_name = [(ct.get_trail, "Name"), (ct.update_trail, "Name"), (ct.delete_trail, "Name"),
                   (ct.start_logging, "Name"), (ct.stop_logging, "Name"),
                   (ct.put_event_selectors, "TrailName")]
        for op, member in by_name:
            with self.subTest(op=op.__name__):
                kw = {member: "ghost"}
                if op == ct.put_event_selectors:
                    kw["EventSelectors"] = [{"ReadWriteType": "All"}]
                self.assertError("TrailNotFoundException", unknown("ghost"), op, **kw)
        # These two name a trail given by name by its ARN in the request's region
        # (GetEventSelectors: https://github.com/aws/aws-sdk-go-v2/issues/1957).
        self.assertError("TrailNotFoundException", unknown(arn("ghost")), ct.get_trail_status,
                         Name="ghost")
        self.assertError("TrailNotFoundException", unknown(arn("ghost")),
                         ct.get_event_selectors, TrailName="ghost")
        self.assertError("TrailNotFoundException", unknown(arn("ghost", "eu-west-1")),
                         self.ct_eu.get_event_selectors, TrailName="ghost")
        # An ARN is repeated as given, by every operation.
        for op, member in ((ct.get_trail, "Name"), (ct.get_trail_status, "Name"),
                           (ct.delete_trail, "Name"), (ct.get_event_selectors, "TrailName")):
            with self.subTest(op=op.__name__, by="arn"):
                self.assertError("TrailNotFoundException", unknown(arn("ghost")), op,
                                 **{member: arn("ghost")})

    def test_multi_region_trail_by_name_from_another_region(self):
        # aws/aws-sdk-go-v2#1957: the trail's name, from a region that is not its home, is not
        # found, and the message names the ARN in that region.
        self.ct.create_trail(Name="org-wide", S3BucketName="logs", IsMultiRegionTrail=True)
        self.assertError("TrailNotFoundException", unknown(arn("org-wide", "eu-west-1")),
                         self.ct_eu.get_event_selectors, TrailName="org-wide")
        self.assertEqual(self.ct_eu.get_event_selectors(TrailName=arn("org-wide"))["TrailARN"],
                         arn("org-wide"))

    def test_arn_of_another_region(self):
        # https://github.com/aws/aws-sdk-java/issues/1309
        self.ct.create_trail(Name="home-only", S3BucketName="logs")
        self.assertError("CloudTrailARNInvalidException",
                         "Region in ARN is wrong, you can only access resources in region "
                         "eu-west-1.", self.ct_eu.get_trail, Name=arn("home-only"))


class TestTagErrors(AwsExactCase):
    def test_arn_of_another_account_or_region(self):
        # https://github.com/prowler-cloud/prowler/pull/2025 and
        # https://github.com/cloudquery/cq-provider-aws/issues/236
        self.ct.create_trail(Name="tag-trail", S3BucketName="logs")
        foreign = "arn:aws:cloudtrail:us-east-1:210987654321:trail/tag-trail"
        self.assertError("CloudTrailARNInvalidException",
                         "AccountID in ARN is wrong, you can only access resources with AccountID "
                         "%s." % ACCT, self.ct.list_tags, ResourceIdList=[foreign])
        self.assertError("CloudTrailARNInvalidException",
                         "AccountID in ARN is wrong, you can only access resources with AccountID "
                         "%s." % ACCT, self.ct.add_tags, ResourceId=foreign,
                         TagsList=[{"Key": "k"}])
        self.assertError("CloudTrailARNInvalidException",
                         "Region in ARN is wrong, you can only access resources in region "
                         "eu-west-1.", self.ct_eu.list_tags, ResourceIdList=[arn("tag-trail")])


class TestCreateTrailErrors(AwsExactCase):
    def test_known_messages(self):
        # moto's tests/test_cloudtrail/test_cloudtrail.py, whose texts mirror AWS's.
        ct = self.ct
        self.assertError("S3BucketDoesNotExistException",
                         "S3 bucket specificweirdbucketthatdoesnotexist does not exist!",
                         ct.create_trail, Name="mytrailname",
                         S3BucketName="specificweirdbucketthatdoesnotexist")
        self.assertError("InvalidParameterCombinationException",
                         "Multi-Region trail must include global service events.",
                         ct.create_trail, Name="mytrailname", S3BucketName="non-existent",
                         IncludeGlobalServiceEvents=False, IsMultiRegionTrail=True)
        names = [
            ("a", "Trail name too short. Minimum allowed length: 3 characters. Specified name "
                  "length: 1 characters."),
            ("a" * 129, "Trail name too long. Maximum allowed length: 128 characters. Specified "
                        "name length: 129 characters."),
            ("trail!", "Trail name must ends with a letter or number."),
            ("my#trail", "Trail name or ARN can only contain uppercase letters, lowercase "
                         "letters, numbers, periods (.), hyphens (-), and underscores (_)."),
            ("-trail", "Trail name must starts with a letter or number."),
        ]
        for name, message in names:
            with self.subTest(name=name):
                self.assertError("InvalidTrailNameException", message, ct.create_trail,
                                 Name=name, S3BucketName="logs")
        self.assertError("InvalidTrailNameException", names[0][1], ct.get_trail_status, Name="?")
        # https://github.com/trussworks/terraform-aws-cloudtrail/issues/238
        ct.create_trail(Name="dup-trail", S3BucketName="logs")
        self.assertError("TrailAlreadyExistsException",
                         "Trail dup-trail already exists for customer: %s" % ACCT,
                         ct.create_trail, Name="dup-trail", S3BucketName="logs")

    def test_cloudwatch_logs_messages(self):
        # https://github.com/hashicorp/terraform-provider-aws/issues/148 and
        # https://github.com/hashicorp/terraform-provider-aws/issues/18038
        self.assertError("InvalidCloudWatchLogsRoleArnException",
                         "You must specify a role ARN as well as a log group.",
                         self.ct.create_trail, Name="cw-trail", S3BucketName="logs",
                         CloudWatchLogsLogGroupArn="arn:aws:logs:us-east-1:%s:log-group:g:*" % ACCT)
        self.assertError("InvalidCloudWatchLogsLogGroupArnException",
                         "Check the log group ARN: CloudTrail can't validate it.",
                         self.ct.create_trail, Name="cw-trail", S3BucketName="logs",
                         CloudWatchLogsLogGroupArn="log-group-g",
                         CloudWatchLogsRoleArn="arn:aws:iam::%s:role/ct" % ACCT)

    def test_event_selector_messages(self):
        # https://github.com/aws/aws-cdk/issues/3450 and
        # https://github.com/aws-solutions/aws-crr-monitor/issues/7
        self.ct.create_trail(Name="sel-trail", S3BucketName="logs")
        self.assertError("InvalidEventSelectorsException",
                         "Value arn:aws:s3:::* for DataResources.Values is invalid.",
                         self.ct.put_event_selectors, TrailName="sel-trail",
                         EventSelectors=[{"DataResources": [{"Type": "AWS::S3::Object",
                                                             "Values": ["arn:aws:s3:::*"]}]}])
        values = ["arn:aws:s3:::bucket-%d/" % i for i in range(251)]
        self.assertError("InvalidEventSelectorsException",
                         "Specify a valid number of DataResources.Values (0 to 250) for all your "
                         "selectors", self.ct.put_event_selectors, TrailName="sel-trail",
                         EventSelectors=[{"DataResources": [{"Type": "AWS::S3::Object",
                                                             "Values": values}]}])


class TestNewTrailSelectors(AwsExactCase):
    def test_basic_default_selector(self):
        # What AWS answers for a trail never given selectors (the API reference's default:
        # management events, read and write, no data events).
        self.ct.create_trail(Name="fresh-trail", S3BucketName="logs")
        for ref in ("fresh-trail", arn("fresh-trail")):
            got = self.ct.get_event_selectors(TrailName=ref)
            got.pop("ResponseMetadata")
            self.assertEqual(got, {"TrailARN": arn("fresh-trail"), "EventSelectors": [
                {"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": [],
                 "ExcludeManagementEventSources": []}]})
        desc = self.ct.describe_trails(trailNameList=["fresh-trail"])["trailList"][0]
        self.assertFalse(desc["HasCustomEventSelectors"])


class TestStopLoggingInLastFile(AwsExactCase):
    def history(self, name, want):
        """LookupEvents for name, waiting (the history is fed from the WAL) for want events."""
        deadline = time.time() + 30
        while True:
            try:
                events = self.ct.lookup_events(LookupAttributes=[
                    {"AttributeKey": "EventName", "AttributeValue": name}])["Events"]
            except ClientError as e:
                if e.response["Error"]["Code"] != "ThrottlingException":
                    raise
                events = []
            if len(events) >= want or time.time() > deadline:
                time.sleep(1)   # and nothing more comes
                return self.ct.lookup_events(LookupAttributes=[
                    {"AttributeKey": "EventName", "AttributeValue": name}])["Events"]
            time.sleep(0.6)

    def trail_files(self, s3):
        keys = sorted(all_log_objects(s3, "logs"))
        return [(k, [r for key, r in read_all_records(s3, "logs") if key == k]) for k in keys]

    def test_stop_logging_event_is_in_the_final_file(self):
        s = self.server
        ct, s3 = self.ct, s.client("s3")
        ct.create_trail(Name="stopper", S3BucketName="logs")
        ct.start_logging(Name="stopper")
        ct.describe_trails()
        ct.stop_logging(Name="stopper")
        # After the stop: neither these calls nor a kill -9 and restart put anything more in
        # its files, and nothing in them is lost.
        ct.get_trail_status(Name="stopper")
        ct.list_trails()
        before = {k for k, _ in self.trail_files(s3)}
        s.kill9()
        s.start()
        s3 = s.client("s3")
        files = self.trail_files(s3)
        self.assertEqual({k for k, _ in files}, before, "a file was delivered after the stop")
        records = [r for _, recs in files for r in recs]
        names = [r["eventName"] for r in records]
        self.assertEqual(names.count("StopLogging"), 1)
        self.assertIn("StartLogging", names)
        self.assertIn("DescribeTrails", names)
        self.assertNotIn("GetTrailStatus", names)
        self.assertNotIn("ListTrails", names)
        # The StopLogging event ends its file, and no file holds a later event.
        last = [recs for _, recs in files if any(r["eventName"] == "StopLogging" for r in recs)][0]
        stop = last[-1]
        self.assertEqual(stop["eventName"], "StopLogging")
        self.assertTrue(all(r["eventTime"] <= stop["eventTime"] for r in records))
        self.assertEqual(stop["requestParameters"], {"name": "stopper"})
        self.assertIsNone(stop["responseElements"])
        self.assertNotIn("errorCode", stop)
        self.assertFalse(stop["readOnly"])
        # The call was recorded once, also in the event history.
        self.assertEqual(len(self.history("StopLogging", 1)), 1)

    def test_stopping_a_stopped_trail_is_audited_once(self):
        ct = self.ct
        ct.create_trail(Name="idle-trail", S3BucketName="logs")
        ct.stop_logging(Name="idle-trail")
        ct.stop_logging(Name="idle-trail")
        self.assertEqual(len(self.history("StopLogging", 2)), 2)
        self.assertEqual(all_log_objects(self.server.client("s3"), "logs"), [])


if __name__ == "__main__":
    otharness.main()

"""Issue 12 item 7, first part: PutInsightSelectors / GetInsightSelectors on trails, driven
with the real aws CLI and boto3. The selectors are stored with the trail (DescribeTrails shows
HasInsightSelectors), an empty list turns Insights off, each error path answers with AWS's
error code, another account's trail is not found, and the calls are recorded as events.
"""
import json
import time

import boto3
import botocore.config

from otharness import ServerTestCase, main

ACCOUNT = "123456789012"
TRAIL = "ins-trail"
TRAIL_ARN = "arn:aws:cloudtrail:us-east-1:%s:trail/%s" % (ACCOUNT, TRAIL)
OTHER = "999999999999"
OTHER_KEY, OTHER_SECRET = "AKIAOTHERINSIGHTS001", "other-insights-secret-0123456789abcdefgh"
CALL = {"InsightType": "ApiCallRateInsight"}
ERROR = {"InsightType": "ApiErrorRateInsight"}
NO_INSIGHTS = ("Trail %s does not have Insights enabled. Edit the trail settings to enable "
               "Insights, and then try the operation again." % TRAIL_ARN)


class InsightSelectors(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.ct = self.server.client("cloudtrail")
        self.server.client("s3").create_bucket(Bucket="ins-bucket")
        self.ct.create_trail(Name=TRAIL, S3BucketName="ins-bucket")



    def has_insights(self):
        return self.ct.describe_trails(trailNameList=[TRAIL])["trailList"][0][
            "HasInsightSelectors"]

    def test_set_get_replace_and_turn_off(self):
        s = self.server
        self.assertFalse(self.has_insights())
        out = s.aws_json("cloudtrail", "put-insight-selectors", "--trail-name", TRAIL,
                         "--insight-selectors", json.dumps([CALL]))
        self.assertEqual(out, {"TrailARN": TRAIL_ARN, "InsightSelectors": [CALL]})
        for ref in (TRAIL, TRAIL_ARN):
            out = s.aws_json("cloudtrail", "get-insight-selectors", "--trail-name", ref)
            self.assertEqual(out, {"TrailARN": TRAIL_ARN, "InsightSelectors": [CALL]})
        self.assertTrue(self.has_insights())
        self.assertTrue(self.ct.get_trail(Name=TRAIL)["Trail"]["HasInsightSelectors"])
        # UpdateTrail keeps them
        self.ct.update_trail(Name=TRAIL, IncludeGlobalServiceEvents=False)
        self.assertTrue(self.has_insights())
        # replace (by ARN, with boto3): both types, the order given kept
        r = self.ct.put_insight_selectors(TrailName=TRAIL_ARN, InsightSelectors=[ERROR, CALL])
        self.assertEqual(r["InsightSelectors"], [ERROR, CALL])
        r = self.ct.get_insight_selectors(TrailName=TRAIL)
        self.assertEqual((r["TrailARN"], r["InsightSelectors"]), (TRAIL_ARN, [ERROR, CALL]))
        # EventCategories are kept as given
        cats = dict(ERROR, EventCategories=["Management"])
        self.ct.put_insight_selectors(TrailName=TRAIL, InsightSelectors=[cats])
        self.assertEqual(self.ct.get_insight_selectors(TrailName=TRAIL)["InsightSelectors"],
                         [cats])
        # survives a restart (state.db)
        s.restart()
        self.ct = s.client("cloudtrail")
        self.assertEqual(self.ct.get_insight_selectors(TrailName=TRAIL)["InsightSelectors"],
                         [cats])
        # an empty list turns Insights off
        out = s.aws_json("cloudtrail", "put-insight-selectors", "--trail-name", TRAIL,
                         "--insight-selectors", "[]")
        self.assertEqual(out, {"TrailARN": TRAIL_ARN, "InsightSelectors": []})
        self.assertFalse(self.has_insights())
        self.assertEqual(self.client_error(self.ct.get_insight_selectors, TrailName=TRAIL),
                         ("InsightNotEnabledException", NO_INSIGHTS))

    def test_deleted_trail_recreated_starts_without_insights(self):
        self.ct.put_insight_selectors(TrailName=TRAIL, InsightSelectors=[CALL])
        self.ct.delete_trail(Name=TRAIL)
        self.ct.create_trail(Name=TRAIL, S3BucketName="ins-bucket")
        self.assertFalse(self.has_insights())
        code, _ = self.client_error(self.ct.get_insight_selectors, TrailName=TRAIL)
        self.assertEqual(code, "InsightNotEnabledException")

    def test_errors(self):
        put = self.ct.put_insight_selectors
        # unknown trail, by name and by ARN
        self.assertEqual(self.client_error(put, TrailName="no-such", InsightSelectors=[CALL]),
                         ("TrailNotFoundException",
                          "Unknown trail: no-such for the user: %s" % ACCOUNT))
        missing = TRAIL_ARN.replace(TRAIL, "no-such")
        code, _ = self.client_error(self.ct.get_insight_selectors, TrailName=missing)
        self.assertEqual(code, "TrailNotFoundException")
        # bad and duplicate types (the CLI sends what it is given)
        rc, _, err = self.server.aws("cloudtrail", "put-insight-selectors", "--trail-name",
                                     TRAIL, "--insight-selectors",
                                     '[{"InsightType":"ApiCallRate"}]', check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("(InvalidInsightSelectorsException)", err)
        code, msg = self.client_error(put, TrailName=TRAIL, InsightSelectors=[CALL, CALL])
        self.assertEqual(code, "InvalidInsightSelectorsException")
        self.assertIn("Duplicate InsightType: ApiCallRateInsight", msg)
        code, _ = self.client_error(put, TrailName=TRAIL, InsightSelectors=[{}])
        self.assertEqual(code, "InvalidInsightSelectorsException")
        code, _ = self.client_error(put, TrailName=TRAIL, InsightSelectors=[
            dict(CALL, EventCategories=["Management", "Management"])])
        self.assertEqual(code, "InvalidInsightSelectorsException")
        code, _ = self.client_error(put, TrailName=TRAIL, InsightSelectors=[
            dict(CALL, EventCategories=["Insight"])])
        self.assertEqual(code, "InvalidInsightSelectorsException")
        # a failed Put changed nothing
        self.assertFalse(self.has_insights())
        # bad names, ARNs, combinations, missing members (raw: the SDKs refuse to send them)
        code, _ = self.client_error(put, TrailName="a", InsightSelectors=[CALL])
        self.assertEqual(code, "InvalidTrailNameException")
        code, _ = self.client_error(put, TrailName="arn:aws:cloudtrail:us-east-1:1:trail/x",
                                  InsightSelectors=[CALL])
        self.assertEqual(code, "CloudTrailARNInvalidException")
        code, _ = self.client_error(put, TrailName=TRAIL, InsightSelectors=[CALL],
                                  EventDataStore="EXAMPLE-f852-4e8f-8bd1")
        self.assertEqual(code, "InvalidParameterCombinationException")
        self.assertEqual(self.cloudtrail_raw("PutInsightSelectors", {"TrailName": TRAIL})[:2],
                         (400, "InvalidInsightSelectorsException"))
        self.assertEqual(self.cloudtrail_raw("PutInsightSelectors", {"InsightSelectors": [CALL]})[:2],
                         (400, "InvalidParameterException"))
        self.assertEqual(self.cloudtrail_raw("PutInsightSelectors",
                                  {"TrailName": TRAIL, "InsightSelectors": "x"})[:2],
                         (400, "SerializationException"))
        self.assertEqual(self.cloudtrail_raw("PutInsightSelectors",
                                  {"TrailName": TRAIL, "InsightSelectors": [1]})[:2],
                         (400, "SerializationException"))
        self.assertEqual(self.cloudtrail_raw("PutInsightSelectors",
                                  {"TrailName": TRAIL,
                                   "InsightSelectors": [{"InsightType": 7}]})[:2],
                         (400, "SerializationException"))
        # a trail's shadow in another region cannot be changed there
        self.ct.update_trail(Name=TRAIL, IsMultiRegionTrail=True)
        west = self.server.client("cloudtrail", region="eu-west-1")
        code, _ = self.client_error(west.put_insight_selectors, TrailName=TRAIL_ARN,
                                  InsightSelectors=[CALL])
        self.assertEqual(code, "InvalidHomeRegionException")

    def test_other_account_does_not_see_the_trail(self):
        self.server.stop()
        self.server.add_user("other", OTHER_KEY, OTHER_SECRET, OTHER)
        self.server.start()
        self.ct = self.server.client("cloudtrail")
        self.ct.put_insight_selectors(TrailName=TRAIL, InsightSelectors=[CALL])
        other = boto3.session.Session().client(
            "cloudtrail", region_name=self.server.region, endpoint_url=self.server.endpoint,
            aws_access_key_id=OTHER_KEY, aws_secret_access_key=OTHER_SECRET,
            config=botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"}))
        for call, kw in ((other.get_insight_selectors, {}),
                         (other.put_insight_selectors, {"InsightSelectors": []})):
            code, _ = self.client_error(call, TrailName=TRAIL_ARN, **kw)
            self.assertEqual(code, "TrailNotFoundException")
        # still on for its owner
        self.assertEqual(self.ct.get_insight_selectors(TrailName=TRAIL)["InsightSelectors"],
                         [CALL])

    def test_calls_are_recorded(self):
        self.server.aws("cloudtrail", "put-insight-selectors", "--trail-name", TRAIL,
                        "--insight-selectors", json.dumps([CALL]))
        self.ct.get_insight_selectors(TrailName=TRAIL)
        found = {}
        deadline = time.time() + 10
        while time.time() < deadline and len(found) < 2:
            for name in ("PutInsightSelectors", "GetInsightSelectors"):
                evs = self.server.aws_json(
                    "cloudtrail", "lookup-events", "--lookup-attributes",
                    "AttributeKey=EventName,AttributeValue=%s" % name)["Events"]
                if evs:
                    found[name] = evs
            time.sleep(0.1)
        put = found["PutInsightSelectors"]
        self.assertEqual(len(put), 1)
        self.assertEqual(put[0]["EventSource"], "cloudtrail.amazonaws.com")
        self.assertEqual(put[0]["ReadOnly"], "false")
        rec = json.loads(put[0]["CloudTrailEvent"])
        self.assertEqual(rec["eventCategory"], "Management")
        self.assertEqual(rec["requestParameters"],
                         {"trailName": TRAIL,
                          "insightSelectors": [{"insightType": "ApiCallRateInsight"}]})
        self.assertEqual(rec["responseElements"]["trailARN"], TRAIL_ARN)
        self.assertEqual(found["GetInsightSelectors"][0]["ReadOnly"], "true")


if __name__ == "__main__":
    main()

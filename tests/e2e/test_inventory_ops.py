"""ISSUE10 item 9 (inventory calls): the read-only CloudTrail calls compliance tools make on
every account answer as AWS does for an account without CloudTrail Lake, imports, dashboards,
Insights or resource policies — an empty list, or the "not found" error of what was asked for
— instead of UnknownOperationException. Each is driven with the real aws CLI and with boto3,
and its members are checked as the botocore model states (required members, enums, ranges)
with raw signed requests, since the SDKs refuse to send a call without its required members.
"""
import json
import time


from otharness import ServerTestCase, main

ACCOUNT = "123456789012"
TRAIL_ARN = "arn:aws:cloudtrail:us-east-1:%s:trail/inv-trail" % ACCOUNT
EDS_ARN = "arn:aws:cloudtrail:us-east-1:%s:eventdatastore/EXAMPLE-f852-4e8f-8bd1" % ACCOUNT
UUID = "11111111-2222-3333-4444-555555555555"
EDS_NOT_FOUND = "The event data store was not found."
QUERY_NOT_FOUND = "The query ID does not exist or does not map to a query."
NO_INSIGHTS = ("Trail %s does not have Insights enabled. Edit the trail settings to enable "
               "Insights, and then try the operation again." % TRAIL_ARN)


class InventoryOps(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.ct = self.server.client("cloudtrail")
        self.server.client("s3").create_bucket(Bucket="inv-bucket")
        self.ct.create_trail(Name="inv-trail", S3BucketName="inv-bucket")


    def cli_error(self, *args):
        rc, _, err = self.server.aws("cloudtrail", *args, check=False)
        self.assertNotEqual(rc, 0)
        return err


    # ---- empty lists ----------------------------------------------------------------------
    def test_empty_lists(self):
        cases = [("list-event-data-stores", "EventDataStores", self.ct.list_event_data_stores, {}),
                 ("list-imports", "Imports", self.ct.list_imports, {}),
                 ("list-dashboards", "Dashboards", self.ct.list_dashboards, {}),
                 ("list-import-failures", "Failures", self.ct.list_import_failures,
                  {"ImportId": UUID})]
        for cmd, key, call, kw in cases:
            args = [cmd] + (["--import-id", UUID] if kw else [])
            out = self.server.aws_json("cloudtrail", *args)
            self.assertEqual(out, {key: []}, cmd)
            r = call(**kw)
            self.assertEqual(r[key], [], cmd)
            self.assertNotIn("NextToken", r)
        out = self.server.aws_json("cloudtrail", "list-insights-data", "--insight-source",
                                   TRAIL_ARN, "--data-type", "InsightsEvents")
        self.assertEqual(out, {"Events": []})
        # filters that match nothing are still an empty list
        self.assertEqual(self.ct.list_imports(Destination=EDS_ARN, ImportStatus="COMPLETED",
                                              MaxResults=5)["Imports"], [])
        self.assertEqual(self.ct.list_dashboards(Type="CUSTOM", NamePrefix="abc")["Dashboards"],
                         [])

    # ---- CloudTrail Lake ------------------------------------------------------------------
    def test_event_data_stores_and_queries(self):
        err = self.cli_error("get-event-data-store", "--event-data-store", EDS_ARN)
        self.assertIn("(EventDataStoreNotFoundException)", err)
        self.assertIn(EDS_NOT_FOUND, err)
        self.assertEqual(self.client_error(self.ct.list_queries, EventDataStore=EDS_ARN),
                         ("EventDataStoreNotFoundException", EDS_NOT_FOUND))
        err = self.cli_error("list-queries", "--event-data-store", "EXAMPLE-f852")
        self.assertIn("(EventDataStoreNotFoundException)", err)
        # a reference that is no event data store ARN
        code, _ = self.client_error(self.ct.get_event_data_store, EventDataStore=TRAIL_ARN)
        self.assertEqual(code, "EventDataStoreARNInvalidException")
        err = self.cli_error("describe-query", "--query-id", UUID)
        self.assertIn("(QueryIdNotFoundException)", err)
        self.assertIn(QUERY_NOT_FOUND, err)
        self.assertEqual(self.client_error(self.ct.describe_query, QueryAlias="my-alias"),
                         ("QueryIdNotFoundException", QUERY_NOT_FOUND))
        self.assertEqual(self.client_error(self.ct.describe_query, QueryId=UUID,
                                         EventDataStore=EDS_ARN),
                         ("EventDataStoreNotFoundException", EDS_NOT_FOUND))
        err = self.cli_error("get-query-results", "--query-id", UUID)
        self.assertIn("(QueryIdNotFoundException)", err)

    def test_imports_and_dashboards(self):
        err = self.cli_error("get-import", "--import-id", UUID)
        self.assertIn("(ImportNotFoundException)", err)
        self.assertEqual(self.client_error(self.ct.get_import, ImportId=UUID),
                         ("ImportNotFoundException", "The specified import was not found."))
        err = self.cli_error("get-dashboard", "--dashboard-id", "exampleDash")
        self.assertIn("(ResourceNotFoundException)", err)
        code, _ = self.client_error(self.ct.get_dashboard, DashboardId="exampleDash")
        self.assertEqual(code, "ResourceNotFoundException")

    # ---- Insights -------------------------------------------------------------------------
    def test_insights(self):
        err = self.cli_error("get-insight-selectors", "--trail-name", "inv-trail")
        self.assertIn("(InsightNotEnabledException)", err)
        self.assertIn(NO_INSIGHTS, err)
        self.assertEqual(self.client_error(self.ct.get_insight_selectors, TrailName=TRAIL_ARN),
                         ("InsightNotEnabledException", NO_INSIGHTS))
        code, _ = self.client_error(self.ct.get_insight_selectors, TrailName="no-such-trail")
        self.assertEqual(code, "TrailNotFoundException")
        self.assertEqual(self.client_error(self.ct.get_insight_selectors, EventDataStore=EDS_ARN),
                         ("EventDataStoreNotFoundException", EDS_NOT_FOUND))
        code, _ = self.client_error(self.ct.get_insight_selectors, TrailName="inv-trail",
                                  EventDataStore=EDS_ARN)
        self.assertEqual(code, "InvalidParameterCombinationException")
        out = self.server.aws_json("cloudtrail", "list-insights-metric-data", "--trail-name",
                                   "inv-trail", "--event-source", "s3.amazonaws.com",
                                   "--event-name", "PutObject", "--insight-type",
                                   "ApiErrorRateInsight", "--error-code", "AccessDenied")
        self.assertEqual(out, {"TrailARN": TRAIL_ARN, "EventSource": "s3.amazonaws.com",
                               "EventName": "PutObject", "InsightType": "ApiErrorRateInsight",
                               "ErrorCode": "AccessDenied", "Timestamps": [], "Values": []})
        r = self.ct.list_insights_metric_data(EventSource="ec2.amazonaws.com",
                                              EventName="RunInstances",
                                              InsightType="ApiCallRateInsight", Period=3600,
                                              DataType="FillWithZeros", MaxResults=10)
        # no calls counted: FillWithZeros answers the first 10 hours of the default range
        # (the 90 days before now) as zeros, and a token for the rest
        self.assertEqual(r["Values"], [0.0] * 10)
        hours = [int(t.timestamp()) for t in r["Timestamps"]]
        self.assertEqual([h - hours[0] for h in hours], [3600 * i for i in range(10)])
        self.assertEqual(hours[0] % 3600, 0)
        self.assertIn("NextToken", r)
        self.assertNotIn("TrailARN", r)

    # ---- resource policies ----------------------------------------------------------------
    def test_resource_policy(self):
        err = self.cli_error("get-resource-policy", "--resource-arn", EDS_ARN)
        self.assertIn("(ResourceNotFoundException)", err)
        code, _ = self.client_error(self.ct.get_resource_policy, ResourceArn=TRAIL_ARN)
        self.assertEqual(code, "ResourceTypeNotSupportedException")
        channel = self.ct.create_channel(Name="inv-channel", Source="Custom",
                                         Destinations=[{"Type": "AWS_SERVICE",
                                                        "Location": TRAIL_ARN}])
        code, _ = self.client_error(self.ct.get_resource_policy, ResourceArn=channel["ChannelArn"])
        self.assertEqual(code, "ResourcePolicyNotFoundException")
        code, _ = self.client_error(self.ct.get_resource_policy, ResourceArn="not-an-arn")
        self.assertEqual(code, "ResourceARNNotValidException")

    # ---- member validation (raw requests) -------------------------------------------------
    def test_required_and_invalid_members(self):
        must = "InvalidParameterException"
        cases = [
            ("GetEventDataStore", {}, must, "EventDataStore must be provided."),
            ("ListQueries", {}, must, "EventDataStore must be provided."),
            ("GetImport", {}, must, "ImportId must be provided."),
            ("ListImportFailures", {}, must, "ImportId must be provided."),
            ("GetQueryResults", {}, must, "QueryId must be provided."),
            ("GetDashboard", {}, must, "DashboardId must be provided."),
            ("GetResourcePolicy", {}, must, "ResourceArn must be provided."),
            ("DescribeQuery", {}, must, "QueryId or QueryAlias must be provided."),
            ("GetInsightSelectors", {}, must, "TrailName or EventDataStore must be provided."),
            ("ListInsightsMetricData", {"EventName": "X", "InsightType": "ApiCallRateInsight"},
             must, "EventSource must be provided."),
            ("ListInsightsData", {"DataType": "InsightsEvents"}, must,
             "InsightSource must be provided."),
            ("GetImport", {"ImportId": "not-a-uuid"}, must, None),
            ("ListEventDataStores", {"MaxResults": 0}, "InvalidMaxResultsException", None),
            ("ListEventDataStores", {"NextToken": "abcd"}, "InvalidNextTokenException", None),
            ("ListQueries", {"EventDataStore": EDS_ARN, "QueryStatus": "DONE"},
             "InvalidQueryStatusException", None),
            ("ListImports", {"ImportStatus": "DONE"}, must, None),
            ("ListImports", {"Destination": "bad arn!"}, "EventDataStoreARNInvalidException", None),
            ("ListDashboards", {"MaxResults": 1001}, must, None),
            ("ListDashboards", {"NamePrefix": "a"}, must, None),
            ("ListInsightsMetricData", {"EventSource": "s3.example.com", "EventName": "X",
                                        "InsightType": "ApiCallRateInsight"}, must, None),
            ("ListInsightsMetricData", {"EventSource": "s3.amazonaws.com", "EventName": "X",
                                        "InsightType": "Other"}, must, None),
            ("ListInsightsMetricData", {"EventSource": "s3.amazonaws.com", "EventName": "X",
                                        "InsightType": "ApiCallRateInsight", "Period": 59},
             must, None),
            ("ListInsightsData", {"InsightSource": TRAIL_ARN, "DataType": "Other"}, must, None),
            ("ListEventDataStores", {"MaxResults": "5"}, "SerializationException", None),
        ]
        for op, body, code, message in cases:
            status, got_code, got_msg = self.cloudtrail_raw(op, body)
            self.assertEqual((status, got_code), (400, code), (op, body, got_msg))
            if message:
                self.assertEqual(got_msg, message, op)

    def test_audited_as_read_only(self):
        self.ct.list_event_data_stores()
        events = []
        deadline = time.time() + 15
        while time.time() < deadline and not events:
            events = self.server.aws_json(
                "cloudtrail", "lookup-events", "--lookup-attributes",
                "AttributeKey=EventName,AttributeValue=ListEventDataStores")["Events"]
            time.sleep(0.2)
        self.assertEqual(len(events), 1)
        self.assertEqual(events[0]["ReadOnly"], "true")
        self.assertEqual(json.loads(events[0]["CloudTrailEvent"])["eventSource"],
                         "cloudtrail.amazonaws.com")


if __name__ == "__main__":
    main()

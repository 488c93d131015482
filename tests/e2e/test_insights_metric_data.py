"""Issue 12 item 7: ListInsightsMetricData answers the per-minute counts the Insights reader
keeps, driven with the real aws CLI and boto3.

Two logging trails of one account with both Insights types receive, through a
CloudTrailRecords channel, records with past eventTimes and known counts per minute: write
calls (RunInstances, one of them failing), read calls (not counted for the call rate) and
failing GetRolePolicy calls with two error codes. The series must then come back exactly for
Period 60, 300 and 3600, NonZeroData and FillWithZeros, StartTime inclusive and EndTime
exclusive, per ErrorCode, per trail and for the account (a minute two trails count is counted
once), page by page with NextToken; another account sees none of it; and every bad member is
refused with InvalidParameterException (or AWS's error of the member)."""
import datetime
import json
import time

import boto3
import botocore.config

from otharness import ServerTestCase, main
from test_insights import record

ACCT = "123456789012"
REGION = "us-east-1"
OTHER = "999999999999"
OTHER_KEY, OTHER_SECRET = "AKIAOTHERMETRICS0001", "other-metrics-secret-0123456789abcdefghij"
EC2, IAM = "ec2.amazonaws.com", "iam.amazonaws.com"
MUST = "InvalidParameterException"


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def epochs(timestamps):
    """The CLI's numbers or ISO 8601 strings, or boto3's datetimes, as epoch seconds."""
    out = []
    for t in timestamps:
        if isinstance(t, (int, float)):
            t = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
        elif isinstance(t, str):
            t = datetime.datetime.fromisoformat(t.replace("Z", "+00:00"))
        out.append(int(t.timestamp()))
    return out


class InsightsMetricData(ServerTestCase):
    def setUp(self):
        super().setUp()
        s = self.server
        s.stop()
        s.add_user("other", OTHER_KEY, OTHER_SECRET, OTHER)
        s.start()
        self.ct = s.client("cloudtrail")
        for b in ("imd-a", "imd-b"):
            s.client("s3").create_bucket(Bucket=b)
        both = [{"InsightType": "ApiCallRateInsight"}, {"InsightType": "ApiErrorRateInsight"}]
        self.arns = {}
        for name, bucket in (("watched", "imd-a"), ("second", "imd-b")):
            self.arns[name] = self.ct.create_trail(Name=name, S3BucketName=bucket)["TrailARN"]
            self.ct.start_logging(Name=name)
            self.ct.put_insight_selectors(TrailName=name, InsightSelectors=both)
        channel = self.ct.create_channel(
            Name="forwarded", Source="CloudTrailRecords",
            Destinations=[{"Type": "AWS_SERVICE", "Location": a}
                          for a in self.arns.values()])["ChannelArn"]
        # five hours ago, on an hour: h0 + 60 * m is minute m of the traffic
        self.h0 = (int(time.time()) // 3600 - 5) * 3600
        self.send(channel, self.traffic())
        self.wait_counted()

    def at(self, minute, second=0):
        return self.h0 + 60 * minute + second

    def traffic(self):
        calls = []
        for minute, n in ((0, 3), (2, 5), (61, 2), (130, 4)):
            calls += [(minute, EC2, "RunInstances", False, None)] * n
        calls.append((2, EC2, "RunInstances", False, "Client.UnauthorizedOperation"))
        calls += [(0, EC2, "DescribeInstances", True, None)] * 7    # reads: no call rate
        calls += [(3, IAM, "GetRolePolicy", True, "NoSuchEntityException")] * 2
        calls += [(65, IAM, "GetRolePolicy", True, "NoSuchEntityException")]
        calls += [(3, IAM, "GetRolePolicy", True, "AccessDenied")] * 4
        calls.append((0, EC2, "CreateTags", False, None))
        records = [record(self.at(m) // 60, i % 60, src, name, ro, err)
                   for i, (m, src, name, ro, err) in enumerate(calls)]
        # the last record: once it is counted, every record before it is
        records.append(record(self.at(170) // 60, 0, EC2, "CreateTags", False))
        return records

    def send(self, channel, records):
        data = self.server.client("cloudtrail-data")
        for i in range(0, len(records), 100):
            chunk = records[i:i + 100]
            out = data.put_audit_events(channelArn=channel, auditEvents=[
                {"id": str(k), "eventData": json.dumps(r)} for k, r in enumerate(chunk)])
            self.assertEqual(out["failed"], [])

    def wait_counted(self):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            for trail in self.arns:
                got = self.metric(EventSource=EC2, EventName="CreateTags", TrailName=trail)
                if sum(got["Values"]) != 2:
                    break
            else:
                return
            time.sleep(0.3)
        self.fail("the traffic was not counted:\n" + self.server.log_text()[-3000:])

    def metric(self, client=None, **kw):
        kw.setdefault("InsightType", "ApiCallRateInsight")
        return (client or self.ct).list_insights_metric_data(**kw)

    def series(self, client=None, **kw):
        r = self.metric(client, **kw)
        return list(zip(epochs(r["Timestamps"]), r["Values"]))

    def run_instances(self, **kw):
        return self.series(EventSource=EC2, EventName="RunInstances", **kw)

    # ---- the series ---------------------------------------------------------------------
    def test_periods_and_range(self):
        span = {"StartTime": self.h0, "EndTime": self.at(180)}
        self.assertEqual(self.run_instances(Period=60, **span),
                         [(self.at(0), 3), (self.at(2), 6), (self.at(61), 2), (self.at(130), 4)])
        self.assertEqual(self.run_instances(Period=300, **span),
                         [(self.at(0), 9), (self.at(60), 2), (self.at(130), 4)])
        self.assertEqual(self.run_instances(Period=3600, **span),
                         [(self.at(0), 9), (self.at(60), 2), (self.at(120), 4)])
        # the defaults: Period 3600, the 90 days before now, NonZeroData
        self.assertEqual(self.run_instances(),
                         [(self.at(0), 9), (self.at(60), 2), (self.at(120), 4)])
        # StartTime is inclusive, EndTime exclusive; a StartTime inside a period starts at the
        # next one
        self.assertEqual(self.run_instances(Period=60, StartTime=self.at(2),
                                            EndTime=self.at(61)), [(self.at(2), 6)])
        self.assertEqual(self.run_instances(Period=60, StartTime=self.at(0, 30),
                                            EndTime=self.at(62)),
                         [(self.at(2), 6), (self.at(61), 2)])
        self.assertEqual(self.run_instances(Period=60, StartTime=self.at(5),
                                            EndTime=self.at(5)), [])
        # read calls are not counted for the call rate; CreateTags is its own series
        self.assertEqual(self.series(EventSource=EC2, EventName="DescribeInstances"), [])
        self.assertEqual(self.series(EventSource=EC2, EventName="CreateTags", Period=60),
                         [(self.at(0), 1), (self.at(170), 1)])

    def test_fill_with_zeros(self):
        self.assertEqual(self.run_instances(Period=60, DataType="FillWithZeros",
                                            StartTime=self.h0, EndTime=self.at(5)),
                         [(self.at(0), 3), (self.at(1), 0), (self.at(2), 6), (self.at(3), 0),
                          (self.at(4), 0)])
        self.assertEqual(self.run_instances(Period=3600, DataType="FillWithZeros",
                                            StartTime=self.h0 - 3600, EndTime=self.at(240)),
                         [(self.at(-60), 0), (self.at(0), 9), (self.at(60), 2),
                          (self.at(120), 4), (self.at(180), 0)])
        self.assertEqual(self.run_instances(Period=60, DataType="NonZeroData",
                                            StartTime=self.h0, EndTime=self.at(5)),
                         [(self.at(0), 3), (self.at(2), 6)])

    def test_error_rate_per_error_code(self):
        def errors(name, code, source=IAM):
            r = self.metric(EventSource=source, EventName=name, InsightType="ApiErrorRateInsight",
                            ErrorCode=code, Period=60)
            self.assertEqual((r["InsightType"], r["ErrorCode"]), ("ApiErrorRateInsight", code))
            return list(zip(epochs(r["Timestamps"]), r["Values"]))
        self.assertEqual(errors("GetRolePolicy", "NoSuchEntityException"),
                         [(self.at(3), 2), (self.at(65), 1)])
        self.assertEqual(errors("GetRolePolicy", "AccessDenied"), [(self.at(3), 4)])
        self.assertEqual(errors("RunInstances", "Client.UnauthorizedOperation", EC2),
                         [(self.at(2), 1)])
        self.assertEqual(errors("GetRolePolicy", "Throttling"), [])
        # the call rate has no ErrorCode
        r = self.metric(EventSource=EC2, EventName="RunInstances")
        self.assertNotIn("ErrorCode", r)

    def test_with_the_cli(self):
        out = self.server.aws_json(
            "cloudtrail", "list-insights-metric-data", "--event-source", IAM, "--event-name",
            "GetRolePolicy", "--insight-type", "ApiErrorRateInsight", "--error-code",
            "NoSuchEntityException", "--period", "3600", "--start-time", iso(self.h0),
            "--end-time", iso(self.at(120)), "--data-type", "FillWithZeros")
        self.assertEqual(set(out), {"EventSource", "EventName", "InsightType", "ErrorCode",
                                    "Timestamps", "Values"})
        self.assertEqual((out["EventSource"], out["EventName"]), (IAM, "GetRolePolicy"))
        self.assertEqual(list(zip(epochs(out["Timestamps"]), out["Values"])),
                         [(self.at(0), 2.0), (self.at(60), 1.0)])

    def test_trails_and_accounts(self):
        expected = [(self.at(0), 9), (self.at(60), 2), (self.at(120), 4)]
        # both trails count the same calls; the account's series counts them once
        for trail in ("watched", "second", self.arns["second"]):
            r = self.metric(EventSource=EC2, EventName="RunInstances", TrailName=trail)
            self.assertEqual(r["TrailARN"], self.arns[trail if trail in self.arns else "second"])
            self.assertEqual(list(zip(epochs(r["Timestamps"]), r["Values"])), expected)
        r = self.metric(EventSource=EC2, EventName="RunInstances")
        self.assertNotIn("TrailARN", r)
        self.assertEqual(list(zip(epochs(r["Timestamps"]), r["Values"])), expected)
        # another account sees nothing of it, and not the trail
        other = boto3.session.Session().client(
            "cloudtrail", region_name=REGION, endpoint_url=self.server.endpoint,
            aws_access_key_id=OTHER_KEY, aws_secret_access_key=OTHER_SECRET,
            config=botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"}))
        self.assertEqual(self.series(other, EventSource=EC2, EventName="RunInstances"), [])
        self.assertEqual(self.series(other, EventSource=EC2, EventName="RunInstances",
                                     Period=60, DataType="FillWithZeros",
                                     StartTime=self.h0, EndTime=self.at(3)),
                         [(self.at(0), 0), (self.at(1), 0), (self.at(2), 0)])
        code, _ = self.client_error(other.list_insights_metric_data, EventSource=EC2,
                                    EventName="RunInstances", InsightType="ApiCallRateInsight",
                                    TrailName=self.arns["watched"])
        self.assertEqual(code, "TrailNotFoundException")
        # another region of the same account has no counts
        west = self.server.client("cloudtrail", region="us-west-2")
        self.assertEqual(self.series(west, EventSource=EC2, EventName="RunInstances"), [])

    # ---- paging ----------------------------------------------------------------------------
    def pages(self, **kw):
        pages, token = [], None
        while True:
            r = self.metric(EventSource=EC2, EventName="RunInstances",
                            **kw, **({"NextToken": token} if token else {}))
            pages.append(list(zip(epochs(r["Timestamps"]), r["Values"])))
            token = r.get("NextToken")
            if not token:
                return pages
            self.assertLess(len(pages), 10)

    def test_paging(self):
        self.assertEqual(self.pages(Period=60, DataType="FillWithZeros", MaxResults=2,
                                    StartTime=self.h0, EndTime=self.at(5)),
                         [[(self.at(0), 3), (self.at(1), 0)], [(self.at(2), 6), (self.at(3), 0)],
                          [(self.at(4), 0)]])
        self.assertEqual(self.pages(Period=60, MaxResults=3, StartTime=self.h0,
                                    EndTime=self.at(180)),
                         [[(self.at(0), 3), (self.at(2), 6), (self.at(61), 2)],
                          [(self.at(130), 4)]])
        # exactly a page: no token
        r = self.metric(EventSource=EC2, EventName="RunInstances", MaxResults=3)
        self.assertEqual(len(r["Timestamps"]), 3)
        self.assertNotIn("NextToken", r)
        # a token is taken back only with the range and Period it was made for
        first = self.metric(EventSource=EC2, EventName="RunInstances", Period=60, MaxResults=1,
                            StartTime=self.h0, EndTime=self.at(180))
        token = first["NextToken"]
        for change in ({"Period": 300}, {"EndTime": self.at(181)}, {"StartTime": self.at(1)}):
            kw = dict(EventSource=EC2, EventName="RunInstances", InsightType="ApiCallRateInsight",
                      Period=60, StartTime=self.h0, EndTime=self.at(180), NextToken=token)
            kw.update(change)
            self.assertEqual(self.client_error(self.ct.list_insights_metric_data, **kw),
                             (MUST, "NextToken is not valid."), change)

    # ---- errors ---------------------------------------------------------------------------
    def test_errors(self):
        base = {"EventSource": EC2, "EventName": "RunInstances",
                "InsightType": "ApiCallRateInsight"}
        cases = [
            ({"Period": 120}, MUST, "Period is not valid: 120. Valid values are 60, 300 and 3600."),
            ({"Period": 86400}, MUST, None),
            ({"StartTime": 1700000600, "EndTime": 1700000000}, MUST,
             "The start time must be earlier than or equal to the end time."),
            ({"StartTime": -5}, MUST, None),
            ({"StartTime": "yesterday"}, "SerializationException", None),
            ({"InsightType": "ApiErrorRateInsight"}, MUST,
             "ErrorCode must be provided when InsightType is ApiErrorRateInsight."),
            ({"ErrorCode": "AccessDenied"}, MUST,
             "ErrorCode is only valid when InsightType is ApiErrorRateInsight."),
            ({"MaxResults": 0}, MUST, "MaxResults must be 1 to 21600."),
            ({"MaxResults": 21601}, MUST, "MaxResults must be 1 to 21600."),
            ({"DataType": "AllData"}, MUST, None),
            ({"NextToken": "abc"}, MUST, "NextToken is not valid."),
            ({"NextToken": "1.2.3.4"}, MUST, "NextToken is not valid."),
            ({"NextToken": "99999999999999999999999.1.2.60"}, MUST, "NextToken is not valid."),
            ({"NextToken": "-60.0.120.60"}, MUST, "NextToken is not valid."),
            ({"NextToken": "60.0.120.60x"}, MUST, "NextToken is not valid."),
            ({"NextToken": "x" * 5001}, MUST, None),
            ({"TrailName": "no-such-trail"}, "TrailNotFoundException", None),
            ({"EventSource": "ec2.example.com"}, MUST, None),
            ({"EventName": "Run Instances"}, MUST, None),
        ]
        for change, code, message in cases:
            body = dict(base)
            body.update(change)
            status, got_code, got_msg = self.cloudtrail_raw("ListInsightsMetricData", body)
            self.assertEqual((status, got_code), (400, code), (change, got_msg))
            if message:
                self.assertEqual(got_msg, message, change)
        # the CLI shows the error
        rc, _, err = self.server.aws("cloudtrail", "list-insights-metric-data", "--event-source",
                                     EC2, "--event-name", "RunInstances", "--insight-type",
                                     "ApiCallRateInsight", "--start-time", iso(self.at(10)),
                                     "--end-time", iso(self.h0), check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("(InvalidParameterException)", err)
        # the other time-range calls check the order too
        for op, body, code in (
                ("ListInsightsData", {"InsightSource": self.arns["watched"],
                                      "DataType": "InsightsEvents"}, MUST),
                ("ListQueries", {"EventDataStore": "arn:aws:cloudtrail:us-east-1:%s:"
                                 "eventdatastore/EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE" % ACCT},
                 "InvalidDateRangeException")):
            body.update({"StartTime": 1700000600, "EndTime": 1700000000})
            status, got_code, got_msg = self.cloudtrail_raw(op, body)
            self.assertEqual((status, got_code, got_msg), (
                400, code, "The start time must be earlier than or equal to the end time."), op)


if __name__ == "__main__":
    main()

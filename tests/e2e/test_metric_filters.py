"""Metric filters at work, end to end with the real aws CLI and boto3: events stored by
PutLogEvents and by a trail's CloudWatch Logs stream turn into CloudWatch datapoints that
GetMetricStatistics reads back (values taken from the events, defaultValue, dimensions, unit);
events that do not match or carry no number emit nothing; /metrics counts the matches."""
import datetime
import json
import time

import otharness
from test_metrics import scrape, value
from test_pipeline import ACCT, wait_for

ROLE = "arn:aws:iam::%s:role/CloudTrail_CloudWatchLogs" % ACCT


def iso(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


class MetricFilters(otharness.ServerTestCase):
    def setUp(self):
        super().setUp()
        self.cw = self.server.client("cloudwatch")
        self.now = int(time.time() * 1000)

    def stats(self, ns, name, dims=(), unit=None):
        """Sum and SampleCount of the last hour, one period."""
        kw = {"Namespace": ns, "MetricName": name, "StartTime": iso(self.now - 3600 * 1000),
              "EndTime": iso(self.now + 3600 * 1000), "Period": 7200,
              "Statistics": ["Sum", "SampleCount", "Maximum"],
              "Dimensions": [{"Name": k, "Value": v} for k, v in dims]}
        if unit:
            kw["Unit"] = unit
        points = self.cw.get_metric_statistics(**kw)["Datapoints"]
        return (points[0]["Sum"], points[0]["SampleCount"], points[0]["Maximum"]) if points else None

    def test_put_log_events_emit_values_defaults_dimensions_units(self):
        s = self.server
        s.aws("logs", "create-log-group", "--log-group-name", "app")
        s.aws("logs", "create-log-stream", "--log-group-name", "app", "--log-stream-name", "web")
        s.aws("logs", "put-metric-filter", "--log-group-name", "app", "--filter-name", "latency",
              "--filter-pattern", "{ $.latency > 0 }", "--metric-transformations",
              "metricName=Latency,metricNamespace=App,metricValue=$.latency,unit=Milliseconds")
        s.aws("logs", "put-metric-filter", "--log-group-name", "app", "--filter-name", "errors",
              "--filter-pattern", "ERROR", "--metric-transformations",
              "metricName=Errors,metricNamespace=App,metricValue=1,defaultValue=0")
        s.aws("logs", "put-metric-filter", "--log-group-name", "app", "--filter-name", "status",
              "--filter-pattern", "[ip, status, bytes]", "--metric-transformations",
              json.dumps([{"metricName": "Bytes", "metricNamespace": "App",
                           "metricValue": "$bytes", "dimensions": {"Status": "$status"}}]))
        msgs = ['{"latency": 120}', '{"latency": 30.5}', '{"latency": "slow"}',
                "ERROR disk full", "10.0.0.1 404 512", "10.0.0.2 404 100", "10.0.0.3 200 7"]
        s.aws("logs", "put-log-events", "--log-group-name", "app", "--log-stream-name", "web",
              "--log-events", json.dumps([{"timestamp": self.now, "message": m} for m in msgs]))
        self.assertEqual(self.stats("App", "Latency", unit="Milliseconds"), (150.5, 2, 120))
        self.assertIsNone(self.stats("App", "Latency", unit="Seconds"))
        self.assertEqual(self.stats("App", "Errors"), (1, 7, 1))   # 6 events got the default 0
        self.assertEqual(self.stats("App", "Bytes", [("Status", "404")]), (612, 2, 512))
        self.assertEqual(self.stats("App", "Bytes", [("Status", "200")]), (7, 1, 7))
        # the aws CLI reads the same
        out = s.aws_json("cloudwatch", "list-metrics", "--namespace", "App")
        self.assertEqual(sorted({m["MetricName"] for m in out["Metrics"]}),
                         ["Bytes", "Errors", "Latency"])
        # a deleted filter emits nothing more
        s.aws("logs", "delete-metric-filter", "--log-group-name", "app", "--filter-name", "errors")
        s.aws("logs", "put-log-events", "--log-group-name", "app", "--log-stream-name", "web",
              "--log-events", json.dumps([{"timestamp": self.now, "message": "ERROR again"}]))
        self.assertEqual(self.stats("App", "Errors"), (1, 7, 1))
        self.assertGreaterEqual(value(scrape(s), "opentrail_metric_filter_matches_total"), 6)

    def test_trail_stream_feeds_a_cis_filter(self):
        s = self.server
        s.aws("s3api", "create-bucket", "--bucket", "trail-logs")
        s.aws("logs", "create-log-group", "--log-group-name", "CloudTrail/main")
        s.aws("logs", "put-metric-filter", "--log-group-name", "CloudTrail/main",
              "--filter-name", "CloudTrailChanges", "--filter-pattern",
              "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || "
              "($.eventName = DeleteTrail) || ($.eventName = StartLogging) || "
              "($.eventName = StopLogging) }", "--metric-transformations",
              "metricName=CloudTrailEventCount,metricNamespace=CISBenchmark,metricValue=1")
        s.aws("cloudtrail", "create-trail", "--name", "main", "--s3-bucket-name", "trail-logs",
              "--cloud-watch-logs-log-group-arn",
              "arn:aws:logs:us-east-1:%s:log-group:CloudTrail/main:*" % ACCT,
              "--cloud-watch-logs-role-arn", ROLE)
        s.aws("cloudtrail", "start-logging", "--name", "main")
        s.aws("cloudtrail", "describe-trails")   # recorded, not a trail change
        s.aws("cloudtrail", "stop-logging", "--name", "main")
        # StartLogging and StopLogging (CreateTrail came before the trail logged)
        got = wait_for(lambda: self.stats("CISBenchmark", "CloudTrailEventCount"))
        self.assertEqual(got, (2, 2, 1))


if __name__ == "__main__":
    otharness.main()

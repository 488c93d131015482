"""Issue 11 item 5: the CloudWatch (`monitoring`) API on the main port (docs/alarms.md).

botocore 1.43's model lists three protocols for CloudWatch: smithy-rpc-v2-cbor, json
(awsJson1_0) and query; the aws CLI and boto3 pick json by their own priority order. Every
operation runs through each of the three — the same model loaded with its protocol list cut to
one (a data path given to botocore, AWS_DATA_PATH for the CLI) — and the answers must agree.
Error paths with CloudWatch's codes in each protocol, raw malformed bodies, account isolation,
the audit trail, and an alarm end to end: PutMetricData over the threshold moves the alarm to
ALARM and its SNS topic's `file` subscription gets AWS's alarm JSON.
"""
import datetime
import gzip
import json
import os
import shutil
import tempfile
import time

import boto3
import botocore.config
import botocore.exceptions
import botocore.session

import otharness
from otharness import ServerTestCase, main, signed_request

OWNER = "123456789012"
OTHER = "999999999999"
OTHER_KEY, OTHER_SECRET = "AKIAOTHERACCOUNT0001", "other-account-secret-0123456789abcdefghij"
PROTOCOLS = ("json", "smithy-rpc-v2-cbor", "query")
MODEL = os.path.join(os.path.dirname(botocore.__file__), "data", "cloudwatch", "2010-08-01",
                     "service-2.json.gz")
CBOR_PATH = "/service/GraniteServiceVersion20100801/operation/"


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def model_dir(root, protocol):
    """A botocore data directory whose CloudWatch model speaks only `protocol`."""
    with gzip.open(MODEL, "rt") as f:
        model = json.load(f)
    model["metadata"]["protocols"] = [protocol]
    model["metadata"]["protocol"] = protocol
    d = os.path.join(root, protocol)
    os.makedirs(os.path.join(d, "cloudwatch", "2010-08-01"))
    with open(os.path.join(d, "cloudwatch", "2010-08-01", "service-2.json"), "w") as f:
        json.dump(model, f)
    return d


class CloudWatchCase(ServerTestCase):
    server_args = ()

    @classmethod
    def setUpClass(cls):
        cls.models = tempfile.mkdtemp(prefix="ot-cw-models-")
        cls.model_dirs = {p: model_dir(cls.models, p) for p in PROTOCOLS}

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.models, ignore_errors=True)

    def setUp(self):
        super().setUp()
        self.cw = {p: self.client(p) for p in PROTOCOLS}

    def client(self, protocol, validate=True, key=None, secret=None):
        session = botocore.session.Session()
        session.set_config_variable("data_path", self.model_dirs[protocol])
        config = botocore.config.Config(retries={"max_attempts": 1},
                                        parameter_validation=validate)
        if key:
            return boto3.session.Session(botocore_session=session).client(
                "cloudwatch", region_name=self.server.region, endpoint_url=self.server.endpoint,
                aws_access_key_id=key, aws_secret_access_key=secret, config=config)
        c = self.server.client("cloudwatch", config=config)
        c2 = boto3.session.Session(botocore_session=session).client(
            "cloudwatch", region_name=self.server.region, endpoint_url=self.server.endpoint,
            aws_access_key_id=c._request_signer._credentials.access_key,
            aws_secret_access_key=c._request_signer._credentials.secret_key, config=config)
        self.assertEqual(c2.meta.service_model.resolved_protocol, protocol)
        return c2

    def cw_key(self):
        return otharness.read_credentials(self.server.credentials_file)[0]

    def cli(self, protocol, *args, check=True):
        env = self.server.env()
        env["AWS_DATA_PATH"] = self.model_dirs[protocol]
        rc, out, err = self.server.aws("cloudwatch", *args, "--output", "json", env=env,
                                       check=check)
        if check:
            return json.loads(out) if out.strip() else {}
        return rc, err

    def error(self, fn, code, status, message=None, **kw):
        what = str(kw)[:300]
        with self.assertRaises(botocore.exceptions.ClientError, msg=what) as cm:
            fn(**kw)
        err = cm.exception.response
        self.assertEqual(err["Error"]["Code"], code, what)
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], status, what)
        if message is not None:
            self.assertIn(message, err["Error"]["Message"], what)
        return err

    def hand_set(self, cw, name):
        """The StateUpdate items SetAlarmState by hand left in the alarm's history (the
        evaluator may move the alarm again on its next tick, as CloudWatch's does)."""
        items = cw.describe_alarm_history(AlarmName=name,
                                          HistoryItemType="StateUpdate")["AlarmHistoryItems"]
        return [json.loads(h["HistoryData"])["newState"] for h in items
                if json.loads(h["HistoryData"])["newState"]["stateReason"] == "by hand"]


class MetricsTest(CloudWatchCase):
    def put_sample(self, cw, ns, t):
        cw.put_metric_data(Namespace=ns, MetricData=[
            {"MetricName": "Latency", "Dimensions": [{"Name": "Host", "Value": "a"}],
             "Timestamp": t, "Value": 10.0, "Unit": "Milliseconds"},
            {"MetricName": "Latency", "Dimensions": [{"Name": "Host", "Value": "a"}],
             "Timestamp": t, "StatisticValues": {"SampleCount": 3, "Sum": 60, "Minimum": 5,
                                                 "Maximum": 40}, "Unit": "Milliseconds"},
            {"MetricName": "Latency", "Dimensions": [{"Name": "Host", "Value": "a"}],
             "Timestamp": t, "Values": [1.0, 2.0], "Counts": [2, 1], "Unit": "Milliseconds"},
            {"MetricName": "Errors", "Timestamp": t, "Value": 1},
        ])

    def test_metrics_agree_across_protocols(self):
        t = utcnow().replace(second=0) - datetime.timedelta(minutes=2)
        answers = {}
        for p, cw in self.cw.items():
            ns = "App/" + p
            self.put_sample(cw, ns, t)
            metrics = cw.list_metrics(Namespace=ns)["Metrics"]
            self.assertEqual(sorted((m["MetricName"], json.dumps(m["Dimensions"]))
                                    for m in metrics),
                             [("Errors", "[]"), ("Latency", '[{"Name": "Host", "Value": "a"}]')], p)
            filtered = cw.list_metrics(Namespace=ns, Dimensions=[{"Name": "Host"}])["Metrics"]
            self.assertEqual([m["MetricName"] for m in filtered], ["Latency"], p)
            stats = cw.get_metric_statistics(
                Namespace=ns, MetricName="Latency", Dimensions=[{"Name": "Host", "Value": "a"}],
                StartTime=t - datetime.timedelta(minutes=5), EndTime=t + datetime.timedelta(minutes=5),
                Period=600, Statistics=["SampleCount", "Sum", "Minimum", "Maximum", "Average"])
            self.assertEqual(stats["Label"], "Latency")
            self.assertEqual(len(stats["Datapoints"]), 1, p)
            dp = stats["Datapoints"][0]
            # 10 once; 3 samples summing 60; 1 twice and 2 once: 7 samples, sum 74
            self.assertEqual((dp["SampleCount"], dp["Sum"], dp["Minimum"], dp["Maximum"]),
                             (7.0, 74.0, 1.0, 40.0), p)
            self.assertAlmostEqual(dp["Average"], 74.0 / 7)
            self.assertEqual(dp["Unit"], "Milliseconds")
            data = cw.get_metric_data(
                MetricDataQueries=[
                    {"Id": "lat", "MetricStat": {"Metric": {
                        "Namespace": ns, "MetricName": "Latency",
                        "Dimensions": [{"Name": "Host", "Value": "a"}]},
                        "Period": 60, "Stat": "Maximum"}},
                    {"Id": "err", "Label": "errors", "MetricStat": {"Metric": {
                        "Namespace": ns, "MetricName": "Errors"}, "Period": 60, "Stat": "Sum"}},
                    {"Id": "hidden", "ReturnData": False, "MetricStat": {"Metric": {
                        "Namespace": ns, "MetricName": "Errors"}, "Period": 60, "Stat": "Sum"}}],
                StartTime=t - datetime.timedelta(minutes=5), EndTime=t + datetime.timedelta(minutes=5))
            results = {r["Id"]: r for r in data["MetricDataResults"]}
            self.assertEqual(set(results), {"lat", "err"}, p)
            self.assertEqual(results["lat"]["Values"], [40.0], p)
            self.assertEqual(results["err"]["Values"], [1.0], p)
            self.assertEqual(results["err"]["Label"], "errors")
            self.assertEqual(results["lat"]["StatusCode"], "Complete")
            self.assertEqual(len(results["lat"]["Timestamps"]), 1)
            for r in data["MetricDataResults"]:
                r.pop("ResponseMetadata", None)
            stats.pop("ResponseMetadata")
            answers[p] = (stats, data["MetricDataResults"])
        self.assertEqual(answers["json"], answers["query"])
        self.assertEqual(answers["json"], answers["smithy-rpc-v2-cbor"])

    def test_large_put_is_compressed(self):
        """A PutMetricData of 10 KB or more is sent gzip-compressed (the model's
        requestcompression trait): every datum of it is counted."""
        t = utcnow() - datetime.timedelta(minutes=1)
        for p, cw in self.cw.items():
            cw.put_metric_data(Namespace="Big/" + p, MetricData=[
                {"MetricName": "Hits", "Dimensions": [{"Name": "Page", "Value": "/index"}],
                 "Timestamp": t, "Value": float(i)} for i in range(1000)])
            stats = cw.get_metric_statistics(
                Namespace="Big/" + p, MetricName="Hits",
                Dimensions=[{"Name": "Page", "Value": "/index"}],
                StartTime=t - datetime.timedelta(minutes=5), EndTime=t + datetime.timedelta(minutes=5),
                Period=600, Statistics=["SampleCount", "Sum", "Maximum"])["Datapoints"]
            self.assertEqual([(d["SampleCount"], d["Sum"], d["Maximum"]) for d in stats],
                             [(1000, 499500, 999)], p)

    def test_list_metrics_paging(self):
        cw = self.cw["smithy-rpc-v2-cbor"]
        for i in range(0, 520, 20):
            cw.put_metric_data(Namespace="Many", MetricData=[
                {"MetricName": "m%03d" % j, "Value": 1} for j in range(i, i + 20)])
        first = cw.list_metrics(Namespace="Many")
        self.assertEqual(len(first["Metrics"]), 500)
        second = cw.list_metrics(Namespace="Many", NextToken=first["NextToken"])
        self.assertEqual(len(second["Metrics"]), 20)
        self.assertNotIn("NextToken", second)
        names = [m["MetricName"] for m in first["Metrics"] + second["Metrics"]]
        self.assertEqual(names, ["m%03d" % j for j in range(520)])
        for p, c in self.cw.items():
            self.error(c.list_metrics, "InvalidNextToken", 400, NextToken="bogus")

    def test_metric_errors(self):
        t = utcnow()
        for p in PROTOCOLS:
            cw = self.client(p, validate=False)
            e = lambda *a, **k: self.error(*a, **k)  # noqa: E731
            e(cw.put_metric_data, "InvalidParameterValue", 400, "Namespace", Namespace="AWS/EC2",
              MetricData=[{"MetricName": "x", "Value": 1}])
            e(cw.put_metric_data, "MissingParameter", 400, "Namespace",
              MetricData=[{"MetricName": "x", "Value": 1}])
            e(cw.put_metric_data, "MissingParameter", 400, "MetricName", Namespace="N",
              MetricData=[{"Value": 1}])
            e(cw.put_metric_data, "InvalidParameterCombination", 400, None, Namespace="N",
              MetricData=[{"MetricName": "x", "Value": 1,
                           "StatisticValues": {"SampleCount": 1, "Sum": 1, "Minimum": 1,
                                               "Maximum": 1}}])
            e(cw.put_metric_data, "InvalidParameterValue", 400, "Unit", Namespace="N",
              MetricData=[{"MetricName": "x", "Value": 1, "Unit": "Parsecs"}])
            e(cw.put_metric_data, "InvalidParameterValue", 400, "Timestamp", Namespace="N",
              MetricData=[{"MetricName": "x", "Value": 1,
                           "Timestamp": t - datetime.timedelta(days=15)}])
            e(cw.put_metric_data, "InvalidParameterValue", 400, "duplicate", Namespace="N",
              MetricData=[{"MetricName": "x", "Value": 1, "Dimensions": [
                  {"Name": "a", "Value": "1"}, {"Name": "a", "Value": "2"}]}])
            e(cw.put_metric_data, "InvalidParameterValue", 400, "MetricData", Namespace="N",
              MetricData=[{"MetricName": "x", "Value": 1}] * 1001)
            e(cw.put_metric_data, "InvalidParameterValue", 400, "Dimensions", Namespace="N",
              MetricData=[{"MetricName": "x", "Value": 1, "Dimensions": [
                  {"Name": "d%d" % i, "Value": "v"} for i in range(31)]}])
            e(cw.get_metric_statistics, "InvalidParameterValue", 400, "StartTime", Namespace="N",
              MetricName="x", StartTime=t, EndTime=t - datetime.timedelta(minutes=1), Period=60,
              Statistics=["Sum"])
            e(cw.get_metric_statistics, "InvalidParameterCombination", 400, "Statistics",
              Namespace="N", MetricName="x", StartTime=t - datetime.timedelta(hours=1),
              EndTime=t, Period=60)
            e(cw.get_metric_statistics, "InvalidParameterCombination", 400, "1440",
              Namespace="N", MetricName="x", StartTime=t - datetime.timedelta(days=2),
              EndTime=t, Period=60, Statistics=["Sum"])
            e(cw.get_metric_statistics, "InvalidParameterValue", 400, "Period", Namespace="N",
              MetricName="x", StartTime=t - datetime.timedelta(hours=1), EndTime=t, Period=7,
              Statistics=["Sum"])
            e(cw.get_metric_statistics, "InvalidParameterValue", 400, "ExtendedStatistics",
              Namespace="N", MetricName="x", StartTime=t - datetime.timedelta(hours=1),
              EndTime=t, Period=60, ExtendedStatistics=["p99"])
            e(cw.get_metric_data, "InvalidParameterValue", 400, "expressions",
              MetricDataQueries=[{"Id": "e1", "Expression": "SUM(METRICS())"}],
              StartTime=t - datetime.timedelta(hours=1), EndTime=t)
            e(cw.get_metric_data, "InvalidParameterValue", 400, "Stat",
              MetricDataQueries=[{"Id": "a", "MetricStat": {
                  "Metric": {"Namespace": "N", "MetricName": "x"}, "Period": 60, "Stat": "p99"}}],
              StartTime=t - datetime.timedelta(hours=1), EndTime=t)
            e(cw.get_metric_data, "InvalidParameterValue", 400, "Id",
              MetricDataQueries=[{"Id": "Upper", "MetricStat": {
                  "Metric": {"Namespace": "N", "MetricName": "x"}, "Period": 60, "Stat": "Sum"}}],
              StartTime=t - datetime.timedelta(hours=1), EndTime=t)
            e(cw.get_metric_data, "MissingParameter", 400, "StartTime",
              MetricDataQueries=[{"Id": "a", "MetricStat": {
                  "Metric": {"Namespace": "N", "MetricName": "x"}, "Period": 60, "Stat": "Sum"}}],
              EndTime=t)

    def test_raw_protocol_errors(self):
        """What no SDK sends: malformed and mistyped bodies, unknown operations, oversize; each
        answered in its protocol's error shape."""
        from botocore.parsers import RpcV2CBORParser

        def cbor(op, body, headers=None):
            h = {"smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor"}
            h.update(headers or {})
            status, hdrs, data = signed_request(self.server, "POST", CBOR_PATH + op, body=body,
                                                service="monitoring", headers=h)
            hdrs = {k.lower(): v for k, v in hdrs.items()}
            parser = RpcV2CBORParser()
            doc = parser.parse_data_item(parser.get_peekable_stream_from_bytes(data))
            return status, hdrs, doc

        # a valid call first: an empty map is ListMetrics without parameters
        status, hdrs, doc = cbor("ListMetrics", b"\xa0")
        self.assertEqual(status, 200)
        self.assertEqual(hdrs["smithy-protocol"], "rpc-v2-cbor")
        self.assertEqual(hdrs["content-type"], "application/cbor")
        self.assertEqual(doc["Metrics"], [])
        cases = [
            # truncated map
            ("ListMetrics", b"\xa2\x69Namespace", 400, "SerializationException"),
            # not a map
            ("ListMetrics", b"\x80", 400, "SerializationException"),
            # a byte string value
            ("ListMetrics", b"\xa1\x69Namespace\x41x", 400, "SerializationException"),
            # Namespace as a number: the wrong type
            ("ListMetrics", b"\xa1\x69Namespace\x05", 400, "InvalidParameterValueException"),
            # an unknown operation
            ("Frobnicate", b"\xa0", 400, "UnknownOperationException"),
            # an operation of the model this server does not serve
            ("PutDashboard", b"\xa0", 400, "UnknownOperationException"),
            # TagResource without its required members
            ("TagResource", b"\xa0", 400, "MissingRequiredParameterException"),
        ]
        for op, body, code, typ in cases:
            status, hdrs, doc = cbor(op, body)
            self.assertEqual(status, code, (op, body))
            self.assertTrue(doc["__type"].endswith("#" + typ), (doc, op, body))
            self.assertTrue(doc["message"], (op, body))
        status, hdrs, doc = cbor("ListMetrics", b"\xa1\x69Namespace\x05")
        self.assertEqual(hdrs["x-amzn-query-error"], "InvalidParameterValue;Sender")
        # the /service path without the smithy-protocol header
        status, _, data = signed_request(self.server, "POST", CBOR_PATH + "ListMetrics",
                                         body=b"\xa0", service="monitoring")
        self.assertEqual(status, 400)
        # deeply nested lists
        status, _, doc = cbor("ListMetrics", b"\xa1\x6aDimensions" + b"\x81" * 40 + b"\x01")
        self.assertEqual(status, 400)
        self.assertTrue(doc["__type"].endswith("#SerializationException"), doc)
        # JSON and query: malformed bodies, an unknown operation
        status, _, data = signed_request(self.server, "POST", "/", body=b"{\"Namespace\":",
                                         service="monitoring", headers={
                                             "X-Amz-Target": "GraniteServiceVersion20100801.ListMetrics",
                                             "Content-Type": "application/x-amz-json-1.0"})
        self.assertEqual(status, 400)
        self.assertTrue(json.loads(data)["__type"].endswith("#SerializationException"))
        status, _, data = signed_request(self.server, "POST", "/",
                                         body=b"Action=Frobnicate&Version=2010-08-01",
                                         service="monitoring", headers={
                                             "Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 400)
        self.assertIn(b"<Code>InvalidAction</Code>", data)
        status, _, data = signed_request(self.server, "POST", "/",
                                         body=b"Action=ListMetrics&Version=2099-01-01",
                                         service="monitoring", headers={
                                             "Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 400)
        self.assertIn(b"Version", data)
        status, _, data = signed_request(
            self.server, "POST", "/", body=b"Action=ListMetrics&Version=2010-08-01&Namespace=%zz",
            service="monitoring", headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 400)
        self.assertIn(b"<Code>InvalidParameterValue</Code>", data)
        # the query protocol as a GET, parameters in the query string
        status, _, data = signed_request(
            self.server, "GET", "/?Action=ListMetrics&Version=2010-08-01&Namespace=None",
            service="monitoring")
        self.assertEqual(status, 200, data)
        self.assertIn(b"<ListMetricsResponse xmlns=\"http://monitoring.amazonaws.com/doc/"
                      b"2010-08-01/\">", data)
        self.assertIn(b"<Metrics>", data)
        # a body over the cap is refused before it is read
        status, _, _ = cbor("PutMetricData", b"\xa0" + b"\x00" * (3 << 20))
        self.assertEqual(status, 413)
        # a bad signature: refused before the handler, still in CBOR
        h = {"smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor"}
        status, hdrs, data = signed_request(self.server, "POST", CBOR_PATH + "ListMetrics",
                                            body=b"\xa0", service="monitoring", headers=h,
                                            secret_override="wrong-secret")
        parser = RpcV2CBORParser()
        doc = parser.parse_data_item(parser.get_peekable_stream_from_bytes(data))
        self.assertEqual(status, 403)
        self.assertIn("#", doc["__type"])
        self.assertIn("signature", doc["message"].lower())
        # and a JSON call's in JSON, a query call's in XML
        self.error(self.client("query", key=self.cw_key(), secret="wrong").list_metrics,
                   "SignatureDoesNotMatch", 403)
        # unsigned
        status, _, _ = signed_request(self.server, "POST", CBOR_PATH + "ListMetrics",
                                      body=b"\xa0", service="monitoring", sign=False,
                                      headers={"smithy-protocol": "rpc-v2-cbor"})
        self.assertIn(status, (400, 403))

    def test_cli(self):
        """The real aws CLI, in its default protocol (json) and forced to CBOR and query."""
        t = (utcnow() - datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        for p in PROTOCOLS:
            ns = "Cli/" + p
            self.cli(p, "put-metric-data", "--namespace", ns, "--metric-name", "Jobs",
                     "--dimensions", "Queue=q1", "--value", "4", "--timestamp", t)
            metrics = self.cli(p, "list-metrics", "--namespace", ns)["Metrics"]
            self.assertEqual(metrics, [{"Namespace": ns, "MetricName": "Jobs",
                                        "Dimensions": [{"Name": "Queue", "Value": "q1"}]}], p)
            start = (utcnow() - datetime.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
            end = (utcnow() + datetime.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
            stats = self.cli(p, "get-metric-statistics", "--namespace", ns, "--metric-name",
                             "Jobs", "--dimensions", "Name=Queue,Value=q1", "--start-time",
                             start, "--end-time", end, "--period", "1200", "--statistics", "Sum")
            self.assertEqual([d["Sum"] for d in stats["Datapoints"]], [4.0], p)
            q = json.dumps([{"Id": "j", "MetricStat": {"Metric": {
                "Namespace": ns, "MetricName": "Jobs",
                "Dimensions": [{"Name": "Queue", "Value": "q1"}]}, "Period": 60, "Stat": "Sum"}}])
            data = self.cli(p, "get-metric-data", "--metric-data-queries", q, "--start-time",
                            start, "--end-time", end)
            self.assertEqual(data["MetricDataResults"][0]["Values"], [4.0], p)
            self.cli(p, "put-metric-alarm", "--alarm-name", "jobs-" + p, "--namespace", ns,
                     "--metric-name", "Jobs", "--dimensions", "Name=Queue,Value=q1",
                     "--statistic", "Sum", "--period", "60", "--evaluation-periods", "1",
                     "--threshold", "1", "--comparison-operator", "GreaterThanThreshold",
                     "--treat-missing-data", "breaching", "--tags", "Key=team,Value=ops")
            arn = "arn:aws:cloudwatch:us-east-1:%s:alarm:jobs-%s" % (OWNER, p)
            self.assertEqual(self.cli(p, "list-tags-for-resource", "--resource-arn", arn)["Tags"],
                             [{"Key": "team", "Value": "ops"}], p)
            self.cli(p, "set-alarm-state", "--alarm-name", "jobs-" + p, "--state-value",
                     "ALARM", "--state-reason", "by hand")
            alarms = self.cli(p, "describe-alarms", "--state-value", "ALARM")["MetricAlarms"]
            self.assertIn("jobs-" + p, [a["AlarmName"] for a in alarms], p)
            for_metric = self.cli(p, "describe-alarms-for-metric", "--namespace", ns,
                                  "--metric-name", "Jobs", "--dimensions",
                                  "Name=Queue,Value=q1")["MetricAlarms"]
            self.assertEqual([a["AlarmName"] for a in for_metric], ["jobs-" + p], p)
            hist = self.cli(p, "describe-alarm-history", "--alarm-name", "jobs-" + p)
            self.assertIn("StateUpdate", [h["HistoryItemType"] for h in hist["AlarmHistoryItems"]])
            self.cli(p, "disable-alarm-actions", "--alarm-names", "jobs-" + p)
            a = self.cli(p, "describe-alarms", "--alarm-names", "jobs-" + p)["MetricAlarms"][0]
            self.assertIs(a["ActionsEnabled"], False, p)
            self.cli(p, "enable-alarm-actions", "--alarm-names", "jobs-" + p)
            a = self.cli(p, "describe-alarms", "--alarm-names", "jobs-" + p)["MetricAlarms"][0]
            self.assertIs(a["ActionsEnabled"], True, p)
            self.cli(p, "delete-alarms", "--alarm-names", "jobs-" + p)
            rc, err = self.cli(p, "delete-alarms", "--alarm-names", "jobs-" + p, check=False)
            self.assertNotEqual(rc, 0)
            self.assertIn("ResourceNotFound", err, p)
            rc, err = self.cli(p, "put-metric-data", "--namespace", "AWS/X", "--metric-name",
                               "m", "--value", "1", check=False)
            self.assertIn("InvalidParameterValue", err, p)
            rc, err = self.cli(p, "set-alarm-state", "--alarm-name", "gone", "--state-value", "OK",
                               "--state-reason", "x", check=False)
            self.assertIn("ResourceNotFound", err, p)


class AlarmsTest(CloudWatchCase):
    def alarm(self, name, **kw):
        a = {"AlarmName": name, "AlarmDescription": "cpu high", "Namespace": "App",
             "MetricName": "CPU", "Dimensions": [{"Name": "Host", "Value": "h1"}],
             "Statistic": "Average", "Period": 60, "EvaluationPeriods": 3,
             "DatapointsToAlarm": 2, "Threshold": 80.5,
             "ComparisonOperator": "GreaterThanOrEqualToThreshold",
             "TreatMissingData": "notBreaching", "Unit": "Percent",
             "AlarmActions": ["arn:aws:sns:us-east-1:%s:t" % OWNER],
             "OKActions": ["arn:aws:sns:us-east-1:%s:ok" % OWNER],
             "Tags": [{"Key": "team", "Value": "ops"}]}
        a.update(kw)
        return a

    VOLATILE = ("AlarmArn", "AlarmConfigurationUpdatedTimestamp", "StateUpdatedTimestamp",
                "StateTransitionedTimestamp", "AlarmName", "StateReason", "StateReasonData")

    def test_alarms_agree_across_protocols(self):
        seen = {}
        for p, cw in self.cw.items():
            name = "cpu-" + p
            # no data, treated as breaching: the evaluator agrees with the ALARM set by hand
            spec = self.alarm(name, TreatMissingData="breaching")
            cw.put_metric_alarm(**spec)
            got = cw.describe_alarms(AlarmNames=[name])
            self.assertEqual(got["CompositeAlarms"], [])
            [a] = got["MetricAlarms"]
            self.assertEqual(a["AlarmArn"],
                             "arn:aws:cloudwatch:us-east-1:%s:alarm:%s" % (OWNER, name))
            self.assertIn(a["StateValue"], ("INSUFFICIENT_DATA", "ALARM"), p)
            want = {k: v for k, v in spec.items() if k != "Tags"}
            self.assertEqual({k: a[k] for k in want}, want, p)
            self.assertIs(a["ActionsEnabled"], True)
            self.assertIsInstance(a["AlarmConfigurationUpdatedTimestamp"], datetime.datetime)
            cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="by hand",
                               StateReasonData='{"why": 1}')
            self.assertEqual(self.hand_set(cw, name),
                             [{"stateValue": "ALARM", "stateReason": "by hand",
                               "stateReasonData": {"why": 1}}], p)
            [a] = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"]
            self.assertEqual(a["StateValue"], "ALARM", p)
            self.assertEqual([x["AlarmName"] for x in cw.describe_alarms(
                StateValue="ALARM", AlarmNamePrefix=name)["MetricAlarms"]], [name])
            self.assertEqual(cw.describe_alarms(AlarmNamePrefix=name,
                                                StateValue="OK")["MetricAlarms"], [])
            self.assertEqual(cw.describe_alarms(AlarmNamePrefix=name,
                                                AlarmTypes=["CompositeAlarm"])["MetricAlarms"], [])
            by_metric = cw.describe_alarms_for_metric(
                Namespace="App", MetricName="CPU", Dimensions=[{"Name": "Host", "Value": "h1"}],
                Statistic="Average")["MetricAlarms"]
            self.assertIn(name, [x["AlarmName"] for x in by_metric])
            self.assertEqual(cw.describe_alarms_for_metric(
                Namespace="App", MetricName="CPU", Dimensions=[{"Name": "Host", "Value": "h1"}],
                Statistic="Sum")["MetricAlarms"], [])
            hist = cw.describe_alarm_history(AlarmName=name)["AlarmHistoryItems"]
            types = [h["HistoryItemType"] for h in hist]
            self.assertIn("ConfigurationUpdate", types, p)
            self.assertIn("StateUpdate", types, p)
            only = cw.describe_alarm_history(AlarmName=name, HistoryItemType="StateUpdate")
            self.assertEqual({h["HistoryItemType"] for h in only["AlarmHistoryItems"]},
                             {"StateUpdate"})
            self.assertIsInstance(hist[0]["Timestamp"], datetime.datetime)
            json.loads(hist[0]["HistoryData"])
            cw.disable_alarm_actions(AlarmNames=[name, "no-such-alarm"])
            [a] = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"]
            self.assertIs(a["ActionsEnabled"], False)
            cw.enable_alarm_actions(AlarmNames=[name])
            [a] = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"]
            self.assertIs(a["ActionsEnabled"], True)
            seen[p] = {k: v for k, v in a.items() if k not in self.VOLATILE}
            cw.delete_alarms(AlarmNames=[name])
            self.assertEqual(cw.describe_alarms(AlarmNames=[name])["MetricAlarms"], [])
        self.assertEqual(seen["json"], seen["query"])
        self.assertEqual(seen["json"], seen["smithy-rpc-v2-cbor"])

    def test_tags(self):
        """ListTagsForResource shows the Tags of PutMetricAlarm; updating the alarm keeps
        them (CloudWatch ignores Tags on an update); another account's ARN is not found."""
        for p, cw in self.cw.items():
            name = "tagged-" + p
            arn = "arn:aws:cloudwatch:us-east-1:%s:alarm:%s" % (OWNER, name)
            cw.put_metric_alarm(**self.alarm(name, Tags=[{"Key": "team", "Value": "ops"},
                                                         {"Key": "tier", "Value": ""}]))
            self.assertEqual(cw.list_tags_for_resource(ResourceARN=arn)["Tags"],
                             [{"Key": "team", "Value": "ops"}, {"Key": "tier", "Value": ""}], p)
            cw.put_metric_alarm(**self.alarm(name, Tags=[{"Key": "other", "Value": "x"}]))
            self.assertEqual(cw.list_tags_for_resource(ResourceARN=arn)["Tags"],
                             [{"Key": "team", "Value": "ops"}, {"Key": "tier", "Value": ""}], p)
            cw.put_metric_alarm(**{k: v for k, v in self.alarm("untagged-" + p).items()
                                   if k != "Tags"})
            self.assertEqual(cw.list_tags_for_resource(
                ResourceARN=arn.replace(name, "untagged-" + p))["Tags"], [], p)
            self.error(cw.list_tags_for_resource, "ResourceNotFoundException", 404,
                       ResourceARN=arn.replace(OWNER, OTHER))
            self.error(cw.list_tags_for_resource, "ResourceNotFoundException", 404,
                       ResourceARN=arn + "-gone")
            self.error(cw.list_tags_for_resource, "InvalidParameterValue", 400,
                       ResourceARN="arn:aws:sns:us-east-1:%s:t" % OWNER)
            # TagResource adds and replaces by key, UntagResource removes; the alarm's
            # configuration and history are left alone
            before = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
            cw.tag_resource(ResourceARN=arn, Tags=[{"Key": "team", "Value": "sec"},
                                                   {"Key": "cost", "Value": "42"}])
            self.assertEqual(cw.list_tags_for_resource(ResourceARN=arn)["Tags"],
                             [{"Key": "tier", "Value": ""}, {"Key": "team", "Value": "sec"},
                              {"Key": "cost", "Value": "42"}], p)
            cw.untag_resource(ResourceARN=arn, TagKeys=["tier", "absent"])
            self.assertEqual(cw.list_tags_for_resource(ResourceARN=arn)["Tags"],
                             [{"Key": "team", "Value": "sec"}, {"Key": "cost", "Value": "42"}])
            after = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
            self.assertEqual(after["AlarmConfigurationUpdatedTimestamp"],
                             before["AlarmConfigurationUpdatedTimestamp"], p)
            self.error(cw.tag_resource, "ResourceNotFoundException", 404,
                       ResourceARN=arn.replace(OWNER, OTHER), Tags=[{"Key": "k", "Value": "v"}])
            self.error(cw.untag_resource, "ResourceNotFoundException", 404,
                       ResourceARN=arn + "-gone", TagKeys=["team"])
            too_many = [{"Key": "k%d" % i, "Value": "v"} for i in range(49)]
            self.error(cw.tag_resource, "InvalidParameterValue", 400, ResourceARN=arn,
                       Tags=too_many)

    def test_describe_paging(self):
        cw = self.cw["smithy-rpc-v2-cbor"]
        for i in range(7):
            cw.put_metric_alarm(**self.alarm("a%d" % i))
        page = cw.describe_alarms(MaxRecords=5)
        self.assertEqual([a["AlarmName"] for a in page["MetricAlarms"]],
                         ["a0", "a1", "a2", "a3", "a4"])
        rest = cw.describe_alarms(MaxRecords=5, NextToken=page["NextToken"])
        self.assertEqual([a["AlarmName"] for a in rest["MetricAlarms"]], ["a5", "a6"])
        self.assertNotIn("NextToken", rest)

    def test_alarm_errors(self):
        for p in PROTOCOLS:
            cw = self.client(p, validate=False)
            e = self.error
            e(cw.put_metric_alarm, "InvalidParameterValue", 400, "ComparisonOperator",
              **self.alarm("x", ComparisonOperator="Bigger"))
            e(cw.put_metric_alarm, "InvalidParameterValue", 400, "Period",
              **self.alarm("x", Period=45))
            e(cw.put_metric_alarm, "InvalidParameterValue", 400, "DatapointsToAlarm",
              **self.alarm("x", DatapointsToAlarm=4))
            e(cw.put_metric_alarm, "InvalidParameterValue", 400, "AlarmActions",
              **self.alarm("x", AlarmActions=["arn:aws:sns:us-east-1:%s:t%d" % (OWNER, i)
                                             for i in range(6)]))
            e(cw.put_metric_alarm, "InvalidParameterValue", 400, "arn",
              **self.alarm("x", AlarmActions=["not-an-arn"]))
            e(cw.put_metric_alarm, "InvalidParameterValue", 400, "Metrics",
              **self.alarm("x", Metrics=[{"Id": "m", "Expression": "1"}]))
            e(cw.put_metric_alarm, "MissingParameter", 400, "AlarmName",
              **{k: v for k, v in self.alarm("x").items() if k != "AlarmName"})
            e(cw.put_metric_alarm, "InvalidParameterCombination", 400, "EvaluationPeriods",
              **self.alarm("x", Period=86400, EvaluationPeriods=8, DatapointsToAlarm=1))
            e(cw.set_alarm_state, "ResourceNotFound", 404, "nope", AlarmName="nope",
              StateValue="OK", StateReason="r")
            cw.put_metric_alarm(**self.alarm("real"))
            e(cw.set_alarm_state, "InvalidFormat", 400, "StateReasonData", AlarmName="real",
              StateValue="OK", StateReason="r", StateReasonData="{not json")
            e(cw.set_alarm_state, "InvalidParameterValue", 400, "StateValue", AlarmName="real",
              StateValue="MAYBE", StateReason="r")
            e(cw.delete_alarms, "ResourceNotFound", 404, None, AlarmNames=["real", "nope"])
            self.assertEqual(len(cw.describe_alarms(AlarmNames=["real"])["MetricAlarms"]), 1)
            e(cw.delete_alarms, "MissingParameter", 400, "AlarmNames", AlarmNames=[])
            e(cw.describe_alarms, "InvalidNextToken", 400, None, NextToken="x")
            e(cw.describe_alarms, "InvalidParameterCombination", 400, None,
              AlarmNames=["real"], AlarmNamePrefix="r")
            e(cw.describe_alarms, "InvalidParameterValue", 400, "MaxRecords", MaxRecords=101)
            e(cw.describe_alarm_history, "InvalidParameterValue", 400, "HistoryItemType",
              HistoryItemType="Gossip")
            cw.delete_alarms(AlarmNames=["real"])

    def test_account_isolation(self):
        self.server.add_user("other", OTHER_KEY, OTHER_SECRET, account=OTHER)
        self.server.restart()
        for p in PROTOCOLS:
            mine = self.client(p)
            theirs = self.client(p, key=OTHER_KEY, secret=OTHER_SECRET)
            mine.put_metric_data(Namespace="Iso", MetricData=[{"MetricName": "m", "Value": 1}])
            mine.put_metric_alarm(**self.alarm("shared-name", Namespace="Iso", MetricName="m"))
            self.assertEqual(theirs.list_metrics(Namespace="Iso")["Metrics"], [], p)
            self.assertEqual(theirs.describe_alarms()["MetricAlarms"], [], p)
            self.assertEqual(theirs.describe_alarm_history()["AlarmHistoryItems"], [], p)
            self.error(theirs.set_alarm_state, "ResourceNotFound", 404, AlarmName="shared-name",
                       StateValue="ALARM", StateReason="x")
            self.error(theirs.delete_alarms, "ResourceNotFound", 404, AlarmNames=["shared-name"])
            theirs.put_metric_alarm(**self.alarm("shared-name", Namespace="Iso", MetricName="m",
                                                 Threshold=1.0))
            [a] = theirs.describe_alarms()["MetricAlarms"]
            self.assertEqual(a["AlarmArn"],
                             "arn:aws:cloudwatch:us-east-1:%s:alarm:shared-name" % OTHER)
            [b] = mine.describe_alarms()["MetricAlarms"]
            self.assertEqual(b["Threshold"], 80.5, p)
            theirs.delete_alarms(AlarmNames=["shared-name"])
            mine.delete_alarms(AlarmNames=["shared-name"])

    def test_audit(self):
        """Alarm calls are management events of monitoring.amazonaws.com; the metric data calls
        (PutMetricData, GetMetricData, GetMetricStatistics, ListMetrics) are not."""
        cw = self.cw["json"]
        t = utcnow()
        cw.put_metric_data(Namespace="Aud", MetricData=[{"MetricName": "m", "Value": 1}])
        cw.list_metrics()
        cw.get_metric_statistics(Namespace="Aud", MetricName="m", Period=60,
                                 StartTime=t - datetime.timedelta(minutes=5), EndTime=t,
                                 Statistics=["Sum"])
        self.cw["smithy-rpc-v2-cbor"].put_metric_alarm(**self.alarm("audited"))
        self.error(self.cw["smithy-rpc-v2-cbor"].set_alarm_state, "ResourceNotFound", 404,
                   AlarmName="none", StateValue="OK", StateReason="x")
        self.cw["query"].describe_alarms(AlarmNames=["audited"])  # the marker: recorded last
        ct = self.server.client("cloudtrail")
        events = []
        for _ in range(300):
            events = [json.loads(e["CloudTrailEvent"]) for e in ct.lookup_events(
                LookupAttributes=[{"AttributeKey": "EventSource",
                                   "AttributeValue": "monitoring.amazonaws.com"}])["Events"]]
            if "DescribeAlarms" in [e["eventName"] for e in events]:
                break
            time.sleep(0.1)
        by_name = {e["eventName"]: e for e in events}
        self.assertEqual(set(by_name), {"PutMetricAlarm", "SetAlarmState", "DescribeAlarms"})
        self.assertEqual(by_name["SetAlarmState"]["errorCode"], "ResourceNotFound")
        self.assertIs(by_name["DescribeAlarms"]["readOnly"], True)
        self.assertIs(by_name["PutMetricAlarm"]["readOnly"], False)
        # requestParameters whatever the protocol: CBOR and the query protocol's form, in
        # CloudTrail's lower camel case, the query protocol's Action and Version left out
        put = by_name["PutMetricAlarm"]["requestParameters"]
        self.assertEqual(put["alarmName"], "audited")
        self.assertEqual(put["threshold"], self.alarm("audited")["Threshold"])
        self.assertEqual(by_name["SetAlarmState"]["requestParameters"]["alarmName"], "none")
        self.assertEqual(by_name["DescribeAlarms"]["requestParameters"],
                         {"alarmNames": ["audited"]})


class AlarmEndToEndTest(CloudWatchCase):
    def test_breach_notifies_sns(self):
        """PutMetricData over the threshold: the alarm goes to ALARM within a tick, its SNS
        topic's file subscription gets AWS's alarm JSON, and the history shows it."""
        sns = self.server.client("sns")
        topic = sns.create_topic(Name="alerts")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="file", Endpoint="alarms.jsonl")
        cw = self.cw["smithy-rpc-v2-cbor"]
        cw.put_metric_alarm(AlarmName="errors-high", Namespace="E2E", MetricName="Errors",
                            Statistic="Sum", Period=10, EvaluationPeriods=1, Threshold=5,
                            ComparisonOperator="GreaterThanThreshold",
                            TreatMissingData="notBreaching", AlarmActions=[topic])
        # high resolution, as a 10-second alarm period needs
        cw.put_metric_data(Namespace="E2E", MetricData=[{"MetricName": "Errors", "Value": 9,
                                                         "StorageResolution": 1}])
        path = os.path.join(self.server.data_dir, "sns", "alarms.jsonl")
        deadline = time.time() + 60
        lines = []
        while time.time() < deadline:
            if os.path.exists(path):
                with open(path) as f:
                    lines = [json.loads(l) for l in f if l.strip()]
                if any(json.loads(l["Message"]).get("NewStateValue") == "ALARM" for l in lines):
                    break
            time.sleep(0.1)
        alarm_msgs = [json.loads(l["Message"]) for l in lines]
        alarm_msgs = [m for m in alarm_msgs if m.get("NewStateValue") == "ALARM"]
        self.assertTrue(alarm_msgs, "no ALARM notification in %r; history %r" % (
            lines, [h["HistorySummary"] for h in cw.describe_alarm_history()["AlarmHistoryItems"]]))
        m = alarm_msgs[0]
        self.assertEqual(m["AlarmName"], "errors-high")
        self.assertEqual(m["AWSAccountId"], OWNER)
        self.assertEqual(m["Trigger"]["MetricName"], "Errors")
        self.assertEqual(m["Trigger"]["Namespace"], "E2E")
        self.assertEqual(m["Trigger"]["ComparisonOperator"], "GreaterThanThreshold")
        self.assertEqual(m["AlarmArn"],
                         "arn:aws:cloudwatch:us-east-1:%s:alarm:errors-high" % OWNER)
        note = [l for l in lines if json.loads(l["Message"]).get("NewStateValue") == "ALARM"][0]
        self.assertTrue(note["Subject"].startswith('ALARM: "errors-high"'), note["Subject"])
        [a] = cw.describe_alarms(AlarmNames=["errors-high"])["MetricAlarms"]
        self.assertEqual(a["StateValue"], "ALARM")
        hist = cw.describe_alarm_history(AlarmName="errors-high",
                                         HistoryItemType="StateUpdate")["AlarmHistoryItems"]
        self.assertTrue(any("to ALARM" in h["HistorySummary"] for h in hist),
                        [h["HistorySummary"] for h in hist])


if __name__ == "__main__":
    main()

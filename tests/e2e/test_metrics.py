"""GET /metrics: the Prometheus text format, counters that move by what happened, who may scrape,
and the real Prometheus (Debian package `prometheus`) scraping opentrail and answering a query.

Every scrape is parsed strictly here (prometheus_client is not a dependency): each line is a
HELP, a TYPE or a sample of a declared family; label values are unescaped; histogram buckets are
cumulative and end with +Inf equal to _count.
"""
import base64
import datetime
import hashlib
import http.client
import json
import math
import os
import re
import shutil
import socket
import subprocess
import time
import unittest
import urllib.parse
import urllib.request

import otharness
from otharness import signed_request
from otlogs import all_log_objects

ACCT = "123456789012"
NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
SAMPLE_RE = re.compile(r"^(%s)(?:\{(.*)\})? (\S+)$" % NAME)
LABEL_RE = re.compile(r'(%s)="((?:[^"\\]|\\.)*)"(,|$)' % LABEL)
TYPES = ("counter", "gauge", "histogram")
SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "counter": ("",), "gauge": ("",)}
PROMETHEUS = shutil.which("prometheus")


def unescape(v):
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "\\": "\\", '"': '"'}[m.group(1)], v)


def parse_value(text):
    if text in ("+Inf", "-Inf", "NaN"):
        return float(text.replace("Inf", "inf").replace("NaN", "nan"))
    return float(text)


def parse_labels(text):
    labels, pos = {}, 0
    while pos < len(text):
        m = LABEL_RE.match(text, pos)
        if not m:
            raise AssertionError("bad labels: %r" % text)
        if m.group(1) in labels:
            raise AssertionError("label %s twice in %r" % (m.group(1), text))
        labels[m.group(1)] = unescape(m.group(2))
        pos = m.end()
    return labels


def parse(text):
    """Strictly parses the exposition; returns {family: {"type", "help", "samples": [(name,
    labels, value)]}}. Raises AssertionError on anything the format does not allow."""
    assert text.endswith("\n"), "the last line must end with a newline"
    families, current = {}, None
    for line in text.split("\n")[:-1]:
        if line.startswith("# HELP "):
            name, _, help_text = line[7:].partition(" ")
            assert re.fullmatch(NAME, name) and name not in families, line
            families[name] = {"help": help_text, "type": None, "samples": []}
            current = name
        elif line.startswith("# TYPE "):
            name, _, kind = line[7:].partition(" ")
            assert name == current and kind in TYPES and families[name]["type"] is None, line
            families[name]["type"] = kind
        else:
            m = SAMPLE_RE.match(line)
            assert m and current and families[current]["type"], "not a sample: %r" % line
            name, labels, value = m.group(1), parse_labels(m.group(2) or ""), parse_value(m.group(3))
            kind = families[current]["type"]
            assert name in [current + s for s in SUFFIXES[kind]], "%s outside its family" % name
            families[current]["samples"].append((name, labels, value))
    for name, fam in families.items():
        check_family(name, fam)
    return families


def check_family(name, fam):
    if fam["type"] == "counter":
        assert name.endswith("_total"), name
        assert all(v >= 0 for _, _, v in fam["samples"]), name
    if fam["type"] != "histogram":
        return
    series = {}
    for sample, labels, value in fam["samples"]:
        key = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
        series.setdefault(key, {"buckets": [], "sum": None, "count": None})
        if sample.endswith("_bucket"):
            series[key]["buckets"].append((parse_value(labels["le"]), value))
        else:
            series[key][sample[len(name) + 1:]] = value
    for key, s in series.items():
        les = [le for le, _ in s["buckets"]]
        counts = [c for _, c in s["buckets"]]
        assert les == sorted(les) and math.isinf(les[-1]), (name, key, les)
        assert counts == sorted(counts), "%s%s buckets not cumulative: %s" % (name, key, counts)
        assert counts[-1] == s["count"], (name, key, "+Inf bucket != _count")
        assert s["sum"] is not None and s["sum"] >= 0, (name, key)


def value(families, name, **labels):
    """The sample name{labels} (exactly those labels), or 0 if absent."""
    family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in families else name
    for sample, lab, v in families.get(family, {"samples": []})["samples"]:
        if sample == name and lab == labels:
            return v
    return 0


def http_get(host, port, path, headers=None):
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("GET", path, headers=headers or {})
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, dict(r.getheaders()), body


def scrape(server):
    status, headers, body = http_get("127.0.0.1", server.port, "/metrics")
    assert status == 200, (status, body)
    assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8", headers
    return parse(body.decode("utf-8"))


def audit_event(uid):
    return json.dumps({"version": "1.0", "userIdentity": {"type": "CustomUser", "principalId": "a"},
                       "eventSource": "app.example.com", "eventName": "Login",
                       "eventTime": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
                       "UID": uid, "recipientAccountId": ACCT})


def wait_for(pred, timeout=60, step=0.3):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def setup_trail(s):
    s.aws("s3api", "create-bucket", "--bucket", "audit-logs")
    trail = s.aws_json("cloudtrail", "create-trail", "--name", "main", "--s3-bucket-name",
                       "audit-logs", "--is-multi-region-trail")
    s.aws("cloudtrail", "start-logging", "--name", "main")
    dest = json.dumps([{"Type": "AWS_SERVICE", "Location": trail["TrailARN"]}])
    return s.aws_json("cloudtrail", "create-channel", "--name", "app", "--source", "Custom",
                      "--destinations", dest)["ChannelArn"]


def put_events(s, channel_arn, good, bad):
    """PutAuditEvents with good valid events and bad ones with a wrong checksum."""
    events = [{"id": "g%d" % i, "eventData": audit_event("u%d" % i)} for i in range(good)]
    events += [{"id": "b%d" % i, "eventData": audit_event("x%d" % i),
                "eventDataChecksum": base64.b64encode(hashlib.sha256(b"other").digest()).decode()}
               for i in range(bad)]
    return s.client("cloudtrail-data").put_audit_events(channelArn=channel_arn, auditEvents=events)


def non_loopback_address():
    """An address of this machine that is not loopback (hostname -I), or None."""
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=10).stdout
    except OSError:
        return None
    for addr in out.split():
        if ":" not in addr and not addr.startswith("127."):
            return addr
    return None


class MetricsTest(otharness.ServerTestCase):
    def test_counters_move_by_what_happened(self):
        s = self.server
        before = scrape(s)
        channel_arn = setup_trail(s)
        resp = put_events(s, channel_arn, good=3, bad=1)
        self.assertEqual((len(resp["successful"]), len(resp["failed"])), (3, 1))
        mid = scrape(s)
        d = lambda fams, name, **l: value(fams, name, **l) - value(before, name, **l)
        self.assertEqual(d(mid, "opentrail_ingest_events_total", result="accepted"), 3)
        self.assertEqual(d(mid, "opentrail_ingest_events_total", result="rejected"), 1)
        self.assertEqual(d(mid, "opentrail_http_requests_total", service="cloudtrail-data",
                           operation="PutAuditEvents", code="2xx"), 1)
        for op in ("CreateTrail", "StartLogging", "CreateChannel"):
            self.assertEqual(d(mid, "opentrail_http_requests_total", service="cloudtrail",
                               operation=op, code="2xx"), 1, op)
        self.assertEqual(d(mid, "opentrail_http_requests_total", service="s3",
                           operation="CreateBucket", code="2xx"), 1)
        self.assertEqual(d(mid, "opentrail_http_request_duration_seconds_count",
                           service="cloudtrail", operation="CreateTrail"), 1)
        # The scrape before this one counts itself once it is answered.
        self.assertEqual(d(mid, "opentrail_http_requests_total", service="none",
                           operation="GetMetrics", code="2xx"), 1)
        # Four control-plane calls audited (CreateBucket, CreateTrail, StartLogging,
        # CreateChannel), each one WAL record, as are the 3 accepted events.
        self.assertEqual(d(mid, "opentrail_audit_events_recorded_total"), 4)
        self.assertEqual(d(mid, "opentrail_wal_records_appended_total"), 7)
        self.assertGreaterEqual(d(mid, "opentrail_wal_group_commits_total"), 1)
        self.assertLessEqual(d(mid, "opentrail_wal_group_commits_total"), 7)
        self.assertGreaterEqual(d(mid, "opentrail_wal_fsync_duration_seconds_count"),
                                d(mid, "opentrail_wal_group_commits_total"))
        self.assertIn("delivery", {l["reader"] for _, l, _ in
                                   mid["opentrail_wal_reader_lag_records"]["samples"]})

        # Delivered: the files and bytes counted are the objects in the bucket.
        s3 = s.client("s3")

        def settled():
            objs = [s3.head_object(Bucket="audit-logs", Key=k)["ContentLength"]
                    for k in all_log_objects(s3, "audit-logs")]
            fams = scrape(s)
            if objs and d(fams, "opentrail_delivery_files_total") == len(objs) and \
                    value(fams, "opentrail_delivery_backlog_events") == 0:
                return fams, objs
            return None
        got = wait_for(settled)
        self.assertTrue(got, "delivered files never matched opentrail_delivery_files_total")
        fams, objs = got
        self.assertEqual(d(fams, "opentrail_delivery_bytes_total"), sum(objs))
        self.assertGreaterEqual(d(fams, "opentrail_delivery_latency_seconds_count"), 1)
        self.assertEqual(d(fams, "opentrail_delivery_quarantined_files_total"), 0)
        # The management events (not the activity events) reach the event history.
        self.assertTrue(wait_for(lambda: d(scrape(s), "opentrail_history_events_indexed_total") >= 4))
        readers = {l["reader"] for _, l, _ in fams["opentrail_wal_reader_lag_seconds"]["samples"]}
        self.assertEqual(readers, {"delivery", "history", "trail-stream", "insights", "rules", "runbooks"})
        self.assertGreater(value(fams, "opentrail_process_resident_memory_bytes"), 0)
        self.assertGreater(value(fams, "opentrail_process_open_fds"), 2)
        self.assertAlmostEqual(value(fams, "opentrail_process_start_time_seconds"), time.time(),
                               delta=600)

    def test_counters_never_go_back(self):
        s = self.server
        prev = scrape(s)
        for _ in range(3):
            s.aws("cloudtrail", "describe-trails")
            cur = scrape(s)
            for name, fam in prev.items():
                if fam["type"] != "counter":
                    continue
                for sample, labels, v in fam["samples"]:
                    self.assertGreaterEqual(value(cur, sample, **labels), v, (sample, labels))
            prev = cur

    def test_signed_scrape_and_a_bucket_called_metrics(self):
        s = self.server
        status, headers, body = signed_request(s, "GET", "/metrics", service="metrics")
        self.assertEqual(status, 200, body)
        self.assertIn("opentrail_http_requests_total", parse(body.decode()))
        status, _, body = signed_request(s, "GET", "/metrics", service="metrics",
                                         secret_override="wrong" * 8)
        self.assertEqual(status, 403, body)
        status, _, body = signed_request(s, "GET", "/other", service="metrics")
        self.assertEqual(status, 404, body)
        # Signed for s3, /metrics is ListObjects of a bucket called "metrics".
        status, _, body = signed_request(s, "GET", "/metrics", service="s3")
        self.assertEqual(status, 404)
        self.assertIn(b"NoSuchBucket", body)
        s.aws("s3api", "create-bucket", "--bucket", "metrics")
        status, _, body = signed_request(s, "GET", "/metrics", service="s3")
        self.assertEqual(status, 200)
        self.assertIn(b"<ListBucketResult", body)
        # A query makes it an S3 call too (unsigned: refused as S3 refuses).
        status, _, body = http_get("127.0.0.1", s.port, "/metrics?list-type=2")
        self.assertEqual(status, 403)
        self.assertIn(b"<Error>", body)

    def test_through_a_proxy_is_not_loopback(self):
        for header in ({"X-Forwarded-For": "127.0.0.1"}, {"Forwarded": "for=127.0.0.1"}):
            status, _, body = http_get("127.0.0.1", self.server.port, "/metrics", header)
            self.assertEqual(status, 403, header)
            self.assertIn(b"loopback", body)


class MetricsSigv4OnlyTest(otharness.ServerTestCase):
    server_args = ("--metrics-access", "sigv4")

    def test_unsigned_loopback_scrape_is_refused(self):
        status, _, body = http_get("127.0.0.1", self.server.port, "/metrics")
        self.assertEqual(status, 403)
        self.assertIn(b"sigv4", body)
        status, _, body = signed_request(self.server, "GET", "/metrics", service="metrics")
        self.assertEqual(status, 200, body)


class MetricsRemoteTest(unittest.TestCase):
    """A peer that is not loopback: the server listens on all addresses and is reached on this
    machine's own non-loopback address, so the TCP peer is that address."""

    def setUp(self):
        self.addr = non_loopback_address()
        if not self.addr:
            self.skipTest("this machine has no non-loopback IPv4 address (hostname -I)")

    def serve(self, *args):
        server = otharness.Server(*args)
        server.extra_args += ["--listen", "0.0.0.0:%d" % server.port]
        self.addCleanup(server.cleanup)
        return server.start()

    def test_remote_unsigned_scrape_is_refused_by_default(self):
        s = self.serve()
        status, _, body = http_get(self.addr, s.port, "/metrics")
        self.assertEqual(status, 403, body)
        self.assertIn(b"loopback", body)
        self.assertEqual(http_get("127.0.0.1", s.port, "/metrics")[0], 200)
        self.assertEqual(s.stop(), 0)

    def test_public_admits_remote_peers(self):
        s = self.serve("--metrics-access", "public")
        status, _, body = http_get(self.addr, s.port, "/metrics")
        self.assertEqual(status, 200, body)
        parse(body.decode())
        self.assertEqual(s.stop(), 0)


@unittest.skipUnless(PROMETHEUS, "prometheus is not installed (Debian: prometheus)")
class RealPrometheusTest(otharness.ServerTestCase):
    def start_prometheus(self):
        tmp = os.path.join(self.server.tmp, "prometheus")
        os.makedirs(tmp)
        # The scrape config of docs/metrics.md, with the test's ports and a 1s interval.
        config = os.path.join(tmp, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                    "scrape_configs:\n  - job_name: opentrail\n"
                    "    static_configs:\n      - targets: ['127.0.0.1:%d']\n" % self.server.port)
        self.prom_port = otharness.free_port()
        log = open(os.path.join(tmp, "prometheus.log"), "wb")
        self.prom = subprocess.Popen(
            [PROMETHEUS, "--config.file=" + config, "--storage.tsdb.path=" + os.path.join(tmp, "data"),
             "--web.listen-address=127.0.0.1:%d" % self.prom_port], stdout=log, stderr=log)
        self.addCleanup(self.stop_prometheus, log)

    def stop_prometheus(self, log):
        self.prom.terminate()
        try:
            self.prom.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.prom.kill()
            self.prom.wait()
        log.close()

    def query(self, promql):
        url = "http://127.0.0.1:%d/api/v1/query?query=%s" % (self.prom_port, urllib.parse.quote(promql))
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                doc = json.load(r)
        except OSError:
            return None
        self.assertEqual(doc["status"], "success", doc)
        return doc["data"]["result"]

    def test_prometheus_scrapes_and_answers_a_query(self):
        s = self.server
        channel_arn = setup_trail(s)
        self.assertEqual(len(put_events(s, channel_arn, good=3, bad=0)["successful"]), 3)
        self.start_prometheus()

        def sample(promql, want):
            r = self.query(promql)
            return r if r and r[0]["value"][1] == want else None
        r = wait_for(lambda: sample('opentrail_ingest_events_total{result="accepted"}', "3"),
                     timeout=120, step=1)
        self.assertTrue(r, "Prometheus never returned the accepted events: %s" %
                        self.query("opentrail_ingest_events_total"))
        self.assertEqual(r[0]["metric"]["job"], "opentrail")
        self.assertEqual(r[0]["metric"]["instance"], "127.0.0.1:%d" % s.port)
        # Each scrape was taken whole: the target is up and its last scrape had no error.
        self.assertEqual(self.query('up{job="opentrail"}')[0]["value"][1], "1")
        with urllib.request.urlopen("http://127.0.0.1:%d/api/v1/targets" % self.prom_port) as t:
            target = json.load(t)["data"]["activeTargets"][0]
        self.assertEqual((target["health"], target["lastError"]), ("up", ""))
        # A histogram reads back as one: the fsync count matches its +Inf bucket.
        count = self.query("opentrail_wal_fsync_duration_seconds_count")[0]["value"][1]
        inf = self.query('opentrail_wal_fsync_duration_seconds_bucket{le="+Inf"}')[0]["value"][1]
        self.assertGreater(float(count), 0)
        self.assertEqual(count, inf)


if __name__ == "__main__":
    otharness.main()

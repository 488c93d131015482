"""--trusted-proxy: the recorded sourceIPAddress (and the access log's src_ip) comes from
X-Forwarded-For / Forwarded only when the TCP peer is a trusted proxy.

The header is added by a boto3 hook after signing, as a proxy in front would add it (it is not
a signed header)."""
import json
import os
import subprocess
import time

import otharness


def call_with_header(server, name, value):
    """ListTrails with one extra header; returns the request id."""
    ct = server.client("cloudtrail")

    def add_header(request, **kwargs):
        request.headers[name] = value

    ct.meta.events.register("before-send.cloudtrail.ListTrails", add_header)
    return ct.list_trails()["ResponseMetadata"]["RequestId"]


def recorded_source_ip(server, request_id, deadline_s=30):
    """sourceIPAddress of the ListTrails event the request caused (from LookupEvents)."""
    ct = server.client("cloudtrail")
    deadline = time.time() + deadline_s
    while True:
        events = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName",
                                                     "AttributeValue": "ListTrails"}])["Events"]
        for e in events:
            rec = json.loads(e["CloudTrailEvent"])
            if rec.get("requestID") == request_id:
                return rec["sourceIPAddress"]
        if time.time() > deadline:
            raise AssertionError("no ListTrails event with requestID %s" % request_id)
        time.sleep(0.2)


def logged_src_ip(server, request_id):
    for line in server.log_text().splitlines():
        if " info access " in line and "request_id=" + request_id in line:
            return line.split("src_ip=", 1)[1].split(" ", 1)[0]
    raise AssertionError("no access line for " + request_id)


class TrustedProxyTest(otharness.ServerTestCase):
    server_args = ("--trusted-proxy", "127.0.0.1/32,10.0.0.0/8")

    def check(self, header, value, want):
        rid = call_with_header(self.server, header, value)
        self.assertEqual(recorded_source_ip(self.server, rid), want, (header, value))
        self.assertEqual(logged_src_ip(self.server, rid), want, (header, value))

    def test_forwarded_client_is_recorded(self):
        self.check("X-Forwarded-For", "198.51.100.23", "198.51.100.23")
        # The client's own claim (left) is not believed: the right-most untrusted hop is.
        self.check("X-Forwarded-For", "6.6.6.6, 198.51.100.24, 10.1.2.3", "198.51.100.24")
        self.check("Forwarded", 'for="[2001:db8::7]:4711";proto=https', "2001:db8::7")
        # Forwarded wins over X-Forwarded-For.
        rid_hdrs = self.server.client("cloudtrail")

        def both(request, **kwargs):
            request.headers["Forwarded"] = "for=203.0.113.5"
            request.headers["X-Forwarded-For"] = "198.51.100.99"

        rid_hdrs.meta.events.register("before-send.cloudtrail.ListTrails", both)
        rid = rid_hdrs.list_trails()["ResponseMetadata"]["RequestId"]
        self.assertEqual(recorded_source_ip(self.server, rid), "203.0.113.5")

    def test_malformed_header_keeps_the_peer_address(self):
        self.check("X-Forwarded-For", "not-an-ip", "127.0.0.1")
        self.check("Forwarded", "for=unknown", "127.0.0.1")
        self.check("Forwarded", "for=[::1]", "127.0.0.1")   # IPv6 must be quoted


class UntrustedPeerTest(otharness.ServerTestCase):
    # The peer (127.0.0.1) is not in the trusted block: its headers prove nothing.
    server_args = ("--trusted-proxy", "10.0.0.0/8")

    def test_header_from_an_untrusted_peer_is_ignored(self):
        rid = call_with_header(self.server, "X-Forwarded-For", "198.51.100.23")
        self.assertEqual(recorded_source_ip(self.server, rid), "127.0.0.1")
        rid = call_with_header(self.server, "Forwarded", "for=198.51.100.23")
        self.assertEqual(recorded_source_ip(self.server, rid), "127.0.0.1")


class NoTrustTest(otharness.ServerTestCase):
    def test_without_the_option_headers_are_ignored(self):
        rid = call_with_header(self.server, "X-Forwarded-For", "198.51.100.23")
        self.assertEqual(recorded_source_ip(self.server, rid), "127.0.0.1")


class BadOptionTest(otharness.ServerTestCase):
    def setUp(self):
        self.server = otharness.Server()

    def test_bad_cidr_stops_the_server(self):
        for bad, why in (("10.0.0.1/8", "bits set past the prefix"), ("10.0.0.0/33", "prefix length"),
                         ("proxy.local", "not an IPv4 or IPv6 address"), ("10.0.0.0/8,,", "empty entry")):
            p = subprocess.run([otharness.BIN, "serve", "--listen", "127.0.0.1:%d" % self.server.port,
                                "--data-dir", self.server.data_dir, "--trusted-proxy", bad],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 1, bad)
            self.assertIn("--trusted-proxy", p.stderr)
            self.assertIn(why, p.stderr, bad)
            self.assertFalse(os.path.exists(self.server.data_dir))   # refused before any file


if __name__ == "__main__":
    otharness.main()

"""docs/proxy.md's nginx configuration, as written there, in front of the real server: the
aws CLI works through it over TLS (SigV4 still verifies: Host and URI pass unchanged), and with
--trusted-proxy the client address nginx saw becomes the event's sourceIPAddress.

Needs nginx (Debian: nginx-light); skipped without it."""
import http.client
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import time
import unittest

import otharness

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
DOC = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "proxy.md")


def doc_server_block(port, upstream_port, cert, key):
    """The ```nginx block of docs/proxy.md, pointed at our port, certificate and server."""
    text = open(DOC).read()
    block = re.search(r"```nginx\n(.*?)```", text, re.S).group(1)
    block = re.sub(r"listen \[::\]:443[^\n]*\n", "", block)   # the test host may lack IPv6
    block = block.replace("listen 443", "listen 127.0.0.1:%d" % port)
    block = block.replace("127.0.0.1:4590", "127.0.0.1:%d" % upstream_port)
    block = re.sub(r"ssl_certificate [^;]+;", "ssl_certificate %s;" % cert, block)
    block = re.sub(r"ssl_certificate_key [^;]+;", "ssl_certificate_key %s;" % key, block)
    return block


@unittest.skipUnless(NGINX, "nginx is not installed")
class NginxFrontTest(otharness.ServerTestCase):
    server_args = ("--trusted-proxy", "127.0.0.1/32", "--max-connections-per-ip", "0")

    def setUp(self):
        super().setUp()
        s = self.server
        self.cert, key = otharness.make_tls_cert(s.tmp, cn="localhost")
        self.port = otharness.free_port()
        ngx = os.path.join(s.tmp, "nginx")
        os.makedirs(ngx)
        with open(os.path.join(ngx, "nginx.conf"), "w") as f:
            f.write("daemon off;\nmaster_process off;\npid %s/nginx.pid;\nerror_log %s/error.log;\n"
                    "events {}\nhttp {\n  access_log off;\n  client_body_temp_path %s;\n"
                    "  proxy_temp_path %s;\n%s\n}\n"
                    % (ngx, ngx, ngx, ngx, doc_server_block(self.port, s.port, self.cert, key)))
        self.nginx = subprocess.Popen([NGINX, "-p", ngx, "-c", os.path.join(ngx, "nginx.conf")],
                                      stderr=subprocess.PIPE)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                http.client.HTTPSConnection("127.0.0.1", self.port, timeout=2,
                                            context=ssl._create_unverified_context()).connect()
                return
            except OSError:
                self.assertIsNone(self.nginx.poll(), self.nginx.stderr and self.nginx.stderr.read())
                time.sleep(0.1)
        self.fail("nginx did not start")

    def tearDown(self):
        self.nginx.send_signal(signal.SIGTERM)
        self.nginx.wait(timeout=30)
        super().tearDown()

    def proxied_env(self):
        env = self.server.env()
        env["AWS_ENDPOINT_URL"] = "https://localhost:%d" % self.port
        env["AWS_CA_BUNDLE"] = self.cert
        return env

    def test_aws_cli_through_nginx(self):
        s, env = self.server, self.proxied_env()
        s.aws("s3api", "create-bucket", "--bucket", "via-proxy", env=env)
        # A key that a decoding or normalising proxy would break: spaces, '%2F', '+', unicode.
        key = "a b/c%2Fd+e=f/é.txt"
        s.aws("s3api", "put-object", "--bucket", "via-proxy", "--key", key, "--body", DOC, env=env)
        _, out, _ = s.aws("s3api", "list-objects-v2", "--bucket", "via-proxy", env=env)
        self.assertEqual([o["Key"] for o in json.loads(out)["Contents"]], [key])
        s.aws("cloudtrail", "create-trail", "--name", "proxied", "--s3-bucket-name", "via-proxy", env=env)
        _, out, _ = s.aws("cloudtrail", "describe-trails", env=env)
        self.assertEqual([t["Name"] for t in json.loads(out)["trailList"]], ["proxied"])
        # The probes pass through without credentials.
        conn = http.client.HTTPSConnection("localhost", self.port, timeout=30,
                                           context=ssl.create_default_context(cafile=self.cert))
        conn.request("GET", "/ready")
        r = conn.getresponse()
        self.assertEqual((r.status, json.loads(r.read())["status"]), (200, "ready"))

    def test_client_address_nginx_saw_is_recorded(self):
        """A signed ListTrails sent to nginx from 127.0.0.2: nginx's peer is 127.0.0.2, ours
        is nginx (127.0.0.1, trusted), so the event says 127.0.0.2."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        s = self.server
        key, secret = otharness.read_credentials(s.credentials_file)
        url = "https://localhost:%d/" % self.port
        req = AWSRequest(method="POST", url=url, data=b"{}",
                         headers={"X-Amz-Target": "com.amazonaws.cloudtrail.v20131101."
                                                  "CloudTrail_20131101.ListTrails",
                                  "Content-Type": "application/x-amz-json-1.1"})
        SigV4Auth(Credentials(key, secret), "cloudtrail", s.region).add_auth(req)
        prepared = req.prepare()
        conn = http.client.HTTPSConnection("localhost", self.port, timeout=30,
                                           source_address=("127.0.0.2", 0),
                                           context=ssl.create_default_context(cafile=self.cert))
        conn.request("POST", "/", body=b"{}", headers=dict(prepared.headers))
        r = conn.getresponse()
        body = r.read()
        self.assertEqual(r.status, 200, body)
        rid = r.getheader("x-amzn-RequestId")
        ct = s.client("cloudtrail")
        deadline = time.time() + 30
        while True:
            events = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName",
                                                         "AttributeValue": "ListTrails"}])["Events"]
            recs = [json.loads(e["CloudTrailEvent"]) for e in events]
            mine = [x for x in recs if x.get("requestID") == rid]
            if mine or time.time() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0]["sourceIPAddress"], "127.0.0.2")


if __name__ == "__main__":
    otharness.main()

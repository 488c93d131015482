"""Test harness: start the real opentrail binary and drive it with the real aws CLI and boto3.

Every end-to-end test uses Server: it runs $OPENTRAIL_BIN serve on a free loopback port with a
temporary data dir, and hands out an environment, CLI runner and boto3 clients pointed at it.
Server output goes to <tmp>/server.log; a sanitizer report in it fails the test.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import boto3
import botocore.config

BIN = os.environ.get("OPENTRAIL_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "opentrail")
AWS = os.path.join(os.path.dirname(sys.executable), "aws")
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "runtime error:", "UndefinedBehaviorSanitizer")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_credentials(path):
    """The [default] access key and secret from an AWS shared-credentials file."""
    key = secret = None
    section = None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                section = line.strip("[]").strip()
            elif "=" in line and section == "default":
                k, v = (x.strip() for x in line.split("=", 1))
                if k == "aws_access_key_id":
                    key = v
                elif k == "aws_secret_access_key":
                    secret = v
    return key, secret


def make_tls_cert(directory, cn="127.0.0.1"):
    """A self-signed certificate for 127.0.0.1/localhost made with the openssl CLI; returns
    (cert_path, key_path)."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=" + cn,
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


class Server:
    def __init__(self, *extra_args, delivery_interval="1s", data_dir=None, region="us-east-1",
                 tls=False, embedded_runbooks=False):
        self.tmp = tempfile.mkdtemp(prefix="ot-e2e-")
        # Most tests stop and delete trails and put public bucket policies on purpose; the
        # runbooks that undo such changes would undo them. So unless a test asks for the
        # embedded runbook defaults (embedded_runbooks=True) or sets the option itself,
        # trail-restore and bucket-policy-restore are off.
        self.embedded_runbooks = embedded_runbooks
        # tls=True: serve HTTPS with a fresh self-signed certificate (self.tls_cert), and every
        # client below trusts it.
        self.tls_cert = self.tls_key = None
        if tls:
            self.tls_cert, self.tls_key = make_tls_cert(self.tmp)
            extra_args = extra_args + ("--tls-cert", self.tls_cert, "--tls-key", self.tls_key)
        self.data_dir = data_dir or os.path.join(self.tmp, "data")
        self.extra_args = list(extra_args)
        self.delivery_interval = delivery_interval
        self.region = region
        self.port = free_port()
        self.proc = None
        self.log_path = os.path.join(self.tmp, "server.log")

    @property
    def endpoint(self):
        return "%s://127.0.0.1:%d" % ("https" if self.tls_cert else "http", self.port)

    @property
    def credentials_file(self):
        return os.path.join(self.data_dir, "credentials")

    def add_user(self, name, key, secret, account=None, **opentrail):
        """Appends a user to the server's credentials file; account and opentrail_* keys
        (principal_type="Root", ...) are optional. The server reads it at start or on SIGHUP."""
        lines = ["", "[%s]" % name, "aws_access_key_id = %s" % key,
                 "aws_secret_access_key = %s" % secret]
        if account:
            lines.append("opentrail_account_id = %s" % account)
        lines += ["opentrail_%s = %s" % kv for kv in opentrail.items()]
        with open(self.credentials_file, "a") as f:
            f.write("\n".join(lines) + "\n")

    def start(self):
        args = [BIN, "serve", "--listen", "127.0.0.1:%d" % self.port, "--data-dir", self.data_dir,
                "--delivery-interval", self.delivery_interval] + self.extra_args
        if not self.embedded_runbooks:
            for opt in ("--runbook-trail-restore", "--runbook-bucket-policy-restore"):
                if opt not in self.extra_args:
                    args += [opt, "off"]
        self.log = open(self.log_path, "ab")
        logged_before = os.path.getsize(self.log_path)
        # OPENTRAIL_BIN is the harness's own variable, not a server option (it would be warned
        # about as an unknown OPENTRAIL_* variable).
        env = {k: v for k, v in os.environ.items() if k != "OPENTRAIL_BIN"}
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        # The port accepts connections as soon as it is bound (they wait in the backlog while the
        # server recovers); the server is ready once it says so.
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited with %s:\n%s" % (self.proc.returncode, self.log_text()))
            with open(self.log_path, "rb") as f:
                f.seek(logged_before)
                if b"opentrail listening on" in f.read():
                    return self
            time.sleep(0.05)
        raise RuntimeError("server did not start listening:\n" + self.log_text())

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self):
        """Graceful stop; returns the exit code (sanitizer builds fail it on leaks)."""
        if not self.proc:
            return 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.proc = None
        self.log.close()
        return rc

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc = None
        self.log.close()

    def restart(self):
        rc = self.stop()
        self.start()
        return rc

    def cleanup(self):
        if self.proc:
            self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def sanitizer_report(self):
        text = self.log_text()
        return text if any(m in text for m in SANITIZER_MARKS) else ""

    # --- clients -------------------------------------------------------------------------------
    def env(self, region=None, endpoint=True):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({
            "AWS_SHARED_CREDENTIALS_FILE": self.credentials_file,
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_DEFAULT_REGION": region or self.region,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_RETRY_MODE": "standard",
        })
        if endpoint:
            env["AWS_ENDPOINT_URL"] = self.endpoint
        if self.tls_cert:
            env["AWS_CA_BUNDLE"] = self.tls_cert
        return env

    def aws(self, *args, region=None, check=True, input=None, env=None):
        """Runs the real aws CLI; returns (rc, stdout, stderr). check=True asserts rc == 0."""
        p = subprocess.run([AWS] + [str(a) for a in args], env=env or self.env(region),
                           capture_output=True, text=True, input=input, timeout=120)
        if check and p.returncode != 0:
            raise AssertionError("aws %s failed (%d): %s%s" % (" ".join(map(str, args)), p.returncode,
                                                             p.stdout, p.stderr))
        return p.returncode, p.stdout, p.stderr

    def aws_json(self, *args, region=None):
        _, out, _ = self.aws(*args, "--output", "json", region=region)
        return json.loads(out) if out.strip() else {}

    def client(self, service, region=None, **kw):
        key, secret = read_credentials(self.credentials_file)
        if self.tls_cert:
            kw.setdefault("verify", self.tls_cert)
        config = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"},
                                        s3={"addressing_style": "path"})
        if "config" in kw:   # the caller's settings (timeouts …) win
            config = config.merge(kw.pop("config"))
        return boto3.session.Session().client(
            service, region_name=region or self.region, endpoint_url=self.endpoint,
            aws_access_key_id=key, aws_secret_access_key=secret, config=config, **kw)


class ServerTestCase(unittest.TestCase):
    """Starts one server per test; fails the test on a sanitizer report or an unclean exit."""
    server_args = ()
    delivery_interval = "1s"
    embedded_runbooks = False  # True: the runbooks as the server's defaults have them

    def setUp(self):
        self.server = Server(*self.server_args, delivery_interval=self.delivery_interval,
                             embedded_runbooks=self.embedded_runbooks).start()

    def tearDown(self):
        rc = self.server.stop()
        report = self.server.sanitizer_report()
        log = self.server.log_text()
        self.server.cleanup()
        self.assertEqual(report, "", "sanitizer report in server log")
        self.assertEqual(rc, 0, "server exited uncleanly:\n" + log[-4000:])

    def client_error(self, call, **kw):
        """Calls an SDK method that must fail; returns AWS's (code, message)."""
        import botocore.exceptions
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            call(**kw)
        e = cm.exception.response["Error"]
        return e["Code"], e["Message"]

    def cloudtrail_raw(self, operation, body):
        """Sends a CloudTrail operation with a raw JSON body no SDK would send; returns
        (status, __type, message)."""
        status, _, data = signed_request(
            self.server, "POST", "/", body=json.dumps(body).encode(),
            headers={"X-Amz-Target": "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."
                                     + operation,
                     "Content-Type": "application/x-amz-json-1.1"})
        doc = json.loads(data)
        return status, doc.get("__type"), doc.get("message")


def main():
    unittest.main(verbosity=2)


def signed_request(server, method, path, body=b"", service="cloudtrail", headers=None,
                   region=None, secret_override=None, sign=True, send_body=None):
    """Sends a raw request signed with botocore's own SigV4 signer; returns (status, headers, body).
    Lets tests send bodies no SDK would produce (malformed JSON, invalid UTF-8, huge);
    send_body, if given, is sent in place of the signed body (tampering)."""
    import http.client
    from botocore.auth import S3SigV4Auth, SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    key, secret = read_credentials(server.credentials_file)
    url = server.endpoint + path
    req = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    if sign:
        signer = S3SigV4Auth if service == "s3" else SigV4Auth   # S3 signs the path as sent
        signer(Credentials(key, secret_override or secret), service, region or server.region).add_auth(req)
    prepared = req.prepare()
    if server.tls_cert:
        import ssl
        conn = http.client.HTTPSConnection("127.0.0.1", server.port, timeout=60,
                                           context=ssl.create_default_context(cafile=server.tls_cert))
    else:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.request(method, prepared.url[len(server.endpoint):], body=body if send_body is None else send_body, headers=dict(prepared.headers))
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, dict(r.getheaders()), data

"""Item 9: HTTPS with --tls-cert/--tls-key; the real aws CLI (--ca-bundle) and boto3 (verify=)
talk to it, a plain-HTTP client is refused cleanly, and bad TLS options stop the server before it
creates its data dir."""
import os
import socket
import ssl
import subprocess
import tempfile

import botocore.exceptions

from otharness import AWS, BIN, Server, ServerTestCase, free_port, main, make_tls_cert, signed_request


class TlsServe(ServerTestCase):
    def setUp(self):
        self.server = Server(delivery_interval="1s", tls=True).start()

    def test_aws_cli_with_ca_bundle(self):
        s = self.server
        env = s.env(endpoint=False)
        env.pop("AWS_CA_BUNDLE", None)   # the CLI option alone must be enough
        p = subprocess.run([AWS, "cloudtrail", "describe-trails", "--ca-bundle", s.tls_cert,
                            "--endpoint-url", s.endpoint, "--output", "json"],
                           env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn('"trailList"', p.stdout)
        self.assertTrue(s.endpoint.startswith("https://"))

    def test_boto3_verify_and_s3(self):
        s = self.server
        s.client("s3").create_bucket(Bucket="tls-bucket")
        ct = s.client("cloudtrail")
        arn = ct.create_trail(Name="tls-trail", S3BucketName="tls-bucket")["TrailARN"]
        self.assertEqual(ct.get_trail(Name="tls-trail")["Trail"]["TrailARN"], arn)
        s3 = s.client("s3")
        s3.put_object(Bucket="tls-bucket", Key="k", Body=b"x" * 100000)
        self.assertEqual(s3.get_object(Bucket="tls-bucket", Key="k")["Body"].read(), b"x" * 100000)
        status, _, _ = signed_request(s, "POST", "/", body=b"{}", headers={
            "X-Amz-Target": "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails",
            "Content-Type": "application/x-amz-json-1.1"})
        self.assertEqual(status, 200)

    def test_client_without_the_certificate_refuses(self):
        """It really is TLS with our certificate: a client trusting only the system CAs fails."""
        ct = self.server.client("cloudtrail", verify=True)
        with self.assertRaises(botocore.exceptions.SSLError):
            ct.describe_trails()

    def test_plain_http_to_tls_port_fails_cleanly(self):
        s = self.server
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", s.port), timeout=30) as c:
                c.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}")
                data = b""
                try:
                    while True:
                        d = c.recv(4096)
                        if not d:
                            break
                        data += d
                except (ConnectionResetError, socket.timeout):
                    pass
                self.assertNotIn(b"HTTP/1.1 200", data)
        # the server is still there and still serves TLS clients
        self.assertEqual(s.client("cloudtrail").describe_trails()["trailList"], [])


class TlsOptions(ServerTestCase):
    """Bad TLS options: a clear message, exit code non-zero, no data dir created."""
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ot-tls-")
        self.cert, self.key = make_tls_cert(self.tmp)
        other = os.path.join(self.tmp, "other")
        os.mkdir(other)
        self.other_cert, self.other_key = make_tls_cert(other)

    def tearDown(self):
        import shutil
        shutil.rmtree(self.tmp, ignore_errors=True)

    def serve(self, *args, stdin=None):
        data = os.path.join(self.tmp, "data")
        p = subprocess.run([BIN, "serve", "--listen", "127.0.0.1:%d" % free_port(),
                            "--data-dir", data] + list(args), stdin=stdin,
                           capture_output=True, text=True, timeout=60)
        self.assertNotEqual(p.returncode, 0)
        self.assertFalse(os.path.exists(data), "data dir created despite bad TLS options")
        return p.stdout + p.stderr

    def test_cert_without_key(self):
        self.assertIn("tls-cert and tls-key go together", self.serve("--tls-cert", self.cert))

    def test_key_of_another_cert(self):
        out = self.serve("--tls-cert", self.cert, "--tls-key", self.other_key)
        self.assertIn("is not the private key of tls-cert", out)

    def test_missing_file(self):
        out = self.serve("--tls-cert", self.cert, "--tls-key", os.path.join(self.tmp, "nope.pem"))
        self.assertIn("cannot read", out)

    def test_encrypted_key_is_refused_not_prompted_for(self):
        enc = os.path.join(self.tmp, "enc.pem")
        subprocess.run(["openssl", "pkey", "-in", self.key, "-aes128", "-passout", "pass:secret",
                        "-out", enc], check=True, capture_output=True)
        # stdin is a pipe nobody writes to: a passphrase prompt would hang until the timeout.
        out = self.serve("--tls-cert", self.cert, "--tls-key", enc, stdin=subprocess.PIPE)
        self.assertIn("is not an unencrypted PEM private key", out)

    def test_not_pem(self):
        out = self.serve("--tls-cert", self.key, "--tls-key", self.key)
        self.assertIn("is not a PEM certificate", out)

    def test_config_file_keys(self):
        conf = os.path.join(self.tmp, "ot.conf")
        with open(conf, "w") as f:
            f.write("tls-cert = %s\ntls-key = %s\n" % (self.cert, self.key))
        s = Server("--config", conf)
        s.tls_cert = self.cert   # clients trust it; the server got it from the file only
        try:
            s.start()
            self.assertEqual(s.client("cloudtrail").describe_trails()["trailList"], [])
            self.assertIn("listening on https://", s.log_text())
        finally:
            rc = s.stop()
            report = s.sanitizer_report()
            s.cleanup()
        self.assertEqual(rc, 0)
        self.assertEqual(report, "")


if __name__ == "__main__":
    main()

"""End to end: `opentrail import s3://BUCKET/PREFIX` reads any S3 endpoint over the S3 API —
moto_server (a third-party S3) and our own server — with the standard credential chain and
AWS_ENDPOINT_URL[_S3]; errors name what went wrong (no bucket, no credentials, a host that
does not resolve)."""
import gzip
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import boto3

import ctfixture as cf
import otharness

ACCT = "999988887777"
CT = "AWSLogs/%s/CloudTrail/us-east-1/2024/03/01/" % ACCT


def event(i):
    return {"eventVersion": "1.09", "eventTime": "2024-03-01T%02d:%02d:00Z" % (i // 60 % 24, i % 60),
            "userIdentity": {"type": "IAMUser", "userName": "alice", "accessKeyId": "AKIAALICE"},
            "eventSource": "iam.amazonaws.com", "eventName": "CreateUser", "awsRegion": "us-east-1",
            "eventID": "00000000-0000-0000-0000-%012d" % i, "readOnly": False,
            "eventType": "AwsApiCall", "managementEvent": True, "eventCategory": "Management",
            "recipientAccountId": ACCT}


def log_file(ids):
    return gzip.compress(json.dumps({"Records": [event(i) for i in ids]}).encode())


def run(*args, env=None):
    return subprocess.run([otharness.BIN] + list(args), capture_output=True, text=True, timeout=300,
                          env=env)


def fill(s3, bucket, many=0, top=""):
    """A trail's bucket (its keys below top): log files (one key with a space and a '+'), a digest and a non-log
    object that are left out, a file outside the prefix; `many` extra one-event files force
    ListObjectsV2 to page. Returns the event ids below the prefix."""
    s3.create_bucket(Bucket=bucket)
    ct = top + CT
    s3.put_object(Bucket=bucket, Key=ct + ACCT + "_CloudTrail_us-east-1_a.json.gz", Body=log_file(range(0, 40)))
    s3.put_object(Bucket=bucket, Key=ct + "odd name+x_CloudTrail.json.gz", Body=log_file(range(40, 50)))
    s3.put_object(Bucket=bucket, Key=ct + "plain.json",
                  Body=json.dumps({"Records": [event(i) for i in range(50, 55)]}).encode())
    s3.put_object(Bucket=bucket, Key=top + "AWSLogs/%s/CloudTrail-Digest/us-east-1/2024/03/01/%s_CloudTrail-Digest_us-east-1_x.json.gz" % (ACCT, ACCT),
                  Body=gzip.compress(b'{"digest": true}'))
    s3.put_object(Bucket=bucket, Key=ct + "notes.txt", Body=b"not a log")
    s3.put_object(Bucket=bucket, Key="other/outside.json.gz", Body=log_file(range(900000, 900010)))
    for k in range(many):
        s3.put_object(Bucket=bucket, Key=ct + "many/%05d.json.gz" % k, Body=log_file([1000 + k]))
    return set(range(0, 55)) | {1000 + k for k in range(many)}


def imported_ids(data):
    p = run("lookup", "--data-dir", data, "--output", "ndjson", "--max", "0")
    assert p.returncode == 0, p.stderr
    return {int(json.loads(l)["eventID"].rsplit("-", 1)[1]) for l in p.stdout.splitlines()}


class ImportFromMoto(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ot-import-s3-")
        cls.moto = cf.Moto(cls.tmp)
        cls.s3 = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                       region_name="us-east-1").client("s3", endpoint_url=cls.moto.url)
        cls.want = fill(cls.s3, "trail-bucket", many=1005)

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def env(self, **kw):
        e = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        e.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                 AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE=os.devnull,
                 AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_ENDPOINT_URL_S3=self.moto.url)
        e.update(kw)
        return {k: v for k, v in e.items() if v is not None}

    def data_dir(self, name):
        return os.path.join(self.tmp, name)

    def test_import_every_log_below_the_prefix(self):
        data = self.data_dir("all")
        p = run("import", "s3://trail-bucket/AWSLogs/", "--data-dir", data, "--quiet", env=self.env())
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(imported_ids(data), self.want)
        # the same again: nothing new (eventIDs already indexed)
        p = run("import", "s3://trail-bucket/AWSLogs", "--data-dir", data, env=self.env())
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(imported_ids(data), self.want)

    def test_generic_endpoint_and_profile_credentials(self):
        # AWS_ENDPOINT_URL (no per-service variable) and a named profile of the shared file
        creds = os.path.join(self.tmp, "creds")
        with open(creds, "w") as f:
            f.write("[default]\naws_access_key_id = wrong\naws_secret_access_key = wrong\n"
                    "[moto]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
        data = self.data_dir("profile")
        env = self.env(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None, AWS_ENDPOINT_URL_S3=None,
                       AWS_ENDPOINT_URL=self.moto.url, AWS_SHARED_CREDENTIALS_FILE=creds)
        p = run("import", "s3://trail-bucket/" + CT + "plain", "--data-dir", data, "--profile", "moto",
                env=env)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(imported_ids(data), set(range(50, 55)))

    def test_errors_name_the_cause(self):
        data = self.data_dir("errors")
        p = run("import", "s3://no-such-bucket/x", "--data-dir", data, env=self.env())
        self.assertEqual(p.returncode, 1)
        self.assertIn("NoSuchBucket", p.stderr)
        p = run("import", "s3://trail-bucket", "--data-dir", data,
                env=self.env(AWS_ENDPOINT_URL_S3="http://no-such-host.invalid:9"))
        self.assertEqual(p.returncode, 1)
        self.assertIn("no-such-host.invalid", p.stderr)
        self.assertIn("AWS_ENDPOINT_URL", p.stderr)
        p = run("import", "s3://trail-bucket", "--data-dir", data,
                env=self.env(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None))
        self.assertEqual(p.returncode, 1)
        self.assertIn("Unable to locate credentials", p.stderr)
        self.assertIn(os.path.join(data, "credentials"), p.stderr)
        # an empty object is reported, like an empty file
        self.s3.create_bucket(Bucket="empty-bucket")
        self.s3.put_object(Bucket="empty-bucket", Key="e.json", Body=b"")
        p = run("import", "s3://empty-bucket", "--data-dir", data, env=self.env())
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("empty file", p.stdout + p.stderr)
        # a local directory still imports as before
        d = os.path.join(self.tmp, "localdir")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "a.json.gz"), "wb") as f:
            f.write(log_file(range(7000, 7003)))
        data = self.data_dir("local")
        p = run("import", d, "--data-dir", data, env=self.env(AWS_ACCESS_KEY_ID=None))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(imported_ids(data), {7000, 7001, 7002})


class ImportFromOurServer(otharness.ServerTestCase):
    def test_import_from_our_s3(self):
        s = self.server
        # (our server keeps AWSLogs/ for its own deliveries: the copy sits below export/)
        want = fill(s.client("s3"), "ours-bucket", top="export/")
        data = os.path.join(s.tmp, "import-data")
        # the server's credentials file and AWS_ENDPOINT_URL, as `opentrail serve` prints them
        p = run("import", "s3://ours-bucket/export/AWSLogs", "--data-dir", data, env=s.env())
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(imported_ids(data), want)
        # with no other credentials, DATA-DIR/credentials is the last link of the chain
        env = dict(s.env(), AWS_SHARED_CREDENTIALS_FILE=os.devnull)
        os.makedirs(os.path.join(s.tmp, "d2"))
        shutil.copy(s.credentials_file, os.path.join(s.tmp, "d2", "credentials"))
        p = run("import", "s3://ours-bucket/export/" + CT + "plain", "--data-dir", os.path.join(s.tmp, "d2"),
                env=env)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(imported_ids(os.path.join(s.tmp, "d2")), set(range(50, 55)))


class ImportOverHttps(unittest.TestCase):
    def test_https_endpoint_trusted_through_aws_ca_bundle(self):
        s = otharness.Server(tls=True).start()
        try:
            want = fill(s.client("s3"), "tls-bucket", top="export/")
            data = os.path.join(s.tmp, "import-data")
            p = run("import", "s3://tls-bucket/export/", "--data-dir", data, env=s.env())
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertEqual(imported_ids(data), want)
            # without the bundle the self-signed certificate is refused
            env = {k: v for k, v in s.env().items() if k != "AWS_CA_BUNDLE"}
            p = run("import", "s3://tls-bucket/export/", "--data-dir", data, env=env)
            self.assertEqual(p.returncode, 1)
            self.assertIn("certificate", p.stderr.lower())
        finally:
            s.stop()
            s.cleanup()


if __name__ == "__main__":
    otharness.main()

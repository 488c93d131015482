"""End to end: opentrail's AWS client commands — `import s3://`, `validate s3://`,
`lookup --endpoint` — find credentials as the AWS CLI does (docs/credentials.md): the environment,
then the profile (--profile beats AWS_PROFILE and the environment), with static keys,
credential_process, or role_arn + source_profile through STS AssumeRole.

The S3 and STS are moto_server's (third party): its recorder keeps every request, so the tests
see which access key signed what, and moto's GetCallerIdentity confirms that the key used for S3
is the one moto's AssumeRole issued. Which key the chain picks is checked against botocore itself
(the same files and environment, resolved by botocore.session). LookupEvents goes to our own
server, whose credentials file decides what is accepted."""
import base64
import datetime as dt
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.parse
import urllib.request

import boto3

import ctfixture as cf
import otharness

BUCKET = cf.BUCKET
BASE_KEY, BASE_SECRET = "AKIDBASE00000001", "base-secret"


def run(*args, env):
    p = subprocess.run([otharness.BIN] + list(args), capture_output=True, text=True, timeout=120,
                       env=env)
    assert "Sanitizer" not in p.stderr and "runtime error" not in p.stderr, p.stderr
    return p


def signing_key(headers):
    auth = headers.get("Authorization", "")
    return auth.split("Credential=", 1)[1].split("/", 1)[0] if "Credential=" in auth else None


class MotoCredentials(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ot-client-creds-")
        cls.recording = os.path.join(cls.tmp, "recording")
        os.environ["MOTO_RECORDER_FILEPATH"] = cls.recording  # moto_server inherits it
        cls.moto = cf.Moto(cls.tmp)
        cls.s3 = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                       region_name=cf.REGION).client("s3", endpoint_url=cls.moto.url)
        cls.s3.create_bucket(Bucket=BUCKET)
        # a signed CloudTrail trail (4 digests, 3 log files) for validate and import
        cls.keys = cf.Keys(cls.tmp, "k1")
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        cls.base = (now - dt.timedelta(hours=8)).replace(minute=1, second=31)
        w = cf.Writer(cls.s3, BUCKET, cls.keys)
        cf.build_chain(w, cls.base, n=4)
        cls.config = os.path.join(cls.tmp, "config")
        cls.creds = os.path.join(cls.tmp, "credentials")
        cls.moto_api("start-recording")

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def moto_api(cls, what):
        method = "GET" if what == "download-recording" else "POST"
        req = urllib.request.Request(cls.moto.url + "/moto-api/recorder/" + what, method=method)
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.read().decode()

    def setUp(self):
        self.moto_api("reset-recording")
        self.write(self.creds, "[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                   % (BASE_KEY, BASE_SECRET))
        self.write(self.config, "")

    def write(self, path, text):
        with open(path, "w") as f:
            f.write(text)

    def script(self, name, body):
        path = os.path.join(self.tmp, name)
        self.write(path, "#!%s\n%s" % (sys.executable, body))
        os.chmod(path, 0o700)
        return path

    def env(self, **kw):
        e = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        e.update(AWS_CONFIG_FILE=self.config, AWS_SHARED_CREDENTIALS_FILE=self.creds,
                 AWS_DEFAULT_REGION=cf.REGION, AWS_ENDPOINT_URL=self.moto.url,
                 HOME=self.tmp)
        e.update(kw)
        return {k: v for k, v in e.items() if v is not None}

    def requests(self):
        """(action or S3 method+path, signing key, headers, form) of each request recorded."""
        out = []
        for line in self.moto_api("download-recording").splitlines():
            if not line.strip():
                continue
            e = json.loads(line)
            body = e.get("body") or ""
            if e.get("body_encoded"):
                body = base64.b64decode(body).decode("utf-8", "replace")
            form = dict(urllib.parse.parse_qsl(body)) if "Action=" in body else {}
            what = form.get("Action") or "%s %s" % (e["method"], urllib.parse.urlparse(e["url"]).path)
            out.append((what, signing_key(e["headers"]), e["headers"], form))
        return out

    def s3_keys(self):
        return {k for what, k, _, _ in self.requests() if what.startswith(("GET", "HEAD"))}

    def caller_arn(self, access_key):
        """moto's GetCallerIdentity for an access key: whom moto issued it to."""
        sts = boto3.session.Session(aws_access_key_id=access_key, aws_secret_access_key="x",
                                    region_name=cf.REGION).client("sts", endpoint_url=self.moto.url)
        return sts.get_caller_identity()["Arn"]

    def validate(self, *extra, env):
        return run("validate", "s3://" + BUCKET, "--trail-arn", cf.ARN, "--start-time",
                   cf.iso(self.base - dt.timedelta(minutes=30)), "--public-key",
                   self.keys.spki_pem_path, "--no-progress", *extra, env=env)

    def import_(self, name, *extra, env):
        data = os.path.join(self.tmp, "data-" + name)
        shutil.rmtree(data, ignore_errors=True)
        return run("import", "s3://%s/AWSLogs/" % BUCKET, "--data-dir", data, "--quiet", *extra,
                   env=env)

    # ---- (a) credential_process ------------------------------------------------------------

    def test_credential_process_profile(self):
        count = os.path.join(self.tmp, "process-runs")
        proc = self.script("creds-proc.py",
                           "import json, sys\n"
                           "open(%r, 'a').write('run\\n')\n"
                           "assert sys.argv[1] == 'an arg'\n"
                           "print(json.dumps({'Version': 1, 'AccessKeyId': 'AKIDPROCESS00001',\n"
                           "    'SecretAccessKey': 'proc-secret', 'SessionToken': 'proc-token',\n"
                           "    'Expiration': '2999-01-01T00:00:00Z'}))\n" % count)
        self.write(self.config, "[profile proc]\ncredential_process = %s 'an arg'\n" % proc)
        p = self.import_("proc", "--profile", "proc", env=self.env())
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(self.s3_keys(), {"AKIDPROCESS00001"})
        tokens = {h.get("X-Amz-Security-Token") for what, _, h, _ in self.requests()}
        self.assertEqual(tokens, {"proc-token"})
        self.moto_api("reset-recording")
        os.unlink(count)
        p = self.validate(env=self.env(AWS_PROFILE="proc"))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("4/4 digest files valid", p.stdout)
        self.assertEqual(self.s3_keys(), {"AKIDPROCESS00001"})
        with open(count) as f:
            self.assertEqual(f.read(), "run\n")  # once per process, however many clients

    # ---- (b) role_arn + source_profile through moto's STS ---------------------------------

    def test_role_arn_with_source_profile(self):
        self.write(self.config,
                   "[profile reader]\nrole_arn = arn:aws:iam::123456789012:role/reader\n"
                   "source_profile = base\nrole_session_name = e2e-session\n"
                   "external_id = ext-42\nduration_seconds = 900\n"
                   "[profile second]\nrole_arn = arn:aws:iam::123456789012:role/second\n"
                   "source_profile = reader\n")
        p = self.import_("role", "--profile", "reader", env=self.env())
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        reqs = self.requests()
        assume = [(k, f) for what, k, _, f in reqs if what == "AssumeRole"]
        self.assertEqual(len(assume), 1, reqs)
        key, form = assume[0]
        self.assertEqual(key, BASE_KEY)  # signed with the source profile's keys
        self.assertEqual(form["RoleArn"], "arn:aws:iam::123456789012:role/reader")
        self.assertEqual(form["RoleSessionName"], "e2e-session")
        self.assertEqual(form["ExternalId"], "ext-42")
        self.assertEqual(form["DurationSeconds"], "900")
        used = self.s3_keys()
        self.assertEqual(len(used), 1, used)
        temp = used.pop()
        self.assertTrue(temp.startswith("ASIA"), temp)
        self.assertTrue(all(h.get("X-Amz-Security-Token") for what, _, h, _ in reqs
                            if what.startswith("GET")))
        self.assertEqual(self.caller_arn(temp),
                         "arn:aws:sts::123456789012:assumed-role/reader/e2e-session")

        # a role whose source is a role: two AssumeRole calls, the second signed by the first
        self.moto_api("reset-recording")
        p = self.validate(env=self.env(AWS_PROFILE="second"))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        reqs = self.requests()
        assume = [(k, f["RoleArn"]) for what, k, _, f in reqs if what == "AssumeRole"]
        self.assertEqual([a[1] for a in assume], ["arn:aws:iam::123456789012:role/reader",
                                                  "arn:aws:iam::123456789012:role/second"])
        self.assertEqual(assume[0][0], BASE_KEY)
        self.assertEqual(self.caller_arn(assume[1][0]).rsplit("/", 1)[0],
                         "arn:aws:sts::123456789012:assumed-role/reader")
        used = self.s3_keys()
        self.assertEqual(len(used), 1, used)
        self.assertIn(":assumed-role/second/", self.caller_arn(used.pop()))

    def test_role_arn_with_credential_source_environment(self):
        self.write(self.config, "[profile envrole]\nrole_arn = arn:aws:iam::123456789012:role/env\n"
                   "credential_source = Environment\nrole_session_name = from-env\n")
        env = self.env(AWS_ACCESS_KEY_ID="AKIDFROMENV00001", AWS_SECRET_ACCESS_KEY="s")
        p = self.import_("envrole", "--profile", "envrole", env=env)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        assume = [k for what, k, _, _ in self.requests() if what == "AssumeRole"]
        self.assertEqual(assume, ["AKIDFROMENV00001"])  # --profile, yet the source is the env
        used = self.s3_keys()
        self.assertEqual(len(used), 1, used)
        self.assertEqual(self.caller_arn(used.pop()),
                         "arn:aws:sts::123456789012:assumed-role/env/from-env")

    # ---- (c) precedence, against botocore's own resolution ---------------------------------

    def botocore_key(self, env, profile):
        code = ("import botocore.session, sys\n"
                "s = botocore.session.Session(profile=sys.argv[1] or None)\n"
                "print(s.get_credentials().access_key)\n")
        p = subprocess.run([sys.executable, "-c", code, profile or ""], capture_output=True,
                           text=True, env=env, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.strip()

    def test_precedence_matches_botocore(self):
        self.write(self.creds, "[default]\naws_access_key_id = AKIDDEFAULT00001\n"
                   "aws_secret_access_key = s\n[envprof]\naws_access_key_id = AKIDENVPROF00001\n"
                   "aws_secret_access_key = s\n[flagprof]\naws_access_key_id = AKIDFLAGPROF0001\n"
                   "aws_secret_access_key = s\n")
        self.write(self.config, "[profile cfgprof]\naws_access_key_id = AKIDCONFIGPROF01\n"
                   "aws_secret_access_key = s\n")
        keys = dict(AWS_ACCESS_KEY_ID="AKIDENVIRONMENT1", AWS_SECRET_ACCESS_KEY="s")
        cases = [  # (environment, --profile, the key that must sign)
            ({}, None, "AKIDDEFAULT00001"),
            (keys, None, "AKIDENVIRONMENT1"),
            (dict(keys, AWS_PROFILE="envprof"), None, "AKIDENVIRONMENT1"),
            (dict(keys, AWS_PROFILE="envprof"), "flagprof", "AKIDFLAGPROF0001"),
            ({"AWS_PROFILE": "envprof"}, None, "AKIDENVPROF00001"),
            ({"AWS_PROFILE": "envprof", "AWS_DEFAULT_PROFILE": "flagprof"}, None, "AKIDFLAGPROF0001"),
            ({"AWS_PROFILE": "cfgprof"}, None, "AKIDCONFIGPROF01"),
            (keys, "cfgprof", "AKIDCONFIGPROF01"),
        ]
        for i, (extra, profile, want) in enumerate(cases):
            with self.subTest(case=i, env=extra, profile=profile):
                env = self.env(**extra)
                self.assertEqual(self.botocore_key(env, profile), want)
                self.moto_api("reset-recording")
                flag = ["--profile", profile] if profile else []
                p = self.import_("prec", *flag, env=env)
                self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
                self.assertEqual(self.s3_keys(), {want})

    # ---- (d) errors -------------------------------------------------------------------------

    def test_errors_say_what_and_where(self):
        fails = self.script("fails.py", "import sys\nsys.stderr.write('session expired: run "
                            "corp-login\\n')\nsys.exit(4)\n")
        self.write(self.config, "[profile failing]\ncredential_process = %s\n"
                   "[profile corp]\nsso_session = corp\nsso_account_id = 123456789012\n"
                   "sso_role_name = Reader\n[sso-session corp]\n"
                   "sso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n"
                   "[profile mfa]\nrole_arn = arn:aws:iam::123456789012:role/r\n"
                   "source_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n"
                   "[profile bare]\nregion = us-east-1\n" % fails)
        cases = [
            (["--profile", "ghost"], {}, ["The config profile (ghost) could not be found",
                                          self.creds, self.config]),
            ([], {"AWS_PROFILE": "ghost"}, ["The config profile (ghost) could not be found",
                                            "AWS_PROFILE"]),
            (["--profile", "failing"], {}, ["profile failing: credential_process",
                                            "exited with status 4",
                                            "session expired: run corp-login"]),
            (["--profile", "corp"], {}, ["profile corp uses IAM Identity Center",
                                         "aws configure export-credentials --profile corp"]),
            (["--profile", "mfa"], {}, ["profile mfa uses role_arn with mfa_serial",
                                        "export-credentials"]),
            (["--profile", "bare"], {}, ["Unable to locate credentials", "[profile bare]",
                                         self.config, "credential_process"]),
        ]
        for flag, extra, want in cases:
            with self.subTest(flag=flag, env=extra):
                env = self.env(**extra)
                for p in (self.import_("err", *flag, env=env), self.validate(*flag, env=env)):
                    self.assertNotEqual(p.returncode, 0)
                    for s in want:
                        self.assertIn(s, p.stderr)
                self.assertEqual(self.s3_keys(), set())  # nothing was sent

    def test_unresolvable_host_is_named_with_the_fix(self):
        env = self.env(AWS_ENDPOINT_URL="http://no-such-host.invalid:9", AWS_PROFILE="base")
        for p in (self.import_("host", env=env), self.validate(env=env)):
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("no-such-host.invalid", p.stderr)
            self.assertIn("AWS_ENDPOINT_URL", p.stderr)
        # through a role: the STS host is the one named
        self.write(self.config, "[profile reader]\nrole_arn = arn:aws:iam::123456789012:role/r\n"
                   "source_profile = base\n")
        env = self.env(AWS_ENDPOINT_URL_STS="http://no-such-sts.invalid:9", AWS_PROFILE="reader")
        p = self.import_("host", env=env)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("no-such-sts.invalid", p.stderr)
        self.assertIn("AWS_ENDPOINT_URL", p.stderr)


class LookupCredentials(otharness.ServerTestCase):
    """lookup --endpoint against our server: only its own key is accepted."""

    def lookup(self, *extra, env):
        return run("lookup", "--endpoint", self.server.endpoint, "--data-dir", "/nonexistent",
                   "--output", "json", *extra, env=env)

    def test_profiles_and_errors(self):
        s = self.server
        key, secret = otharness.read_credentials(s.credentials_file)
        tmp = s.tmp
        proc = os.path.join(tmp, "proc.py")
        with open(proc, "w") as f:
            f.write("#!%s\nimport json\nprint(json.dumps({'Version': 1, 'AccessKeyId': %r, "
                    "'SecretAccessKey': %r}))\n" % (sys.executable, key, secret))
        os.chmod(proc, 0o700)
        config, creds = os.path.join(tmp, "config"), os.path.join(tmp, "credentials")
        with open(config, "w") as f:
            f.write("[profile ours]\ncredential_process = %s\n"
                    "[profile sso]\nsso_start_url = https://x.awsapps.com/start\n" % proc)
        with open(creds, "w") as f:
            f.write("[wrong]\naws_access_key_id = AKIDWRONG0000001\naws_secret_access_key = x\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_CONFIG_FILE=config, AWS_SHARED_CREDENTIALS_FILE=creds,
                   AWS_DEFAULT_REGION="us-east-1", HOME=tmp)
        p = self.lookup("--profile", "ours", env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Events", json.loads(p.stdout))
        # --profile beats the environment's keys; AWS_PROFILE does not
        wrong_env = dict(env, AWS_ACCESS_KEY_ID="AKIDWRONGENV0001", AWS_SECRET_ACCESS_KEY="x")
        p = self.lookup("--profile", "ours", env=wrong_env)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.lookup(env=dict(wrong_env, AWS_PROFILE="ours"))
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("UnrecognizedClientException", p.stderr)
        p = self.lookup(env=dict(env, AWS_PROFILE="ours"))
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.lookup("--profile", "wrong", env=env)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("UnrecognizedClientException", p.stderr)
        p = self.lookup("--profile", "sso", env=env)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("profile sso uses IAM Identity Center", p.stderr)
        p = self.lookup("--profile", "ghost", env=env)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("The config profile (ghost) could not be found", p.stderr)
        # an --endpoint host that does not resolve is named
        p = run("lookup", "--endpoint", "http://no-such-host.invalid:9", "--data-dir",
                "/nonexistent", "--profile", "ours", env=env)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("no-such-host.invalid", p.stderr)


if __name__ == "__main__":
    otharness.main()

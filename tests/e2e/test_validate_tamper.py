"""The tamper matrix: each way of altering a CloudTrail trail, checked by BOTH validators —
`opentrail validate` and the real `aws cloudtrail validate-logs` (pyenv awscli 1.45).

The trail (4 hourly digests, 3 log files) is built by hand (tests/e2e/ctfixture.py) and signed
exactly as CloudTrail signs digests, into moto_server's S3; the CLI gets ListPublicKeys from a stub
(moto lacks it). Ours runs over the same S3 endpoint, and offline on a directory copy of the same
trail (with metadata sidecars). The CLI must flag everything it can; the two cases it cannot (an
appended gzip member, a forged previousDigestSignature: its validation.py hashes only the first
gzip member and never compares previousDigestSignature) are asserted as misses. Ours must flag
every case, with the message given here.
Signing: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-custom-validation.html
"""
import datetime as dt
import gzip
import os
import shutil
import subprocess
import tempfile
import unittest

import boto3

import ctfixture as cf
from otharness import BIN
from otdigest import run_ours

B = cf.BUCKET


def uri(key):
    return "s3://%s/%s" % (B, key)


# Each case tampers with a fresh trail (s3 = boto3 client or DirS3) and returns
# (cli expectation, ours expectation): (rc, [stderr substrings]).
def case_none(s3, w, dk, lk, keys2):
    return (0, []), (0, [])


def case_modified_log(s3, w, dk, lk, keys2):
    s3.put_object(Bucket=B, Key=lk[1], Body=gzip.compress(b'{"Records":[]}'))
    m = "Log file\t%s\tINVALID: hash value doesn't match" % uri(lk[1])
    return (1, [m]), (1, [m])


def case_truncated_log(s3, w, dk, lk, keys2):
    body = s3.get_object(Bucket=B, Key=lk[1])["Body"].read()
    s3.put_object(Bucket=B, Key=lk[1], Body=body[:len(body) // 2])
    m = "Log file\t%s\tINVALID: hash value doesn't match" % uri(lk[1])
    return (1, [m]), (1, [m + " (gzip stream truncated)"])


def case_appended_member(s3, w, dk, lk, keys2):
    body = s3.get_object(Bucket=B, Key=lk[1])["Body"].read()
    s3.put_object(Bucket=B, Key=lk[1], Body=body + gzip.compress(b'{"Records":[{"evil":1}]}'))
    return (0, []), (1, ["Log file\t%s\tINVALID: unexpected data after end of compressed stream"
                          % uri(lk[1])])


def case_deleted_log(s3, w, dk, lk, keys2):
    s3.delete_object(Bucket=B, Key=lk[1])
    m = "Log file\t%s\tINVALID: not found" % uri(lk[1])
    return (1, [m]), (1, [m])


def case_deleted_digest(s3, w, dk, lk, keys2):
    s3.delete_object(Bucket=B, Key=dk[1])
    m = "Digest file\t%s\tINVALID: not found" % uri(dk[1])
    return (1, [m]), (1, [m])


def case_modified_digest(s3, w, dk, lk, keys2):
    obj = s3.get_object(Bucket=B, Key=dk[2])
    body = gzip.decompress(obj["Body"].read()).replace(b'"awsAccountId"', b'"awsAccountId" ')
    s3.put_object(Bucket=B, Key=dk[2], Body=gzip.compress(body), Metadata=obj["Metadata"])
    m = "Digest file\t%s\tINVALID: signature verification failed" % uri(dk[2])
    return (1, [m]), (1, [m])


def case_moved_digest(s3, w, dk, lk, keys2):
    obj = s3.get_object(Bucket=B, Key=dk[2])
    body = obj["Body"].read()
    s3.delete_object(Bucket=B, Key=dk[2])
    new = dk[2][:-24] + dk[2][-24:-11] + "45Z.json.gz"  # same minute, other second
    s3.put_object(Bucket=B, Key=new, Body=body, Metadata=obj["Metadata"])
    nf = "Digest file\t%s\tINVALID: not found" % uri(dk[2])
    return (1, [nf]), (1, [nf, "Digest file\t%s\tINVALID: has been moved from its original location"
                           % uri(new)])


def case_unknown_key(s3, w, dk, lk, keys2):
    # the newest digest re-signed by a key ListPublicKeys does not know
    base = w._base_time
    w.prev = w._prev_of_last
    w.put_digest(base + dt.timedelta(hours=3), base + dt.timedelta(hours=4), [], keys=keys2)
    m = "Digest file\t%s\tINVALID: public key not found in region %s for fingerprint %s" % (
        uri(dk[3]), cf.REGION, keys2.fingerprint)
    return (1, [m]), (1, [m])


def case_forged_prev_sig(s3, w, dk, lk, keys2):
    return (0, []), (1, ["Digest file\t%s\tINVALID: previousDigestSignature does not match the "
                          "signature of %s" % (uri(dk[2]), uri(dk[1]))])


def case_missing_prev_key(s3, w, dk, lk, keys2):
    m = "Digest file\t%s\tINVALID: invalid format" % uri(dk[0])
    return (1, [m]), (1, [m])


# Cases that must be built into the chain as it is signed (edits before signing).
EDITS = {
    "forged_prev_sig": {2: lambda d: d.update(previousDigestSignature="ab" * 256)},
    "missing_prev_key": {0: lambda d: d.pop("previousDigestSignature")},
}

CASES = [
    ("none", case_none), ("modified_log", case_modified_log),
    ("truncated_log", case_truncated_log), ("appended_member", case_appended_member),
    ("deleted_log", case_deleted_log), ("deleted_digest", case_deleted_digest),
    ("modified_digest", case_modified_digest), ("moved_digest", case_moved_digest),
    ("unknown_key", case_unknown_key), ("forged_prev_sig", case_forged_prev_sig),
    ("missing_prev_key", case_missing_prev_key),
]


class TamperMatrix(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ot-tamper-")
        cls.keys = cf.Keys(cls.tmp, "k1")
        cls.keys2 = cf.Keys(cls.tmp, "k2")
        cls.moto = cf.Moto(cls.tmp)
        cls.stub = cf.Stub()
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        cls.base = (now - dt.timedelta(hours=8)).replace(minute=1, second=31)
        cls.s3 = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                       region_name=cf.REGION).client("s3", endpoint_url=cls.moto.url)
        k = cls.keys
        cls.stub.keys = [(k.pkcs1_der, k.fingerprint, 0, 4102444800)]
        cls.stub.set_trail()

    @classmethod
    def tearDownClass(cls):
        cls.stub.stop()
        cls.moto.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def env(self):
        e = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        e.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                 AWS_DEFAULT_REGION=cf.REGION, AWS_MAX_ATTEMPTS="1",
                 AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
                 AWS_ENDPOINT_URL_S3=self.moto.url, AWS_ENDPOINT_URL_CLOUDTRAIL=self.stub.url)
        return e

    def build(self, s3, name):
        w = cf.Writer(s3, B, self.keys)
        w._base_time = self.base
        dk, lk = cf.build_chain(w, self.base, n=3, edits=EDITS.get(name))
        w._prev_of_last = w.prev
        dk.append(w.put_digest(self.base + dt.timedelta(hours=3), self.base + dt.timedelta(hours=4), []))
        return w, dk, lk

    def start(self):
        return cf.iso(self.base - dt.timedelta(minutes=30))

    def run_cli(self):
        p = subprocess.run([cf.AWS, "cloudtrail", "validate-logs", "--trail-arn", cf.ARN,
                            "--start-time", self.start(), "--verbose"],
                           capture_output=True, text=True, env=self.env(), timeout=120)
        return p.returncode, p.stdout, p.stderr

    def run_ours(self, source, *extra):
        return run_ours(self, source, cf.ARN, self.start(), "--verbose", *extra, env=self.env())

    def check(self, who, got, want, name):
        rc, out, err = got
        msg = "%s / %s\n--- stdout\n%s--- stderr\n%s" % (who, name, out, err)
        self.assertEqual(rc, want[0], msg)
        for s in want[1]:
            self.assertIn(s, err, msg)
        if want[0] == 0:
            self.assertNotIn("INVALID", out + err, msg)
            self.assertIn("4/4 digest files valid", out, msg)
            self.assertIn("3/3 log files valid", out, msg)

    def test_matrix_both_validators_over_s3(self):
        for name, fn in CASES:
            with self.subTest(case=name):
                self.moto.reset()
                self.s3.create_bucket(Bucket=B)
                w, dk, lk = self.build(self.s3, name)
                cli, ours = fn(self.s3, w, dk, lk, self.keys2)
                self.check("aws cli", self.run_cli(), cli, name)
                # ours: keys from ListPublicKeys (the stub), and from a --public-key file
                self.check("opentrail", self.run_ours("s3://" + B), ours, name)
                self.check("opentrail --public-key", self.run_ours(
                    "s3://" + B, "--public-key", self.keys.spki_pem_path), ours, name)

    def test_matrix_ours_offline(self):
        for name, fn in CASES:
            with self.subTest(case=name):
                root = tempfile.mkdtemp(dir=self.tmp)
                d3 = cf.DirS3(root)
                d3.create_bucket(B)
                w, dk, lk = self.build(d3, name)
                _, ours = fn(d3, w, dk, lk, self.keys2)
                self.check("opentrail offline", self.run_ours(
                    os.path.join(root, B), "--public-key", self.keys.spki_pem_path), ours, name)

    def test_offline_copy_without_metadata_uses_the_chain(self):
        """`aws s3 sync` keeps no metadata: older digests are checked with the signature the
        newer digest states; the newest needs its sidecar."""
        root = tempfile.mkdtemp(dir=self.tmp)
        d3 = cf.DirS3(root)
        d3.create_bucket(B)
        w, dk, lk = self.build(d3, "none")
        bdir = os.path.join(root, B)
        for k in dk[:-1]:
            os.unlink(os.path.join(bdir, k + ".metadata.json"))
        rc, out, err = self.run_ours(bdir, "--public-key", self.keys.spki_pem_path)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("4/4 digest files valid", out)
        os.unlink(os.path.join(bdir, dk[-1] + ".metadata.json"))
        rc, out, err = self.run_ours(bdir, "--public-key", self.keys.spki_pem_path)
        self.assertEqual(rc, 1)
        self.assertIn("Digest file\t%s\tINVALID: signature verification failed" % uri(dk[-1]), err)

    def test_unreferenced_and_malformed_logs(self):
        root = tempfile.mkdtemp(dir=self.tmp)
        d3 = cf.DirS3(root)
        d3.create_bucket(B)
        w = cf.Writer(d3, B, self.keys)
        t = self.base + dt.timedelta(minutes=20)
        good = w.put_log(t, [cf.record(t, i=1)], unique="GOOD000000000000")
        bad = w.put_log(t, [], unique="BADJSON000000000", body=b'{"Records":{}}')
        w.put_digest(self.base, self.base + dt.timedelta(hours=1), [good, bad], chain=False)
        extra = w.put_log(t + dt.timedelta(minutes=3), [cf.record(t, i=2)], unique="INSERTED00000000")
        late = w.put_log(self.base + dt.timedelta(hours=3), [cf.record(t, i=3)], unique="LATE000000000000")
        rc, out, err = self.run_ours(os.path.join(root, B), "--public-key", self.keys.spki_pem_path)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("Log file\t%s\tINVALID: invalid format (log is not {\"Records\":[...]}: "
                      "no Records array)" % uri(bad["s3Object"]), err)
        self.assertIn("Log file\t%s\tINVALID: not referenced by any digest" % uri(extra["s3Object"]), err)
        self.assertNotIn(late["s3Object"], out + err)
        self.assertIn("1 log files not covered by any digest", out)
        self.assertIn("1/3 log files valid, 2/3 log files INVALID", out)

    def test_usage_errors(self):
        for args in (["--trail-arn", "nope", "/nonexistent"], ["--bogus"], [],
                     ["--inflight", "0", "/x"], ["--data-dir"]):
            p = subprocess.run([BIN, "validate"] + args, capture_output=True, text=True,
                               env=self.env(), timeout=60)
            self.assertEqual(p.returncode, 255, args)


if __name__ == "__main__":
    unittest.main(verbosity=2)

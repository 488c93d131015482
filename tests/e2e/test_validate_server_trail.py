"""The tamper matrix on a trail our SERVER wrote: each case tampers with a fresh copy of one
server-produced, validating trail, then BOTH validators judge it — the real
`aws cloudtrail validate-logs` (awscli 1.45, AWS_ENDPOINT_URL_CLOUDTRAIL/S3 at our server) and
`opentrail validate` (over s3:// against the same server, and offline on the bucket directory
with the data dir's keys: --data-dir, or the `opentrail keys export` directory).

Tampering bypasses the write-once log bucket: files under <data-dir>/buckets/<bucket>/ are
edited on disk with the server stopped; their metadata (x-amz-meta-signature) is the store's
xattr (docs/s3.md), rewritten where a case re-signs a digest — with the server's own key from
<data-dir>/keys/ (a forger who stole it) or with a foreign key.

The AWS CLI must flag every case it can and miss exactly the two its validator does not check
(awscli/customizations/cloudtrail/validation.py hashes only the first gzip member of a log and never
compares previousDigestSignature with the previous digest); ours must flag all.
"""
import datetime
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import otharness
from otharness import BIN
from otdigest import SUMMARY_RE, digest_keys, log_keys, run_ours, utcnow, validate_logs, wait_for

ACCT = "123456789012"
REGION = "us-east-1"
BUCKET = "srv-trail"
XATTR = "user.opentrail.object"


def uri(key):
    return "s3://%s/%s" % (BUCKET, key)


def counts_of(text):
    return {m.group(3): (int(m.group(1)), int(m.group(2)), int(m.group(4) or 0))
            for m in SUMMARY_RE.finditer(text)}


# ---- on-disk access to a bucket of a stopped server ---------------------------------------------
class Disk:
    def __init__(self, data_dir):
        self.data_dir = data_dir
        self.root = os.path.join(data_dir, "buckets", BUCKET)

    def path(self, key):
        return os.path.join(self.root, key)

    def read(self, key):
        with open(self.path(key), "rb") as f:
            return f.read()

    def write(self, key, body):
        """New bytes, same metadata record (the open keeps the inode and its xattr)."""
        with open(self.path(key), "r+b") as f:
            f.truncate(0)
            f.write(body)

    def meta(self, key):
        rec = os.getxattr(self.path(key), XATTR).split(b"\0")
        assert rec[0] == b"OT1", rec
        fields = rec[4:-1]
        return rec[:4], dict(zip(fields[0::2], fields[1::2]))

    def set_meta(self, key, name, value):
        head, meta = self.meta(key)
        meta[name.encode()] = value.encode()
        flat = head + [x for kv in meta.items() for x in kv]
        os.setxattr(self.path(key), XATTR, b"\0".join(flat) + b"\0")

    def digest(self, key):
        return json.loads(gzip.decompress(self.read(key)))

    def resign(self, key, doc, pem):
        """Writes doc as the digest at key, signed with the private key pem, as CloudTrail signs
        (cloudtrail-log-file-custom-validation.html)."""
        body = json.dumps(doc, separators=(",", ":")).encode()
        prev = doc.get("previousDigestSignature") or "null"
        msg = "%s\n%s/%s\n%s\n%s" % (doc["digestEndTime"], BUCKET, key,
                                     hashlib.sha256(body).hexdigest(), prev)
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", pem], input=msg.encode(),
                             capture_output=True, check=True).stdout.hex()
        self.write(key, gzip.compress(body))
        self.set_meta(key, "signature", sig)


# ---- the cases: (cli (rc, [stderr lines]), ours (rc, [stderr lines])) ---------------------------
# t: the test (t.dk digest keys oldest first, t.lk[i] the log keys, t.victim_log / t.mid_digest).

def case_modified_log(t, d):
    body = gzip.decompress(d.read(t.victim_log)).replace(b"DescribeTrails", b"DescribeTrailz", 1)
    d.write(t.victim_log, gzip.compress(body))
    m = "Log file\t%s\tINVALID: hash value doesn't match" % uri(t.victim_log)
    return (1, [m]), (1, [m])


def case_truncated_log(t, d):
    body = d.read(t.victim_log)
    d.write(t.victim_log, body[:len(body) // 2])
    m = "Log file\t%s\tINVALID: hash value doesn't match" % uri(t.victim_log)
    return (1, [m]), (1, [m + " (gzip stream truncated)"])


def case_appended_member(t, d):
    d.write(t.victim_log, d.read(t.victim_log) + gzip.compress(b'{"Records":[{"evil":1}]}'))
    return (0, []), (1, ["Log file\t%s\tINVALID: unexpected data after end of compressed stream"
                          % uri(t.victim_log)])


def case_deleted_log(t, d):
    os.unlink(d.path(t.victim_log))
    m = "Log file\t%s\tINVALID: not found" % uri(t.victim_log)
    return (1, [m]), (1, [m])


def case_deleted_digest(t, d):
    os.unlink(d.path(t.mid_digest))
    m = "Digest file\t%s\tINVALID: not found" % uri(t.mid_digest)
    return (1, [m]), (1, [m])


def case_modified_digest(t, d):
    body = gzip.decompress(d.read(t.mid_digest)).replace(b'"awsAccountId"', b'"awsAccountId" ', 1)
    d.write(t.mid_digest, gzip.compress(body))
    m = "Digest file\t%s\tINVALID: signature verification failed" % uri(t.mid_digest)
    # The log files the forged digest lists are named in the last minutes of the chain (this
    # trail lives seconds): they cannot be judged unreferenced (docs/validate.md), only uncovered.
    return (1, [m]), (1, [m])


def case_moved_digest(t, d):
    # one second earlier (a free name): the next older key after the missing one in the listing
    stamp = datetime.datetime.strptime(t.mid_digest[-24:-8], "%Y%m%dT%H%M%SZ")
    new = t.mid_digest[:-24] + (stamp - datetime.timedelta(seconds=1)).strftime(
        "%Y%m%dT%H%M%SZ") + ".json.gz"
    assert new not in t.dk and new[:-16] == t.mid_digest[:-16], new
    os.rename(d.path(t.mid_digest), d.path(new))  # the xattr (signature) moves with it
    nf = "Digest file\t%s\tINVALID: not found" % uri(t.mid_digest)
    moved = "Digest file\t%s\tINVALID: has been moved from its original location" % uri(new)
    return (1, [nf, moved]), (1, [nf, moved])


def case_unknown_key(t, d):
    key = t.dk[-1]
    doc = d.digest(key)
    doc["digestPublicKeyFingerprint"] = t.foreign_fp
    d.resign(key, doc, t.foreign_pem)
    m = "Digest file\t%s\tINVALID: public key not found in region %s for fingerprint %s" % (
        uri(key), REGION, t.foreign_fp)
    return (1, [m]), (1, [m])


def case_forged_prev_sig(t, d):
    key = t.dk[-1]
    doc = d.digest(key)
    doc["previousDigestSignature"] = "ab" * 256
    d.resign(key, doc, t.server_pem(doc))
    return (0, []), (1, ["Digest file\t%s\tINVALID: previousDigestSignature does not match the "
                          "signature of %s" % (uri(key), uri(t.dk[-2]))])


def case_missing_prev_key(t, d):
    key = t.dk[-1]
    doc = d.digest(key)
    del doc["previousDigestSignature"]
    d.resign(key, doc, t.server_pem(doc))
    m = "Digest file\t%s\tINVALID: invalid format" % uri(key)
    return (1, [m]), (1, [m])


CASES = [case_modified_log, case_truncated_log, case_appended_member, case_deleted_log,
         case_deleted_digest, case_modified_digest, case_moved_digest, case_unknown_key,
         case_forged_prev_sig, case_missing_prev_key]
# What the CLI's validator does not check (see the module docstring): the only cases it must pass.
CLI_MISSES = {"appended_member", "forged_prev_sig"}


class ServerTrailTamper(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ot-srvtrail-")
        cls.pristine = os.path.join(cls.tmp, "pristine")
        s = otharness.Server("--digest-interval", "2s", data_dir=cls.pristine)
        cls.first = s
        s.start()
        try:
            cls.build_trail(s)
        finally:
            rc = s.stop()
        assert rc == 0 and not s.sanitizer_report(), s.log_text()[-4000:]
        d = Disk(cls.pristine)
        cls.dk = sorted(k for k in cls.all_keys(d) if "/CloudTrail-Digest/" in k)
        cls.lk = sorted(k for k in cls.all_keys(d) if "/CloudTrail/" in k)
        docs = [d.digest(k) for k in cls.dk]
        with_logs = [i for i, doc in enumerate(docs) if doc["logFiles"]]
        # victims: a log of a middle digest, and a middle digest that has logs
        cls.mid_digest = cls.dk[with_logs[len(with_logs) // 2]] if len(with_logs) > 2 else cls.dk[1]
        mid = docs[cls.dk.index(cls.mid_digest)]
        cls.mid_logs = mid["logFiles"]
        cls.victim_log = mid["logFiles"][0]["s3Object"]
        cls.foreign_pem = os.path.join(cls.tmp, "foreign.pem")
        subprocess.run(["openssl", "genrsa", "-out", cls.foreign_pem, "2048"], check=True,
                       capture_output=True)
        der = subprocess.run(["openssl", "rsa", "-in", cls.foreign_pem, "-RSAPublicKey_out",
                              "-outform", "DER"], check=True, capture_output=True).stdout
        cls.foreign_fp = hashlib.md5(der).hexdigest()
        cls.exported = os.path.join(cls.tmp, "exported-keys")
        p = subprocess.run([BIN, "keys", "export", "--data-dir", cls.pristine, "--out",
                            cls.exported], capture_output=True, text=True)
        assert p.returncode == 0, p.stderr

    @classmethod
    def all_keys(cls, d):
        out = []
        for dirpath, _, files in os.walk(d.root):
            out += [os.path.relpath(os.path.join(dirpath, f), d.root) for f in files]
        return out

    @classmethod
    def build_trail(cls, s):
        s.aws("s3api", "create-bucket", "--bucket", BUCKET)
        trail = s.aws_json("cloudtrail", "create-trail", "--name", "srv", "--s3-bucket-name",
                           BUCKET, "--enable-log-file-validation")
        cls.arn = trail["TrailARN"]
        cls.start = utcnow() - datetime.timedelta(minutes=2)
        s.aws("cloudtrail", "start-logging", "--name", "srv")
        s3 = s.client("s3")
        ct = s.client("cloudtrail")
        for _ in range(5):  # activity over several 2 s digest periods
            for _ in range(4):
                ct.describe_trails()
            time.sleep(1.5)
        n = len(digest_keys(s3, BUCKET, ACCT, REGION))
        assert wait_for(lambda: len(digest_keys(s3, BUCKET, ACCT, REGION)) >= n + 1, timeout=30)
        s.aws("cloudtrail", "stop-logging", "--name", "srv")  # the final digest covers the rest
        assert len(log_keys(s3, BUCKET, ACCT, REGION)) >= 4
        assert len(digest_keys(s3, BUCKET, ACCT, REGION)) >= 4

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def server_pem(self, doc):
        return os.path.join(self.case_dir, "keys", doc["digestPublicKeyFingerprint"] + ".pem")

    # ---- runners -------------------------------------------------------------------------------
    def ours(self, source, *extra, env=None):
        return run_ours(self, source, self.arn, self.start, "--verbose", *extra, env=env)

    def judge(self, case_name, tamper):
        """Copies the pristine data dir, tampers with it (server stopped), then runs the AWS CLI
        and ours over S3 against a server on the copy, and ours offline on the bucket dir."""
        self.case_dir = os.path.join(self.tmp, case_name)
        shutil.copytree(self.pristine, self.case_dir)  # copy2: keeps the xattr metadata
        want_cli, want_ours = tamper(self, Disk(self.case_dir)) if tamper else ((0, []), (0, []))
        s = otharness.Server(data_dir=self.case_dir).start()
        try:
            cli = validate_logs(s, self.arn, self.start, REGION)[:3]
            env = s.env(REGION, endpoint=False)
            env["AWS_ENDPOINT_URL_CLOUDTRAIL"] = env["AWS_ENDPOINT_URL_S3"] = s.endpoint
            over_s3 = self.ours("s3://" + BUCKET, env=env)
        finally:
            rc = s.stop()
            report = s.sanitizer_report()
            s.cleanup()
        self.assertEqual((rc, report), (0, ""), "server on " + case_name)
        bucket_dir = os.path.join(self.case_dir, "buckets", BUCKET)
        offline = self.ours(bucket_dir, "--data-dir", self.case_dir,
                            env={"PATH": os.environ.get("PATH", "")})
        results = {"aws cli": (cli, want_cli), "opentrail s3": (over_s3, want_ours),
                   "opentrail offline": (offline, want_ours)}
        for who, ((rc, out, err), (want_rc, lines)) in results.items():
            msg = "%s / %s\n--- stdout\n%s--- stderr\n%s" % (who, case_name, out, err)
            self.assertEqual(rc, want_rc, msg)
            for line in lines:
                self.assertIn(line, err, msg)
            if want_rc == 0:
                self.assertNotIn("INVALID", out + err, msg)
        return results

    # ---- tests ---------------------------------------------------------------------------------
    def test_untampered_trail_validates_with_matching_counts(self):
        res = self.judge("none", None)
        nd, nl = len(self.dk), len(self.lk)
        for who, ((rc, out, err), _) in res.items():
            c = counts_of(out + "\n" + err)
            self.assertEqual(c.get("digest"), (nd, nd, 0), who + "\n" + out + err)
            self.assertEqual(c.get("log"), (nl, nl, 0), who + "\n" + out + err)
        # every file is named by a valid line (--verbose), and ours prints the CLI's lines
        cli_out = res["aws cli"][0][1]
        for k in self.dk:
            self.assertIn("Digest file\t%s\tvalid" % uri(k), cli_out)
        for k in self.lk:
            self.assertIn("Log file\t%s\tvalid" % uri(k), cli_out)
        for who in ("opentrail s3", "opentrail offline"):
            out = res[who][0][1]
            self.assertEqual(sorted(l for l in out.splitlines() if l.endswith("\tvalid")),
                             sorted(l for l in cli_out.splitlines() if l.endswith("\tvalid")), who)
        # offline with the `opentrail keys export` directory instead of the data dir
        rc, out, err = self.ours(os.path.join(self.case_dir, "buckets", BUCKET),
                                 "--public-key", self.exported)
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(counts_of(out).get("log"), (nl, nl, 0), out)

    def test_tamper_matrix(self):
        for fn in CASES:
            name = fn.__name__[5:]
            with self.subTest(case=name):
                res = self.judge(name, fn)
                cli_rc = res["aws cli"][0][0]
                self.assertEqual(cli_rc == 0, name in CLI_MISSES, name)

    def test_offline_keys_errors(self):
        bucket_dir = os.path.join(self.pristine, "buckets", BUCKET)
        # a data dir without state.db, and one whose keys do not include the signer
        rc, out, err = self.ours(bucket_dir, "--data-dir", self.tmp)
        self.assertEqual(rc, 255)
        self.assertIn("no state.db", err)
        other = os.path.join(self.tmp, "other")
        os.makedirs(other, exist_ok=True)
        p = subprocess.run([BIN, "keys", "rotate", "--data-dir", other, "--region", REGION],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        rc, out, err = self.ours(bucket_dir, "--data-dir", os.path.join(self.tmp, "other"))
        self.assertEqual(rc, 1, out + err)
        self.assertIn("INVALID: public key not found in region %s for fingerprint" % REGION, err)
        # an empty key directory
        empty = os.path.join(self.tmp, "nokeys")
        os.makedirs(empty, exist_ok=True)
        rc, out, err = self.ours(bucket_dir, "--public-key", empty)
        self.assertEqual(rc, 255)
        self.assertIn("holds no *.pem or *.der public key files", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)

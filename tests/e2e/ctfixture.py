"""CloudTrail trails built by hand for validator tests.

Keys: RSA-2048 made with the openssl CLI; fingerprint = MD5 of the DER PKCS#1 public key.
Writer: gzipped {"Records":[...]} log files and an hourly digest chain signed exactly as
CloudTrail signs, into any S3 client (boto3 pointed at moto_server or our server) or a directory
(DirS3: files + "<key>.metadata.json" sidecars, as `aws s3api head-object` prints). Signing:
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-custom-validation.html
Stub: a CloudTrail JSON-1.1 endpoint answering DescribeTrails and ListPublicKeys.
Moto: moto_server on a free loopback port (stopped by its own PID only).
"""
import base64
import datetime as dt
import gzip
import hashlib
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request

ACCOUNT = "123456789012"
REGION = "us-east-1"
TRAIL = "probe-trail"
BUCKET = "probe-ct-bucket"
ARN = "arn:aws:cloudtrail:%s:%s:trail/%s" % (REGION, ACCOUNT, TRAIL)
AWS = os.path.join(os.path.dirname(sys.executable), "aws")
MOTO = os.path.join(os.path.dirname(sys.executable), "moto_server")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def basic(t):
    return t.strftime("%Y%m%dT%H%M%SZ")


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True)


class Keys:
    def __init__(self, workdir, name="k1"):
        self.pem = os.path.join(workdir, name + ".pem")
        self.workdir = workdir
        run(["openssl", "genrsa", "-out", self.pem, "2048"])
        self.pkcs1_der = run(["openssl", "rsa", "-in", self.pem, "-RSAPublicKey_out", "-outform", "DER"]).stdout
        self.spki_pem_path = os.path.join(workdir, name + ".pub.pem")
        run(["openssl", "rsa", "-in", self.pem, "-pubout", "-out", self.spki_pem_path])
        self.fingerprint = hashlib.md5(self.pkcs1_der).hexdigest()

    def sign_hex(self, data):
        fn = os.path.join(self.workdir, "to_sign.bin")
        with open(fn, "wb") as f:
            f.write(data)
        return run(["openssl", "dgst", "-sha256", "-sign", self.pem, fn]).stdout.hex()


class DirS3:
    """The few S3 calls the writer and the tampering use, on a directory of buckets."""

    def __init__(self, root):
        self.root = root

    def _path(self, bucket, key):
        return os.path.join(self.root, bucket, key)

    def create_bucket(self, Bucket):
        os.makedirs(os.path.join(self.root, Bucket), exist_ok=True)

    def put_object(self, Bucket, Key, Body, Metadata=None):
        p = self._path(Bucket, Key)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(Body)
        side = p + ".metadata.json"
        if Metadata:
            with open(side, "w") as f:
                json.dump({"Metadata": Metadata}, f)
        elif os.path.exists(side):
            os.unlink(side)

    def get_object(self, Bucket, Key):
        p = self._path(Bucket, Key)
        with open(p, "rb") as f:
            body = f.read()
        meta = {}
        if os.path.exists(p + ".metadata.json"):
            with open(p + ".metadata.json") as f:
                meta = json.load(f)["Metadata"]
        import io
        return {"Body": io.BytesIO(body), "Metadata": meta}

    def delete_object(self, Bucket, Key):
        p = self._path(Bucket, Key)
        for q in (p, p + ".metadata.json"):
            if os.path.exists(q):
                os.unlink(q)


class Writer:
    def __init__(self, s3, bucket, keys, prefix=None, account=ACCOUNT, region=REGION,
                 home_region=REGION, trail=TRAIL):
        self.s3, self.bucket, self.keys = s3, bucket, keys
        self.prefix, self.account = prefix, account
        self.region, self.home_region, self.trail = region, home_region, trail
        self.prev = None

    def _base(self, kind):
        p = "AWSLogs/%s/%s/%s" % (self.account, kind, self.region)
        return (self.prefix + "/" + p) if self.prefix else p

    def log_key(self, delivered, unique):
        return "%s/%s/%s_CloudTrail_%s_%s_%s.json.gz" % (
            self._base("CloudTrail"), delivered.strftime("%Y/%m/%d"), self.account, self.region,
            delivered.strftime("%Y%m%dT%H%MZ"), unique)

    def put_log(self, delivered, records, unique="AbCdEfGh12345678", body=None):
        key = self.log_key(delivered, unique)
        if body is None:
            body = json.dumps({"Records": records}, separators=(",", ":")).encode()
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=gzip.compress(body))
        times = sorted(r["eventTime"] for r in records) or [None]
        return {"s3Bucket": self.bucket, "s3Object": key,
                "hashValue": hashlib.sha256(body).hexdigest(), "hashAlgorithm": "SHA-256",
                "newestEventTime": times[-1], "oldestEventTime": times[0]}

    def digest_key(self, end, backfill=False):
        return "%s/%s/%s_CloudTrail-Digest_%s_%s_%s_%s%s.json.gz" % (
            self._base("CloudTrail-Digest"), end.strftime("%Y/%m/%d"), self.account,
            self.region, self.trail, self.home_region, basic(end), "_backfill" if backfill else "")

    def put_digest(self, start, end, logs, chain=True, backfill=False, edit=None, keys=None):
        keys = keys or self.keys
        key = self.digest_key(end, backfill)
        prev = self.prev if chain else None
        newest = [l["newestEventTime"] for l in logs if l["newestEventTime"]]
        oldest = [l["oldestEventTime"] for l in logs if l["oldestEventTime"]]
        d = {
            "awsAccountId": self.account, "digestStartTime": iso(start), "digestEndTime": iso(end),
            "digestS3Bucket": self.bucket, "digestS3Object": key,
            "digestPublicKeyFingerprint": keys.fingerprint,
            "digestSignatureAlgorithm": "SHA256withRSA",
            "newestEventTime": max(newest) if newest else None,
            "oldestEventTime": min(oldest) if oldest else None,
            "previousDigestS3Bucket": self.bucket if prev else None,
            "previousDigestS3Object": prev[0] if prev else None,
            "previousDigestHashValue": prev[2] if prev else None,
            "previousDigestHashAlgorithm": "SHA-256" if prev else None,
            "previousDigestSignature": prev[1] if prev else None,
            "logFiles": logs,
        }
        if edit:
            edit(d)
        body = json.dumps(d, separators=(",", ":")).encode()
        sha = hashlib.sha256(body).hexdigest()
        to_sign = "%s\n%s/%s\n%s\n%s" % (d["digestEndTime"], self.bucket, key, sha,
                                          d.get("previousDigestSignature") or "null")
        sig = keys.sign_hex(to_sign.encode())
        meta = {"signature": sig, "signature-algorithm": "SHA256withRSA"}
        if backfill:
            meta["backfill-generation-timestamp"] = iso(end + dt.timedelta(minutes=30))
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=gzip.compress(body), Metadata=meta)
        if not backfill:
            self.prev = (key, sig, sha)
        return key


def record(t, name="DescribeInstances", i=0):
    return {
        "eventVersion": "1.11",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "accountId": ACCOUNT,
                         "arn": "arn:aws:iam::%s:user/alice" % ACCOUNT, "accessKeyId": "AKIAEXAMPLE",
                         "userName": "alice"},
        "eventTime": iso(t), "eventSource": "ec2.amazonaws.com", "eventName": name,
        "awsRegion": REGION, "sourceIPAddress": "192.0.2.10", "userAgent": "probe/1.0",
        "requestParameters": None, "responseElements": None,
        "requestID": "req-%d" % i, "eventID": "00000000-0000-4000-8000-%012d" % i,
        "readOnly": True, "eventType": "AwsApiCall", "managementEvent": True,
        "recipientAccountId": ACCOUNT, "eventCategory": "Management",
    }


def build_chain(w, base, n=4, logs_in=(0, 1, 2), edits=None):
    """n hourly digests from base; digest i gets one log file if i in logs_in.
    edits: {i: fn(d)} changes digest i before it is signed. Returns (digest keys, log keys)."""
    dkeys, lkeys = [], []
    for i in range(n):
        start = base + dt.timedelta(hours=i)
        end = start + dt.timedelta(hours=1)
        logs = []
        if i in logs_in:
            t = start + dt.timedelta(minutes=10)
            logs.append(w.put_log(t + dt.timedelta(minutes=5),
                                  [record(t, i=i), record(t, "RunInstances", i + 100)],
                                  unique="U%015d" % i))
            lkeys.append(logs[-1]["s3Object"])
        dkeys.append(w.put_digest(start, end, logs, chain=(i > 0), edit=(edits or {}).get(i)))
    return dkeys, lkeys


class Stub:
    """CloudTrail JSON-1.1: DescribeTrails and ListPublicKeys (moto lacks the latter)."""

    def __init__(self):
        self.trails, self.keys, self.calls = [], [], []
        stub = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)) or 0)
                op = self.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1]
                req = json.loads(body or b"{}")
                stub.calls.append((op, req))
                if op == "DescribeTrails":
                    out = {"trailList": stub.trails}
                elif op == "ListPublicKeys":
                    s, e = req.get("StartTime", 0), req.get("EndTime", time.time())
                    out = {"PublicKeyList": [
                        {"Value": base64.b64encode(der).decode(), "Fingerprint": fp,
                         "ValidityStartTime": vs, "ValidityEndTime": ve}
                        for der, fp, vs, ve in stub.keys if vs <= e and ve >= s]}
                else:
                    out = None
                data = json.dumps(out if out is not None else
                                  {"__type": "UnsupportedOperationException", "message": op}).encode()
                self.send_response(200 if out is not None else 400)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.port = free_port()
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), H)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d" % self.port

    def set_trail(self, bucket=BUCKET, prefix=None):
        t = {"Name": TRAIL, "S3BucketName": bucket, "TrailARN": ARN, "HomeRegion": REGION,
             "IsMultiRegionTrail": False, "LogFileValidationEnabled": True,
             "IsOrganizationTrail": False}
        if prefix:
            t["S3KeyPrefix"] = prefix
        self.trails = [t]

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Moto:
    def __init__(self, workdir):
        self.port = free_port()
        self.log = open(os.path.join(workdir, "moto.log"), "wb")
        self.proc = subprocess.Popen([MOTO, "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.url = "http://127.0.0.1:%d" % self.port
        for _ in range(200):
            try:
                urllib.request.urlopen(self.url + "/moto-api/", timeout=1)
                return
            except Exception:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("moto_server did not come up")

    def reset(self):
        urllib.request.urlopen(urllib.request.Request(self.url + "/moto-api/reset", method="POST"),
                               timeout=5)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

"""Turn a gen_events.py --s3-dir corpus into a signed CloudTrail trail inside an S3 endpoint.

Uploads every log file as is, then writes one digest per hour of log delivery time (from the
log names), chained and signed with KEY_PEM as CloudTrail signs digests (tests/e2e/ctfixture.py;
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-custom-validation.html).
usage: make_trail.py S3_DIR ENDPOINT BUCKET KEY_PEM CREDENTIALS_FILE
"""
import datetime as dt
import os
import re
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3
import botocore.config

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "e2e"))
import ctfixture as cf  # noqa: E402
from otharness import read_credentials  # noqa: E402

LOG_RE = re.compile(r"AWSLogs/(\d{12})/CloudTrail/([a-z0-9-]+)/.*_(\d{8}T\d{4})Z_[A-Za-z0-9]{16}\.json\.gz$")


class PemKeys(cf.Keys):
    def __init__(self, pem, workdir):
        import hashlib
        self.pem, self.workdir = pem, workdir
        self.pkcs1_der = cf.run(["openssl", "rsa", "-in", pem, "-RSAPublicKey_out", "-outform", "DER"]).stdout
        self.fingerprint = hashlib.md5(self.pkcs1_der).hexdigest()


def main():
    src, endpoint, bucket, pem, creds = sys.argv[1:6]
    key, secret = read_credentials(creds)
    s3 = boto3.session.Session().client(
        "s3", region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id=key,
        aws_secret_access_key=secret, config=botocore.config.Config(
            s3={"addressing_style": "path"}, max_pool_connections=16))
    s3.create_bucket(Bucket=bucket)
    logs = []
    for root, _, files in os.walk(src):
        for f in files:
            rel = os.path.relpath(os.path.join(root, f), src)
            m = LOG_RE.search(rel)
            if m:
                logs.append((m.group(1), m.group(2), dt.datetime.strptime(m.group(3), "%Y%m%dT%H%M")
                             .replace(tzinfo=dt.timezone.utc), rel))

    def upload(item):
        with open(os.path.join(src, item[3]), "rb") as fh:
            s3.put_object(Bucket=bucket, Key=item[3], Body=fh.read())
    with ThreadPoolExecutor(8) as ex:
        list(ex.map(upload, logs))
    keys = PemKeys(pem, os.path.dirname(os.path.abspath(pem)))
    import gzip
    import hashlib
    import json
    chains = {}
    for acct, region, t, rel in logs:
        chains.setdefault((acct, region), []).append((t, rel))
    ndig = 0
    for (acct, region), items in sorted(chains.items()):
        w = cf.Writer(s3, bucket, keys, account=acct, region=region, home_region="us-east-1",
                      trail="bench-trail")
        items.sort()
        first = items[0][0].replace(minute=0) - dt.timedelta(seconds=29)
        last = items[-1][0]
        start = first
        i = 0
        while start <= last:
            end = start + dt.timedelta(hours=1)
            refs = []
            while i < len(items) and items[i][0] < end:
                with open(os.path.join(src, items[i][1]), "rb") as fh:
                    body = gzip.decompress(fh.read())
                recs = json.loads(body)["Records"]
                times = sorted(r["eventTime"] for r in recs) or [None]
                refs.append({"s3Bucket": bucket, "s3Object": items[i][1],
                             "hashValue": hashlib.sha256(body).hexdigest(), "hashAlgorithm": "SHA-256",
                             "newestEventTime": times[-1], "oldestEventTime": times[0]})
                i += 1
            w.put_digest(start, end, refs[::-1], chain=w.prev is not None)
            ndig += 1
            start = end
    print("%d log files, %d digests" % (len(logs), ndig))


if __name__ == "__main__":
    main()

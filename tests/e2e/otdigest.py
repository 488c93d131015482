"""Helpers for digest tests: run the real `aws cloudtrail validate-logs` against a Server and
parse its summary; list and read digest files back."""
import datetime
import gzip
import json
import os
import re
import subprocess
import time
import zlib

SUMMARY_RE = re.compile(r"^(\d+)/(\d+) (digest|backfill digest|log) files valid"
                        r"(?:, (\d+)/(\d+) \3 files INVALID)?$", re.M)


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def validate_logs(server, trail_arn, start, region, extra=()):
    """Runs validate-logs in region (the global --region flag picks the digest folder and the
    ListPublicKeys region) with per-service endpoints only (AWS_ENDPOINT_URL_CLOUDTRAIL and
    AWS_ENDPOINT_URL_S3: https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
    Returns (rc, stdout, stderr, counts) with counts {"digest": (valid, total), "log": ...}."""
    env = server.env(region, endpoint=False)
    env["AWS_ENDPOINT_URL_CLOUDTRAIL"] = server.endpoint
    env["AWS_ENDPOINT_URL_S3"] = server.endpoint
    rc, out, err = server.aws("cloudtrail", "validate-logs", "--trail-arn", trail_arn,
                              "--start-time", iso(start), "--region", region, "--verbose",
                              *extra, check=False, env=env)
    counts = {}
    for m in SUMMARY_RE.finditer(out + "\n" + err):
        valid, total = int(m.group(1)), int(m.group(2))
        invalid = int(m.group(4) or 0)
        counts[m.group(3)] = (valid, total, invalid)
    return rc, out, err, counts


def run_ours(test, source, trail_arn, start, *extra, env=None):
    """Runs `opentrail validate SOURCE` for trail_arn from start (a datetime or an ISO string);
    fails test on a sanitizer report. Returns (rc, stdout, stderr)."""
    from otharness import BIN
    start = start if isinstance(start, str) else iso(start)
    p = subprocess.run([BIN, "validate", source, "--trail-arn", trail_arn, "--start-time", start,
                        "--no-progress"] + list(extra), capture_output=True, text=True,
                       env=env or {"PATH": os.environ.get("PATH", "")}, timeout=120)
    test.assertNotIn("Sanitizer", p.stderr)
    test.assertNotIn("runtime error", p.stderr)
    return p.returncode, p.stdout, p.stderr


def list_keys(s3, bucket, prefix):
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [o["Key"] for o in page.get("Contents", [])]
    return sorted(keys)


def digest_keys(s3, bucket, acct, region):
    return list_keys(s3, bucket, "AWSLogs/%s/CloudTrail-Digest/%s/" % (acct, region))


def log_keys(s3, bucket, acct, region):
    return list_keys(s3, bucket, "AWSLogs/%s/CloudTrail/%s/" % (acct, region))


def read_digest(s3, bucket, key):
    """(json document, metadata) of one digest; exactly one gzip member."""
    obj = s3.get_object(Bucket=bucket, Key=key)
    body = obj["Body"].read()
    d = zlib.decompressobj(zlib.MAX_WBITS | 16)
    raw = d.decompress(body) + d.flush()
    if not d.eof or d.unused_data:
        raise AssertionError("digest %s is not exactly one gzip member" % key)
    return json.loads(raw), obj["Metadata"], raw


def wait_for(pred, timeout=60, step=0.3):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(step)
    return pred()

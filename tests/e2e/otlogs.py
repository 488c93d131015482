"""Reading delivered CloudTrail log files back, strictly (for assertions)."""
import gzip
import json
import re
import zlib

KEY_RE = re.compile(
    r"^(?:(?P<prefix>.+)/)?AWSLogs/(?:(?P<org>o-[a-z0-9]{10,32})/)?(?P<acct>\d{12})/CloudTrail/"
    r"(?P<region>[a-z0-9-]+)/(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/"
    r"(?P=acct)_CloudTrail_(?P=region)_(?P<ts>\d{8}T\d{4}Z)_(?P<uniq>[A-Za-z0-9]{16})\.json\.gz$")


def decode_log_file(body):
    """Inflates exactly one gzip member (as CloudTrail writes them) and parses the envelope.
    Fails on trailing data, a second member, or anything but {"Records":[...]}."""
    d = zlib.decompressobj(zlib.MAX_WBITS | 16)
    raw = d.decompress(body) + d.flush()
    if not d.eof:
        raise AssertionError("truncated gzip member")
    if d.unused_data:
        raise AssertionError("%d bytes after the first gzip member" % len(d.unused_data))
    doc = json.loads(raw)
    if list(doc.keys()) != ["Records"] or not isinstance(doc["Records"], list):
        raise AssertionError("envelope is not {\"Records\":[...]}")
    return doc["Records"]


def all_log_objects(s3, bucket, prefix=""):
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [o["Key"] for o in page.get("Contents", [])]
    return [k for k in keys if "/CloudTrail/" in k and k.endswith(".json.gz")]


def read_all_records(s3, bucket, prefix=""):
    """[(key, record)] for every record of every log file in the bucket."""
    out = []
    for key in all_log_objects(s3, bucket, prefix):
        if not KEY_RE.match(key):
            raise AssertionError("log file key does not follow the CloudTrail layout: " + key)
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        out += [(key, r) for r in decode_log_file(body)]
    return out

#!/usr/bin/env python3
"""gen_sigv4_vectors.py — SigV4 vectors produced by the real botocore signer.

Run once with the pyenv python (boto3 1.43 / botocore 1.43); its output is pasted into
tests/unit/test_sigv4.c as BOTO_VECTORS. Each request is built by a real boto3 client, signed
by botocore at a fixed clock, and captured just before it would go on the wire (the
before-send hook), so path, query and headers are exactly what our server receives.

    /root/.pyenv/versions/3.11.7/bin/python3 tests/unit/gen_sigv4_vectors.py
"""
import datetime
import json
from unittest import mock
from urllib.parse import urlsplit

import boto3
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ENDPOINT = "http://127.0.0.1:4566"
FIXED = datetime.datetime(2026, 11, 22, 6, 35, 34)
FIXED_MS = int(FIXED.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)


class Captured(Exception):
    def __init__(self, request):
        super().__init__("captured")
        self.request = request


def _capture(request, **_):
    raise Captured(request)


def client(service, region="us-east-1", **cfg):
    c = boto3.client(
        service,
        region_name=region,
        endpoint_url=ENDPOINT,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(retries={"max_attempts": 1}, **cfg),
    )
    c.meta.events.register("before-send", _capture)
    return c


def call(c, op, **kw):
    try:
        getattr(c, op)(**kw)
    except Captured as e:
        return e.request
    raise RuntimeError("request was not captured")


def c_str(data):
    """A C string literal; octal escapes are always 3 digits so nothing can run on."""
    if isinstance(data, str):
        data = data.encode("latin-1")
    out = []
    for b in data:
        ch = chr(b)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= b < 0x7F and ch != "?":
            out.append(ch)
        else:
            out.append("\\%03o" % b)
    return '"' + "".join(out) + '"'


def emit(name, service, method, url, headers, body, host, end=","):
    parts = urlsplit(url)
    hdrs = [("host", host)]
    for k, v in headers.items():
        if isinstance(v, bytes):
            v = v.decode("latin-1")
        hdrs.append((k.lower(), v))
    body = body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    if hasattr(body, "read"):
        body = body.read()
    print("    {")
    print(f"        .name = {c_str(name)},")
    print(f"        .service = {c_str(service)},")
    print(f"        .method = {c_str(method)},")
    print(f"        .path = {c_str(parts.path)},")
    print(f"        .query = {c_str(parts.query)},")
    print(f"        .nheaders = {len(hdrs)},")
    print("        .headers = {")
    for k, v in hdrs:
        print(f"            {{{c_str(k)}, {c_str(v)}}},")
    print("        },")
    print(f"        .body = {c_str(body)},")
    print(f"        .body_len = {len(body)},")
    print("    }" + end)


def emit_request(name, service, req):
    emit(name, service, req.method, req.url, req.headers, req.body,
         botocore.auth._host_from_url(req.url))


def main():
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=FIXED):
        ct = client("cloudtrail", region="eu-west-1")
        r1 = call(ct, "get_trail_status", Name="demo-trail")

        ctd = client("cloudtrail-data")
        event_data = json.dumps({"version": "1.0", "userIdentity": {"type": "CustomUser",
                                 "principalId": "alice"}, "eventName": "Login",
                                 "eventTime": "2026-11-22T06:35:00Z", "UID": "e1"})
        r2 = call(ctd, "put_audit_events",
                  channelArn="arn:aws:cloudtrail:us-east-1:123456789012:channel/"
                             "01234567-89ab-cdef-0123-456789abcdef",
                  externalId="ext-1",
                  auditEvents=[{"id": "e1", "eventData": event_data}])

        s3 = client("s3", signature_version="s3v4", s3={"addressing_style": "path"})
        r3 = call(s3, "put_object", Bucket="ct-logs",
                  Key="AWSLogs/my key/\u00fcn\u00efc\u00f6d\u00e9 \u65e5\u672c+plus&eq=1 (x)~*.json",
                  Body=b'{"Records":[]}\n')
        r4 = call(s3, "list_objects_v2", Bucket="ct-logs",
                  Prefix="AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/a b+c/",
                  Delimiter="/")
        url = s3.generate_presigned_url(
            "get_object", Params={"Bucket": "ct-logs", "Key": "digests/my file+1.json.gz"},
            ExpiresIn=900)

        # The suite's get-space request, signed by botocore's generic (non-S3) signer.
        space = AWSRequest(method="GET", url="https://example.amazonaws.com/example space/",
                           headers={"X-Amz-Date": "20150830T123600Z"})
        suite_creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
        with mock.patch.object(botocore.auth, "get_current_datetime",
                               return_value=datetime.datetime(2015, 8, 30, 12, 36, 0)):
            botocore.auth.SigV4Auth(suite_creds, "service", "us-east-1").add_auth(space)

    print(f"/* Generated by tests/unit/gen_sigv4_vectors.py (botocore "
          f"{botocore.__version__}); signed at {FIXED.isoformat()}Z = {FIXED_MS} ms with")
    print(f" * {ACCESS_KEY} / {SECRET_KEY}. */")
    print(f"#define BOTO_NOW_MS INT64_C({FIXED_MS})")
    print("static const vector BOTO_VECTORS[] = {")
    emit_request("cloudtrail GetTrailStatus (JSON 1.1)", "cloudtrail", r1)
    emit_request("cloudtrail-data PutAuditEvents (rest-json, channelArn query)",
                 "cloudtrail-data", r2)
    emit_request("s3 PutObject, key with spaces, unicode, '+', '&'", "s3", r3)
    emit_request("s3 ListObjectsV2 list-type=2, prefix, delimiter", "s3", r4)
    emit("s3 presigned GetObject", "s3", "GET", url, {}, b"",
         botocore.auth._host_from_url(url))
    print("};")
    print()
    print("/* The suite's get-space, signed by botocore's SigV4Auth (service \"service\"). */")
    print("static const vector BOTO_GET_SPACE =")
    emit("get-space", "service", "GET", space.url, space.headers, b"",
         "example.amazonaws.com", end=";")


if __name__ == "__main__":
    main()

"""p50/p99 of LookupEvents through the real HTTP API (keep-alive, botocore's SigV4 signer).
usage: http_latency.py ENDPOINT CREDENTIALS_FILE REPS"""
import http.client
import json
import sys
import time
import urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

endpoint, cred_file, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
key = secret = None
for line in open(cred_file):
    if "=" in line:
        k, v = (x.strip() for x in line.split("=", 1))
        key = v if k == "aws_access_key_id" and key is None else key
        secret = v if k == "aws_secret_access_key" and secret is None else secret
u = urllib.parse.urlparse(endpoint)
conn = http.client.HTTPConnection(u.hostname, u.port)
target = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"


def call(body):
    data = json.dumps(body).encode()
    req = AWSRequest(method="POST", url=endpoint + "/", data=data,
                     headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"})
    SigV4Auth(Credentials(key, secret), "cloudtrail", "us-east-1").add_auth(req)
    t = time.perf_counter()
    conn.request("POST", "/", body=data, headers=dict(req.headers))
    r = conn.getresponse()
    out = json.loads(r.read())
    dt = time.perf_counter() - t
    assert r.status == 200, out
    return dt, out


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))] * 1000


for label, attrs in (("(none)", None), ("EventName=Op0", [{"AttributeKey": "EventName", "AttributeValue": "Op0"}]),
                     ("Username=user200", [{"AttributeKey": "Username", "AttributeValue": "user200"}])):
    base = {"MaxResults": 50}
    if attrs:
        base["LookupAttributes"] = attrs
    first, deep = [], []
    _, page = call(base)
    tok = None
    for _ in range(99):            # walk to page 100 once, keep its token
        _, page = call(dict(base, NextToken=page["NextToken"]))
        tok = page.get("NextToken")
        if not tok:
            break
    for _ in range(reps):
        dt, _ = call(base)
        first.append(dt)
        if tok:
            dt, _ = call(dict(base, NextToken=tok))
            deep.append(dt)
    print("RESULT http %-18s first p50=%.2f ms p99=%.2f ms   page101 p50=%.2f ms p99=%.2f ms"
          % (label, pct(first, .5), pct(first, .99), pct(deep, .5) if deep else 0, pct(deep, .99) if deep else 0))

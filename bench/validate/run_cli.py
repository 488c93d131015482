"""Times the real `aws cloudtrail validate-logs` on the bench trail: S3 = our server, CloudTrail =
the ctfixture stub (ListPublicKeys with the bench key). usage: run_cli.py ENDPOINT BUCKET KEY_PEM CREDS"""
import os
import re
import subprocess
import sys
import time

import boto3
import botocore.config

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "e2e"))
import ctfixture as cf  # noqa: E402
from otharness import read_credentials  # noqa: E402
from make_trail import PemKeys  # noqa: E402

endpoint, bucket, pem, creds = sys.argv[1:5]
key, secret = read_credentials(creds)
s3 = boto3.session.Session().client("s3", region_name="us-east-1", endpoint_url=endpoint,
                                    aws_access_key_id=key, aws_secret_access_key=secret,
                                    config=botocore.config.Config(s3={"addressing_style": "path"}))
digests = []
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="AWSLogs/"):
    digests += [o["Key"] for o in page.get("Contents", []) if "/CloudTrail-Digest/" in o["Key"]]
m = re.search(r"AWSLogs/(\d{12})/CloudTrail-Digest/([a-z0-9-]+)/", digests[0])
acct, region = m.group(1), m.group(2)
ts = min(re.search(r"_(\d{8}T\d{6}Z)\.json\.gz$", d).group(1) for d in digests)
start = "%s-%s-%sT%s:%s:%sZ" % (ts[0:4], ts[4:6], ts[6:8], ts[9:11], ts[11:13], ts[13:15])
start = subprocess.run(["date", "-u", "-d", "%s - 2 hours" % start.replace("T", " ").rstrip("Z"),
                        "+%Y-%m-%dT%H:%M:%SZ"], capture_output=True, text=True).stdout.strip()
keys = PemKeys(pem, os.path.dirname(os.path.abspath(pem)))
stub = cf.Stub()
stub.keys = [(keys.pkcs1_der, keys.fingerprint, 0, 4102444800)]
env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
env.update(AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret, AWS_DEFAULT_REGION=region,
           AWS_CONFIG_FILE=os.devnull, AWS_ENDPOINT_URL_S3=endpoint,
           AWS_ENDPOINT_URL_CLOUDTRAIL=stub.url, AWS_MAX_ATTEMPTS="1")
t0 = time.time()
p = subprocess.run([cf.AWS, "cloudtrail", "validate-logs", "--trail-arn",
                    "arn:aws:cloudtrail:us-east-1:%s:trail/bench-trail" % acct, "--start-time", "2024-02-28T00:00:00Z",
                    "--end-time", "2024-03-04T00:00:00Z",
                    "--s3-bucket", bucket], capture_output=True, text=True, env=env)
el = time.time() - t0
stub.stop()
print("aws-cli: rc=%d %.2f s | %s" % (p.returncode, el, " ".join(p.stdout.split("\n")[-4:]).strip()))
if p.returncode:
    print(p.stderr[-2000:])

#!/usr/bin/env python3
"""bench/restore/latency.py — from StopLogging's acknowledgement to the trail logging again.

Starts a server (the trail-restore runbook on, as by default) with one logging trail, then,
TRIES times: StopLogging through boto3, and from its acknowledgement GetTrailStatus as fast as
the client can send it until IsLogging is true again. Between tries it waits for that try's
incident (so every try finds the runbook idle, as a real StopLogging would). Prints p50, p99
and the maximum, and writes the samples to OUT/samples.json."""
import argparse
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

import boto3
import botocore.config


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def incidents(path):
    if not os.path.exists(path):
        return 0
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        return db.execute("SELECT count(*) FROM incidents WHERE json LIKE '{\"id\":%'").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        db.close()


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/opentrail")
    ap.add_argument("--tries", type=int, default=100)
    ap.add_argument("--out", default="bench/out/restore")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="ot-restore-")
    port = free_port()
    log = open(os.path.join(tmp, "server.log"), "wb")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENTRAIL_")}
    server = subprocess.Popen([a.bin, "serve", "--listen", "127.0.0.1:%d" % port, "--data-dir",
                               os.path.join(tmp, "data"), "--log-level", "warn",
                               "--access-log", "false"], stdout=log, stderr=subprocess.STDOUT,
                              env=env)
    try:
        deadline = time.time() + 30
        creds = os.path.join(tmp, "data", "credentials")
        while not os.path.exists(creds) and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        key = secret = None
        for line in open(creds):
            if line.startswith("aws_access_key_id"):
                key = line.split("=", 1)[1].strip()
            if line.startswith("aws_secret_access_key"):
                secret = line.split("=", 1)[1].strip()
        cfg = botocore.config.Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
        session = boto3.session.Session()
        kw = dict(region_name="us-east-1", endpoint_url="http://127.0.0.1:%d" % port,
                  aws_access_key_id=key, aws_secret_access_key=secret, config=cfg)
        s3, ct = session.client("s3", **kw), session.client("cloudtrail", **kw)
        while True:
            try:
                s3.create_bucket(Bucket="trail-logs")
                break
            except Exception:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        ct.create_trail(Name="main", S3BucketName="trail-logs")
        ct.start_logging(Name="main")
        db = os.path.join(tmp, "data", "incidents.db")
        samples = []
        for i in range(a.tries):
            ct.stop_logging(Name="main")
            acked = time.perf_counter()
            while not ct.get_trail_status(Name="main")["IsLogging"]:
                if time.perf_counter() - acked > 30:
                    raise SystemExit("try %d: the trail was not restored within 30 s" % i)
            samples.append((time.perf_counter() - acked) * 1000.0)
            while incidents(db) < i + 1:
                if time.perf_counter() - acked > 60:
                    raise SystemExit("try %d: no incident within 60 s" % i)
                time.sleep(0.01)
        with open(os.path.join(a.out, "samples.json"), "w") as f:
            json.dump(samples, f)
        print("StopLogging acknowledged -> GetTrailStatus IsLogging true, %d tries: "
              "p50 %.1f ms, p99 %.1f ms, max %.1f ms"
              % (len(samples), percentile(samples, 50), percentile(samples, 99), max(samples)))
    finally:
        server.terminate()
        server.wait()
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

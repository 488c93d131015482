#!/usr/bin/env python3
"""bench/monitor/latency.py — from PutAuditEvents' acknowledgement to the alarm's SNS message.

Starts a server whose trail streams into a log group carrying the CIS metric filters and alarms
(`opentrail monitor cis --period 60`), their topic delivering to a `file` subscription. Each
round sends, one PutAuditEvents call per control, an event that trips that control, and times
each call's acknowledgement to the line in the subscription's file holding that alarm's ALARM
message; then waits for every alarm to rest at OK again. Prints p50/p99 over all the samples.

A metric filter counts a minute's matches into one datapoint (as CloudWatch Logs does), and an
alarm's 60 s window ends at the last whole minute, so the expected figure is about one period:
up to a minute plus the evaluator's one-second tick. So it prints both: the whole wait, and the
wait past the end of the minute the event fell in (what the server adds)."""
import argparse
import datetime
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time

import boto3

ROLE = "arn:aws:iam::%s:role/CloudTrail_CloudWatchLogs"

# control -> (alarm name, the audit event's fields that trip it)
TRIPS = {
    "CloudWatch.1": ("RootAccountUsage", {"userIdentity": {"type": "Root", "principalId": "root"},
                                          "eventSource": "iam.amazonaws.com",
                                          "eventName": "ListUsers"}),
    "CloudWatch.2": ("UnauthorizedAPICalls", {"eventSource": "s3.amazonaws.com",
                                              "eventName": "GetObject",
                                              "errorCode": "AccessDenied"}),
    "CloudWatch.4": ("IAMPolicyChanges", {"eventSource": "iam.amazonaws.com",
                                          "eventName": "PutUserPolicy"}),
    "CloudWatch.5": ("CloudTrailChanges", {"eventSource": "cloudtrail.amazonaws.com",
                                           "eventName": "StopLogging"}),
    "CloudWatch.7": ("DisableOrDeleteCMK", {"eventSource": "kms.amazonaws.com",
                                            "eventName": "DisableKey"}),
    "CloudWatch.8": ("S3BucketPolicyChanges", {"eventSource": "s3.amazonaws.com",
                                               "eventName": "PutBucketPolicy"}),
    "CloudWatch.9": ("AWSConfigChanges", {"eventSource": "config.amazonaws.com",
                                          "eventName": "StopConfigurationRecorder"}),
    "CloudWatch.10": ("SecurityGroupChanges", {"eventSource": "ec2.amazonaws.com",
                                               "eventName": "CreateSecurityGroup"}),
    "CloudWatch.11": ("NACLChanges", {"eventSource": "ec2.amazonaws.com",
                                      "eventName": "CreateNetworkAcl"}),
    "CloudWatch.12": ("NetworkGatewayChanges", {"eventSource": "ec2.amazonaws.com",
                                                "eventName": "CreateCustomerGateway"}),
    "CloudWatch.13": ("RouteTableChanges", {"eventSource": "ec2.amazonaws.com",
                                            "eventName": "CreateRoute"}),
    "CloudWatch.14": ("VPCChanges", {"eventSource": "ec2.amazonaws.com",
                                     "eventName": "CreateVpc"}),
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def audit_event(account, fields, uid):
    data = {"version": "1.0", "userIdentity": {"type": "IAMUser", "principalId": "bench"},
            "eventTime": datetime.datetime.now(datetime.timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%SZ"),
            "UID": uid, "sourceIPAddress": "192.0.2.10", "recipientAccountId": account}
    data.update(fields)
    return json.dumps(data)


def percentile(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


class Bench:
    def __init__(self, binary, out):
        self.bin, self.data = binary, os.path.join(out, "data-latency")
        shutil.rmtree(self.data, ignore_errors=True)
        self.port = free_port()
        self.endpoint = "http://127.0.0.1:%d" % self.port
        self.proc = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:%d" % self.port,
                                      "--data-dir", self.data, "--delivery-interval", "1h"],
                                     stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(out, "server-latency.log"), "w"))
        creds = os.path.join(self.data, "credentials")
        for _ in range(200):
            if os.path.exists(creds) and os.path.getsize(creds):
                try:
                    socket.create_connection(("127.0.0.1", self.port), 1).close()
                    break
                except OSError:
                    pass
            time.sleep(0.1)
        os.environ.update(AWS_SHARED_CREDENTIALS_FILE=creds, AWS_CONFIG_FILE="/dev/null",
                          AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL=self.endpoint)
        self.rng = random.Random(7)
        self.c = {s: boto3.client(s) for s in ("s3", "cloudtrail", "cloudtrail-data", "logs",
                                               "sns", "cloudwatch")}

    def setup(self):
        c = self.c
        c["s3"].create_bucket(Bucket="bench")
        trail = c["cloudtrail"].create_trail(Name="bench", S3BucketName="bench")["TrailARN"]
        self.account = trail.split(":")[4]
        c["logs"].create_log_group(logGroupName="CloudTrail/bench")
        topic = c["sns"].create_topic(Name="security-alerts")["TopicArn"]
        c["sns"].subscribe(TopicArn=topic, Protocol="file", Endpoint="alerts.jsonl")
        c["cloudtrail"].update_trail(
            Name="bench", CloudWatchLogsRoleArn=ROLE % self.account,
            CloudWatchLogsLogGroupArn="arn:aws:logs:us-east-1:%s:log-group:CloudTrail/bench:*"
            % self.account)
        subprocess.run([self.bin, "monitor", "cis", "--log-group", "CloudTrail/bench",
                        "--topic", "security-alerts", "--period", "60", "--json",
                        "--endpoint", self.endpoint, "--data-dir", self.data],
                       check=True, stdout=subprocess.DEVNULL)
        c["cloudtrail"].start_logging(Name="bench")
        self.channel = c["cloudtrail"].create_channel(
            Name="bench", Source="Custom",
            Destinations=[{"Type": "AWS_SERVICE", "Location": trail}])["ChannelArn"]
        self.alerts = os.path.join(self.data, "sns", "alerts.jsonl")
        self.seen = 0

    def new_alarms(self):
        """ALARM messages appended to the subscription's file since the last call, with the
        time each was first seen."""
        if not os.path.exists(self.alerts):
            return []
        with open(self.alerts) as f:
            lines = f.read().splitlines()
        now, out = time.time(), []
        for line in lines[self.seen:]:
            msg = json.loads(json.loads(line)["Message"])
            if msg["NewStateValue"] == "ALARM":
                out.append((msg["AlarmName"], now))
        self.seen = len(lines)
        return out

    def wait_all_ok(self, names, timeout=300):
        deadline = time.time() + timeout
        while time.time() < deadline:
            alarms = self.c["cloudwatch"].describe_alarms(AlarmNames=names)["MetricAlarms"]
            if all(a["StateValue"] == "OK" for a in alarms):
                return
            time.sleep(1)
        sys.exit("alarms did not return to OK within %ds" % timeout)

    def round(self, r):
        # a random moment of the minute: the latency depends on where in its minute an event
        # falls (a metric filter's datapoint is the minute's), so the rounds sample it
        time.sleep(self.rng.uniform(0, 60))
        self.new_alarms()   # what came before this round (setup, the last round) is not ours
        acked = {}
        for i, (control, (alarm, fields)) in enumerate(sorted(TRIPS.items())):
            ev = {"id": "e", "eventData": audit_event(self.account, fields, "r%d-%d" % (r, i))}
            out = self.c["cloudtrail-data"].put_audit_events(channelArn=self.channel,
                                                             auditEvents=[ev])
            if out["failed"]:
                sys.exit("PutAuditEvents failed: %s" % out["failed"])
            acked[alarm] = time.time()
        got, deadline = {}, time.time() + 200
        while len(got) < len(acked) and time.time() < deadline:
            for name, t in self.new_alarms():
                if name in acked and name not in got:
                    # (the whole wait, the wait past the end of the event's minute)
                    minute_end = (int(acked[name]) // 60 + 1) * 60
                    got[name] = (t - acked[name], t - minute_end)
            time.sleep(0.05)
        missing = sorted(set(acked) - set(got))
        if missing:
            print("round %d: no ALARM message within 200 s for %s" % (r, ", ".join(missing)))
        self.wait_all_ok(sorted(acked))
        return list(got.values())

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    b = Bench(a.bin, a.out)
    try:
        b.setup()
        b.wait_all_ok([alarm for alarm, _ in TRIPS.values()])
        samples = []
        for r in range(a.rounds):
            s = b.round(r)
            print("round %d: %d alarms, %.1f-%.1f s after the acknowledgement, %.2f-%.2f s "
                  "after the end of its minute" % (r + 1, len(s), min(x[0] for x in s),
                                                   max(x[0] for x in s), min(x[1] for x in s),
                                                   max(x[1] for x in s)), flush=True)
            samples += s
    finally:
        b.close()
    whole, past = [x[0] for x in samples], [x[1] for x in samples]
    print("alarm latency over %d alarms (period 60 s): acknowledgement to the SNS message p50 "
          "%.1f s, p99 %.1f s; past the end of the event's minute p50 %.2f s, p99 %.2f s"
          % (len(samples), percentile(whole, 50), percentile(whole, 99), percentile(past, 50),
             percentile(past, 99)))


if __name__ == "__main__":
    main()

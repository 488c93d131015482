#!/usr/bin/env python3
"""Turns a gen_events.py NDJSON corpus into PutAuditEvents request bodies, one per line.

Each CloudTrail event becomes the eventData of one audit event (its fields:
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/query-integration-event-schema.html): its
userIdentity becomes {type, principalId, details: <the rest>}, requestID becomes UID, and
recipientAccountId is set to the channel's account. 100 events per body, as the load client
sends them."""
import argparse
import ipaddress
import json
import sys


def to_event_data(ev, account):
    ident = dict(ev.get("userIdentity") or {"type": "Unknown"})
    data = {
        "version": "1.0",
        "userIdentity": {"type": ident.pop("type", "Unknown"),
                         "principalId": ident.pop("principalId", "unknown") or "unknown",
                         "details": ident},
        "eventSource": ev["eventSource"],
        "eventName": ev["eventName"],
        "eventTime": ev["eventTime"],
        "UID": ev.get("requestID") or ev["eventID"],
        "recipientAccountId": account,
    }
    for k in ("userAgent", "errorCode", "errorMessage"):
        if ev.get(k):
            data[k] = ev[k][:256] if k.startswith("error") else ev[k][:1024]
    for k in ("requestParameters", "responseElements", "additionalEventData"):
        if isinstance(ev.get(k), dict):
            data[k] = ev[k]
    try:
        ipaddress.ip_address(ev.get("sourceIPAddress", ""))
        data["sourceIPAddress"] = ev["sourceIPAddress"]
    except ValueError:
        pass   # service principals ("ec2.amazonaws.com") are not IP addresses
    return json.dumps(data, separators=(",", ":"))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("ndjson")
    ap.add_argument("out")
    ap.add_argument("--account", default="123456789012")
    ap.add_argument("--per-request", type=int, default=100)
    a = ap.parse_args()
    batch, n, size = [], 0, 0
    with open(a.ndjson) as f, open(a.out, "w") as out:
        for i, line in enumerate(f):
            data = to_event_data(json.loads(line), a.account)
            batch.append({"id": "e%d" % i, "eventData": data})
            if len(batch) == a.per_request:
                body = json.dumps({"auditEvents": batch}, separators=(",", ":"))
                if len(body) <= 1024 * 1024:
                    out.write(body + "\n")
                    n += 1
                    size += len(body)
                batch = []
    print("wrote %d request bodies (%.1f MB) to %s" % (n, size / 1e6, a.out), file=sys.stderr)


if __name__ == "__main__":
    main()

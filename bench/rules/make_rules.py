"""Writes N realistic EventBridge rules over CloudTrail events, one pattern a line, from SEED.

Most rules (80%) are what teams write against "AWS API Call via CloudTrail": a source and a few
API names (taken from botocore's service models, so they are real operations of real services),
some per account, some narrowed by anything-but on the identity type, errorCode exists, a numeric
range or an anything-but prefix; the rest use the other operators as real rules do: eventName
prefixes, error codes, ARN wildcards, source IP CIDRs, $or.
The services and accounts of EVENTS (NDJSON CloudTrail records) are weighted in, so that some
rules match.

    make_rules.py EVENTS.ndjson N SEED > rules.txt
"""
import json
import os
import random
import sys


def botocore_operations():
    try:
        import botocore
    except ImportError:
        return {}
    root = os.path.join(os.path.dirname(botocore.__file__), "data")
    ops = {}
    for service in sorted(os.listdir(root)):
        if not os.path.isdir(os.path.join(root, service)):
            continue
        versions = sorted(os.listdir(os.path.join(root, service)))
        for v in reversed(versions):
            path = os.path.join(root, service, v, "service-2.json")
            if os.path.exists(path) or os.path.exists(path + ".gz"):
                import gzip
                opener = open if os.path.exists(path) else gzip.open
                with opener(path if os.path.exists(path) else path + ".gz", "rt") as f:
                    model = json.load(f)
                prefix = model["metadata"].get("endpointPrefix", service)
                ops.setdefault(prefix, []).extend(sorted(model["operations"]))
                break
    return ops


def main():
    events_path, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    r = random.Random(seed)
    seen, accounts, names = {}, set(), {}
    with open(events_path) as f:
        for line in f:
            e = json.loads(line)
            svc = e["eventSource"].split(".")[0]
            names.setdefault(svc, set()).add(e["eventName"])
            accounts.add(e.get("recipientAccountId", ""))
    ops = botocore_operations()
    for svc, ns in names.items():  # the corpus' own APIs, so that rules match
        ops.setdefault(svc, []).extend(sorted(ns))
    services = sorted(ops)
    hot = sorted(names)
    accounts = sorted(a for a in accounts if a)

    def service():
        return r.choice(hot) if r.random() < 0.3 else r.choice(services)

    def base(svc):
        p = {"source": ["aws." + svc], "detail-type": ["AWS API Call via CloudTrail"]}
        if r.random() < 0.3:
            p["account"] = [r.choice(accounts)]
        return p

    for _ in range(n):
        svc = service()
        p = base(svc)
        detail = {"eventSource": [svc + ".amazonaws.com"]}
        kind = r.random()
        if kind < 0.80:  # named APIs, sometimes narrowed further
            detail["eventName"] = r.sample(ops[svc], min(len(ops[svc]), r.choice([1, 1, 2, 3])))
            extra = r.random()
            if extra < 0.15:
                detail["userIdentity"] = {"type": [{"anything-but": ["AWSService", "AWSAccount"]}]}
            elif extra < 0.25:
                detail["errorCode"] = [{"exists": True}]
            elif extra < 0.28:
                detail["requestParameters"] = {"durationSeconds": [{"numeric": [">", 3600]}]}
            elif extra < 0.31:
                detail["sourceIPAddress"] = [{"anything-but": {"prefix": "10."}}]
        elif kind < 0.88:
            detail["eventName"] = [{"prefix": r.choice(["Delete", "Put", "Create", "Update",
                                                        "Disable", "Stop", "Remove"])}]
        elif kind < 0.93:
            detail["errorCode"] = [r.choice(["AccessDenied", "UnauthorizedOperation",
                                             "Client.UnauthorizedOperation"])]
        elif kind < 0.96:
            detail["userIdentity"] = {"arn": [{"wildcard": "arn:aws:iam::*:user/%s*"
                                               % r.choice(["admin", "mallory", "ci-", "break"])}]}
        elif kind < 0.98:
            detail["sourceIPAddress"] = [{"cidr": r.choice(["10.0.0.0/8", "89.30.0.0/16",
                                                            "192.168.0.0/16", "2001:db8::/32"])}]
        else:
            detail["$or"] = [{"eventName": r.sample(ops[svc], 1)},
                             {"errorCode": [{"prefix": "AccessDenied"}]}]
        p["detail"] = detail
        print(json.dumps(p, separators=(",", ":")))


if __name__ == "__main__":
    main()

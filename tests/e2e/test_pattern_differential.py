"""Issue 12, item 1: `opentrail pattern test` against an independent matcher of EventBridge event
patterns, written here in Python from the documented semantics (docs/rules.md#event-patterns;
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html and
eb-create-pattern-operators.html), not from the C code.

From a fixed seed the test generates realistic CloudTrail events in EventBridge's envelope
(detail-type "AWS API Call via CloudTrail", source aws.<service>, the record under "detail", with
arrays of resources and items, numbers, booleans, nulls, IPv4 and IPv6 addresses) and a few
thousand patterns over their fields (every operator, $or, arrays of objects), then runs the real
binary once over the whole set (--patterns: every pattern matched together, as the rules are)
and once per sampled pattern alone, and compares every (event, pattern) answer with the
reference. Refused patterns are checked for exit status 2 and EventBridge's reason."""
import ipaddress
import json
import math
import os
import random
import re
import shutil
import subprocess
import tempfile

import otharness
from otharness import BIN

SEED = 20261203
NEVENTS = 600
NPATTERNS = 2500

# ---------------------------------------------------------------- the reference matcher

OPERATORS = {"prefix", "suffix", "equals-ignore-case", "wildcard", "anything-but", "numeric",
             "cidr", "exists", "exactly"}


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def fold(s):
    """Case-insensitive comparisons fold the ASCII letters only."""
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in s)


def wildcard_regex(w):
    out, i = [], 0
    while i < len(w):
        if w[i] == "\\":
            out.append(re.escape(w[i + 1]))
            i += 2
        elif w[i] == "*":
            out.append(".*")
            i += 1
        else:
            out.append(re.escape(w[i]))
            i += 1
    return re.compile("".join(out) + r"\Z", re.S)


def address(s):
    try:
        ip = ipaddress.ip_address(s)
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped:
        return ip.ipv4_mapped
    return ip


def in_range(v, spec):
    ops = {"=": lambda a, b: a == b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
           ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}
    return all(ops[spec[i]](float(v), float(spec[i + 1])) for i in range(0, len(spec), 2))


def string_op(op, operand, v):
    """The string operators (also the inner ones of anything-but) on a leaf value."""
    if not isinstance(v, str):
        return False
    if isinstance(operand, dict):  # prefix / suffix with equals-ignore-case
        operand = operand["equals-ignore-case"]
        v, operand = fold(v), fold(operand)
    if op == "prefix":
        return v.startswith(operand)
    if op == "suffix":
        return v.endswith(operand)
    if op == "equals-ignore-case":
        return fold(v) == fold(operand)
    if op == "wildcard":
        return wildcard_regex(operand).match(v) is not None
    if op == "exactly":
        return v == operand
    raise AssertionError(op)


def alternative(alt, v):
    """Whether one alternative of a field's list matches leaf value v."""
    if not isinstance(alt, dict):
        if alt is None or isinstance(alt, bool):
            return v is alt
        if is_number(alt):
            return is_number(v) and float(v) == float(alt)
        return isinstance(v, str) and v == alt
    (op, operand), = alt.items()
    if op == "exists":
        return operand  # every leaf exists; exists:false is handled per field
    if op == "numeric":
        return is_number(v) and in_range(v, operand)
    if op == "cidr":
        ip = address(v) if isinstance(v, str) else None
        return ip is not None and ip in ipaddress.ip_network(operand)
    if op == "anything-but":
        if isinstance(operand, dict):
            (inner, values), = operand.items()
            values = values if isinstance(values, list) else [values]
            return not any(string_op(inner, x, v) for x in values)
        values = operand if isinstance(operand, list) else [operand]
        if is_number(values[0]):
            return is_number(v) and all(float(v) != float(x) for x in values)
        return not (isinstance(v, str) and v in values)
    return string_op(op, operand, v)


def leaves(event):
    """Every leaf of the event: (path, value, trail), the trail naming (array, element) pairs."""
    out, counter = [], [0]

    def walk(v, path, trail):
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, path + (k,), trail)
        elif isinstance(v, list):
            counter[0] += 1
            aid = counter[0]
            for i, x in enumerate(v):
                walk(x, path, trail + ((aid, i),))
        else:
            out.append((path, v, trail))

    walk(event, (), ())
    return out


def branches(pattern, path=()):
    """The pattern's combinations of $or branches, each a list of (path, alternatives)."""
    combos = [[]]
    for k, v in pattern.items():
        if k == "$or":
            combos = [c + b for c in combos for sub in v for b in branches(sub, path)]
        elif isinstance(v, dict):
            combos = [c + b for c in combos for b in branches(v, path + (k,))]
        else:
            combos = [c + [(path + (k,), v)] for c in combos]
    return combos


def compatible(t1, t2):
    for (a1, e1), (a2, e2) in zip(t1, t2):
        if a1 != a2:
            return True
        if e1 != e2:
            return False
    return True


def by_path(event):
    """The event's leaves grouped by path."""
    out = {}
    for p, v, t in leaves(event):
        out.setdefault(p, []).append((v, t))
    return out


def branch_matches(fields, flat):
    choices = []
    for path, alts in fields:
        present = flat.get(path, [])
        absent_ok = any(isinstance(a, dict) and a.get("exists", True) is False for a in alts)
        if absent_ok and not present:
            continue
        hits = [t for v, t in present
                if any(not (isinstance(a, dict) and a.get("exists", True) is False)
                       and alternative(a, v) for a in alts)]
        if not hits:
            return False
        choices.append(hits)

    def place(i, picked):
        if i == len(choices):
            return True
        return any(all(compatible(t, p) for p in picked) and place(i + 1, picked + [t])
                   for t in choices[i])

    return place(0, [])


def reference(pattern, event, flat=None, combos=None):
    flat = by_path(event) if flat is None else flat
    combos = branches(pattern) if combos is None else combos
    return any(branch_matches(b, flat) for b in combos)


# ---------------------------------------------------------------- a realistic corpus

SERVICES = {
    "ec2": ["RunInstances", "TerminateInstances", "DescribeInstances", "StopInstances",
            "AuthorizeSecurityGroupIngress", "CreateTags", "DeleteVolume"],
    "s3": ["PutBucketPolicy", "DeleteBucketPolicy", "GetObject", "PutObject", "CreateBucket",
           "PutBucketAcl", "ListBuckets"],
    "iam": ["CreateUser", "AttachUserPolicy", "CreateAccessKey", "DeleteRole", "GetUser",
            "PutRolePolicy"],
    "cloudtrail": ["StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors",
                   "StartLogging", "DescribeTrails"],
    "sts": ["AssumeRole", "GetCallerIdentity", "AssumeRoleWithSAML"],
    "kms": ["DisableKey", "ScheduleKeyDeletion", "Decrypt", "CreateKey"],
    "signin": ["ConsoleLogin"],
}
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"]
USERS = ["Mary", "alice", "ALICE", "bob", "deploy-bot", "ci.runner"]
AGENTS = ["aws-cli/2.13.0 Python/3.11.4", "Boto3/1.28.0", "console.amazonaws.com",
          "AWS Internal", "terraform/1.5.7", "aws-sdk-go/1.44.0"]
ERRORS = ["AccessDenied", "Client.UnauthorizedOperation", "NoSuchBucket", "ThrottlingException"]


def source_ip(r):
    return r.choice([
        "10.0.%d.%d" % (r.randrange(4), r.randrange(256)),
        "192.0.2.%d" % r.randrange(256),
        "203.0.113.%d" % r.randrange(256),
        "2001:db8:%x::%x" % (r.randrange(4), r.randrange(65536)),
        "ec2.amazonaws.com",
        "AWS Internal",
    ])


def make_event(r, i):
    service = r.choice(sorted(SERVICES))
    name = r.choice(SERVICES[service])
    read_only = name.startswith(("Describe", "Get", "List"))
    user = r.choice(USERS)
    identity = r.choice([
        {"type": "IAMUser", "userName": user, "arn": "arn:aws:iam::111122223333:user/" + user,
         "accountId": "111122223333", "accessKeyId": "AKIA%012d" % r.randrange(10 ** 6)},
        {"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/Admin/" + user,
         "accountId": "111122223333",
         "sessionContext": {"attributes": {"mfaAuthenticated": r.choice(["true", "false"]),
                                           "creationDate": "2026-12-03T18:00:00Z"},
                            "sessionIssuer": {"type": "Role", "userName": "Admin"}}},
        {"type": "Root", "arn": "arn:aws:iam::111122223333:root", "accountId": "111122223333"},
        {"type": "AWSService", "invokedBy": "ec2.amazonaws.com"},
    ])
    detail = {
        "eventVersion": "1.08",
        "userIdentity": identity,
        "eventTime": "2026-12-%02dT%02d:%02d:00Z" % (1 + r.randrange(3), r.randrange(24),
                                                    r.randrange(60)),
        "eventSource": service + ".amazonaws.com",
        "eventName": name,
        "awsRegion": r.choice(REGIONS),
        "sourceIPAddress": source_ip(r),
        "userAgent": r.choice(AGENTS),
        "requestParameters": None,
        "responseElements": None,
        "readOnly": read_only,
        "eventType": "AwsApiCall",
        "managementEvent": service != "s3" or name.endswith(("Policy", "Acl", "Bucket", "Buckets")),
        "recipientAccountId": "111122223333",
        "eventID": "e%07d" % i,
    }
    if r.random() < 0.25:
        detail["errorCode"] = r.choice(ERRORS)
        detail["errorMessage"] = r.choice(["Access Denied", "User is not authorized", ""])
    if service == "ec2":
        items = [{"instanceId": "i-%08x" % r.randrange(1 << 32),
                  "state": {"code": r.choice([0, 16, 32, 48, 64, 80]),
                            "name": r.choice(["pending", "running", "stopping", "stopped"])},
                  "tags": [{"key": r.choice(["env", "Name", "team"]),
                            "value": r.choice(["prod", "dev", "web", ""])}
                           for _ in range(r.randrange(3))]}
                 for _ in range(r.randrange(4))]
        detail["requestParameters"] = {"instancesSet": {"items": items},
                                       "maxCount": r.randrange(1, 5),
                                       "volumeSize": r.choice([8, 20.5, 100, 1e3, -1])}
    elif service == "s3":
        bucket = r.choice(["logs", "Logs-Prod", "web-assets", "backup.2026"])
        detail["requestParameters"] = {"bucketName": bucket,
                                       "key": r.choice(["a.png", "dir/lib/x.so", "b.PNG",
                                                        "report*.csv", "x\\y"]),
                                       "Host": bucket + ".s3.amazonaws.com"}
        detail["resources"] = [{"type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::" + bucket}]
        if r.random() < 0.5:
            detail["resources"].append({"type": "AWS::S3::Object",
                                        "ARN": "arn:aws:s3:::%s/%s" % (bucket, "a.png")})
        r.shuffle(detail["resources"])
    elif service == "iam":
        detail["requestParameters"] = {"userName": r.choice(USERS),
                                       "policyArn": r.choice([
                                           "arn:aws:iam::aws:policy/AdministratorAccess",
                                           "arn:aws:iam::aws:policy/ReadOnlyAccess"])}
    elif service == "sts":
        detail["requestParameters"] = {"roleArn": "arn:aws:iam::111122223333:role/Admin",
                                       "durationSeconds": r.choice([900, 3600, 43200]),
                                       "roleSessionName": user}
    elif service == "cloudtrail":
        detail["requestParameters"] = {"name": r.choice(["main", "org-trail", "arn:aws:"
                                                         "cloudtrail:us-east-1:111122223333:"
                                                         "trail/main"])}
    elif service == "kms":
        detail["requestParameters"] = {"keyId": "k-%04d" % r.randrange(10000),
                                       "pendingWindowInDays": r.choice([7, 30, None])}
    if service == "signin":
        detail_type = r.choice(["AWS Console Signin via CloudTrail",
                                "AWS Console Sign In via CloudTrail"])
        detail["responseElements"] = {"ConsoleLogin": r.choice(["Success", "Failure"])}
        detail["additionalEventData"] = {"MFAUsed": r.choice(["Yes", "No"])}
    else:
        detail_type = "AWS API Call via CloudTrail"
    return {"version": "0", "id": "6f87d04b-%04d" % i, "detail-type": detail_type,
            "source": "aws." + service, "account": "111122223333",
            "time": detail["eventTime"], "region": detail["awsRegion"], "resources": [],
            "detail": detail}


def paths_of(event):
    return sorted({p for p, v, t in leaves(event)})


def value_at(event, path, r):
    vals = [v for p, v, t in leaves(event) if p == path]
    return r.choice(vals) if vals else None


def alternative_for(r, v):
    """An alternative built around value v (so that matches happen), or a near miss."""
    if isinstance(v, str) and v:
        cut = r.randrange(len(v) + 1)
        star = r.randrange(len(v) + 1)
        wild = v[:star].replace("\\", "\\\\").replace("*", "\\*") + "*" + \
            v[star + 1:].replace("\\", "\\\\").replace("*", "\\*")
        seg = v[cut:cut + 3].replace("\\", "\\\\").replace("*", "\\*")
        choices = [
            lambda: v,
            lambda: v + "x",
            lambda: {"prefix": v[:cut]},
            lambda: {"suffix": v[cut:]},
            lambda: {"prefix": {"equals-ignore-case": v[:cut].upper()}},
            lambda: {"suffix": {"equals-ignore-case": v[cut:].swapcase()}},
            lambda: {"equals-ignore-case": v.swapcase()},
            lambda: {"wildcard": wild},
            lambda: {"wildcard": "*" + seg + "*" if seg else "*"},
            lambda: {"anything-but": v},
            lambda: {"anything-but": [v, "zz"]},
            lambda: {"anything-but": {"prefix": v[:max(cut, 1)]}},
            lambda: {"anything-but": {"suffix": [v[-1:], "qq"]}},
            lambda: {"anything-but": {"equals-ignore-case": v.upper()}},
            lambda: {"anything-but": {"wildcard": wild}},
            lambda: {"exists": True},
            lambda: {"exists": False},
        ]
        if address(v) is not None:
            ip = address(v)
            plen = r.choice([8, 16, 24, 32] if ip.version == 4 else [32, 48, 64, 128])
            net = ipaddress.ip_network("%s/%d" % (ip, plen), strict=False)
            choices += [lambda: {"cidr": str(net)}] * 4
            choices += [lambda: {"cidr": r.choice(["10.0.0.0/16", "192.0.2.0/25",
                                                   "2001:db8::/33", "0.0.0.0/0"])}] * 2
        return r.choice(choices)()
    if is_number(v):
        lo, hi = v - r.choice([0, 1, 0.5]), v + r.choice([0.5, 1])
        return r.choice([
            lambda: v,
            lambda: float(v) if float(v).is_integer() else v + 1,
            lambda: {"numeric": [">", lo]},
            lambda: {"numeric": [">=", lo, "<", hi]},
            lambda: {"numeric": ["<=", v]},
            lambda: {"numeric": ["=", v]},
            lambda: {"anything-but": v},
            lambda: {"anything-but": [v + 1, v + 2]},
            lambda: {"anything-but": "x"},
            lambda: {"exists": r.random() < 0.5},
        ])()
    return r.choice([lambda: v, lambda: {"exists": True}, lambda: {"exists": False},
                     lambda: not v if isinstance(v, bool) else None,
                     lambda: {"anything-but": "true"}, lambda: str(v).lower()])()


def nest(path, leaf):
    obj = leaf
    for k in reversed(path):
        obj = {k: obj}
    return obj


def merge(a, b):
    """Merges pattern b into a; False if they name the same path."""
    for k, v in b.items():
        if k not in a:
            a[k] = v
        elif isinstance(a[k], dict) and isinstance(v, dict) and k != "$or":
            if not merge(a[k], v):
                return False
        else:
            return False
    return True


def field_pattern(r, event, path):
    v = value_at(event, path, r)
    alts = [alternative_for(r, v) for _ in range(r.choice([1, 1, 1, 2, 3]))]
    return nest(path, alts)


ARRAYS = [(("detail", "resources"), [("type",), ("ARN",)]),
          (("detail", "requestParameters", "instancesSet", "items"),
           [("instanceId",), ("state", "code"), ("state", "name"), ("tags", "key"),
            ("tags", "value")])]


def get(obj, path):
    for k in path:
        if not isinstance(obj, dict) or k not in obj:
            return None
        obj = obj[k]
    return obj


def array_pattern(r, events):
    """Fields of the elements of one array, their values taken from one element or from two:
    where the array-consistency rule decides."""
    where, fields = r.choice(ARRAYS)
    holders = [e for e in events if len(get(e, where) or []) >= 2]
    event = r.choice(holders)
    elements = get(event, where)
    f1, f2 = r.sample(fields, 2)
    e1 = r.choice(elements)
    e2 = e1 if r.random() < 0.5 else r.choice(elements)
    pattern = {"source": [event["source"]]}
    for f, el in ((f1, e1), (f2, e2)):
        if f[0] == "tags":  # an array inside the array: a value of one of its elements
            tags = el.get("tags") or [{}]
            v = r.choice(tags).get(f[1])
        else:
            v = get(el, f)
        if v is None:
            v = "absent"
        alt = v if r.random() < 0.7 else alternative_for(r, v)
        merge(pattern, nest(where + f, [alt]))
    return pattern


def make_pattern(r, events):
    if r.random() < 0.2:
        return array_pattern(r, events)
    event = r.choice(events)
    paths = paths_of(event)
    common = [("source",), ("detail-type",), ("detail", "eventName"), ("detail", "eventSource")]
    pattern = {}
    for _ in range(r.choice([1, 2, 2, 3, 4])):
        path = r.choice(common) if r.random() < 0.4 else r.choice(paths)
        merge(pattern, field_pattern(r, event, path))
    if r.random() < 0.1:  # a field no event has
        merge(pattern, nest(("detail", "nonexistent"), [r.choice([{"exists": False}, "x"])]))
    if r.random() < 0.15:
        under_detail = r.random() < 0.5
        arms = [field_pattern(r, event, r.choice(paths)) for _ in range(r.choice([2, 2, 3]))]
        if under_detail:
            arms = [a["detail"] for a in arms if "detail" in a]
        candidate = json.loads(json.dumps(pattern))
        target = candidate.setdefault("detail", {}) if under_detail else candidate
        if len(arms) >= 2 and "$or" not in target:
            target["$or"] = arms
            if all(_no_duplicate_paths(b) for b in branches(candidate)):
                pattern = candidate
    return pattern


def _no_duplicate_paths(fields):
    paths = [p for p, _ in fields]
    return len(paths) == len(set(paths)) and all(
        not any(k in OPERATORS for k in p) for p in paths)


INVALID = [
    ('{"source":"aws.ec2"}', '"source" must be an object or an array'),
    ('{"source":[]}', "Empty arrays are not allowed"),
    ('{}', "Empty objects are not allowed"),
    ('{"a":[{"wildcard":"a**b"}]}', "Consecutive wildcard characters at pos 1"),
    ('{"a":[{"numeric":[">",5,"<",1]}]}', "Bottom must be less than top"),
    ('{"a":[{"anything-but":["x",1]}]}', "mixed type is not supported"),
    ('{"a":[{"anything-but":{"prefix":""}}]}', "Null prefix/suffix not allowed"),
    ('{"a":[{"exists":"maybe"}]}', "exists match pattern must be either true or false."),
    ('{"a":[{"regex":"x"}]}', "Unrecognized match type regex"),
    ('{"$or":[{"a":[1]}]}', "There must have at least 2 Objects in $or relationship."),
    ('{"a":[{"cidr":"10.0.0.0/40"}]}', "Invalid CIDR"),
]


class Differential(otharness.unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ot-pattern-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, name, lines):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write("".join(l + "\n" for l in lines))
        return path

    def run_bin(self, *args):
        return subprocess.run([BIN, "pattern", "test"] + list(args), capture_output=True,
                              text=True, timeout=600)

    def corpus(self):
        r = random.Random(SEED)
        events = [make_event(r, i) for i in range(NEVENTS)]
        patterns = [make_pattern(r, events) for _ in range(NPATTERNS)]
        return r, events, patterns

    def test_rule_set(self):
        """Every pattern matched together (--patterns), every answer compared."""
        r, events, patterns = self.corpus()
        lines = [json.dumps(e, separators=(",", ":")) for e in events]
        plines = [json.dumps(p, separators=(",", ":")) for p in patterns]
        p = self.run_bin("--patterns", self.write("patterns.txt", plines),
                         self.write("events.ndjson", lines))
        self.assertEqual(p.returncode, 0, p.stderr)
        got = p.stdout.split("\n")
        self.assertEqual(got[-1], "")
        got = got[:-1]
        self.assertEqual(len(got), len(events))
        total, patterns_that_split = 0, set()
        per_pattern = [0] * len(patterns)
        combos = [branches(p) for p in patterns]
        for ei, (event, out) in enumerate(zip(events, got)):
            opentrail = {int(x) - 1 for x in out.split()}
            flat = by_path(event)
            for pi, pattern in enumerate(patterns):
                want = reference(pattern, event, flat, combos[pi])
                if (pi in opentrail) != want:
                    self.fail("pattern %s\n  opentrail says %s, the reference says %s, on:\n  %s"
                              % (plines[pi], pi in opentrail, want, lines[ei]))
                per_pattern[pi] += want
            total += len(opentrail)
        # the corpus is worth the name: many patterns split the events, none is trivial
        split = sum(1 for n in per_pattern if 0 < n < len(events))
        self.assertGreater(split, len(patterns) // 3)
        self.assertGreater(total, len(events))

    def test_single_patterns(self):
        """Patterns one at a time print exactly the lines they match; --count their number."""
        r, events, patterns = self.corpus()
        lines = [json.dumps(e, separators=(",", ":")) for e in events]
        path = self.write("events.ndjson", lines)
        for pattern in random.Random(SEED + 1).sample(patterns, 40):
            text = json.dumps(pattern)
            p = self.run_bin(text, path)
            self.assertEqual(p.returncode, 0, p.stderr)
            want = [l for l, e in zip(lines, events) if reference(pattern, e)]
            self.assertEqual(p.stdout.splitlines(), want, text)
            c = self.run_bin("--count", "@" + self.write("p.json", [text]), path)
            self.assertEqual(c.stdout.strip(), str(len(want)), text)

    def test_refused_patterns(self):
        events = self.write("events.ndjson", ['{"a":1}'])
        for text, reason in INVALID:
            p = self.run_bin(text, events)
            self.assertEqual(p.returncode, 2, text)
            self.assertIn("Event pattern is not valid. Reason: ", p.stderr, text)
            self.assertIn(reason, p.stderr, text)
            self.assertEqual(p.stdout, "", text)
        bad = self.write("bad.txt", ['{"a":[1]}', "", INVALID[0][0]])
        p = self.run_bin("--patterns", bad, events)
        self.assertEqual(p.returncode, 2)
        self.assertIn("bad.txt line 3: ", p.stderr)
        self.assertIn(INVALID[0][1], p.stderr)


if __name__ == "__main__":
    otharness.main()

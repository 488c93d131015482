"""Issue 11, item 4: `opentrail filter test` against an independent evaluator of the CloudWatch
Logs filter pattern language written here in Python from the documented semantics
(docs/filter-patterns.md; https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html).

The test generates a corpus of realistic CloudTrail events (and Apache-style access-log lines
for space-delimited patterns) from a fixed seed, a few hundred patterns over their fields (JSON
selectors with && || (), wildcards, numbers, IS NULL / NOT EXISTS, regex; terms with ? and -;
the CIS patterns), runs the binary once per pattern and compares the matched events with the
Python evaluator's. Any disagreement fails with the pattern and the first event that differs.
The same corpus is also read as a gzipped CloudTrail log file ({"Records":[...]}) to check that
each record is one event."""
import gzip
import json
import os
import random
import re
import shutil
import subprocess
import tempfile

import otharness
from otharness import BIN

SEED = 20261103

# ---------------------------------------------------------------- the reference evaluator

NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?\Z")


class Bad(Exception):
    pass


def glob_regex(text):
    return re.compile(".*".join(re.escape(part) for part in text.split("*")) + r"\Z", re.S)


def py_regex(body):
    """Our dialect (no groups) in Python's syntax: '$' ends an alternative only at its end."""
    alts = []
    for alt in re.split(r"(?<!\\)\|", body):
        if alt.endswith("$") and not alt.endswith("\\$"):
            alt = alt[:-1] + r"\Z"
        alts.append(alt)
    return re.compile("|".join(alts), re.S | re.A)


class Value:
    """The right-hand side of a comparison."""

    def __init__(self, kind, text=None, num=None, rx=None):
        self.kind, self.text, self.num, self.rx = kind, text, num, rx

    def text_matches(self, s):
        if self.kind == "any":
            return True
        if self.kind == "regex":
            return self.rx.search(s) is not None
        if "*" in self.text:
            return glob_regex(self.text).match(s) is not None
        return s == self.text


def compare_text(op, value, s):
    if value.kind == "number":
        return False
    m = value.text_matches(s)
    if op == "=":
        return m
    if op == "!=":
        return not m and value.kind != "any"
    return False


def compare_number(op, x, want):
    return {"=": x == want, "!=": x != want, "<": x < want, ">": x > want,
            "<=": x <= want, ">=": x >= want}[op]


class Scanner:
    def __init__(self, s):
        self.s, self.i = s, 0

    def ws(self):
        while self.i < len(self.s) and self.s[self.i] in " \t\r\n":
            self.i += 1

    def peek(self, text):
        self.ws()
        return self.s.startswith(text, self.i)

    def take(self, text):
        if self.peek(text):
            self.i += len(text)
            return True
        return False

    def quoted(self):
        self.i += 1
        out = []
        while self.i < len(self.s) and self.s[self.i] != '"':
            if self.s[self.i] == "\\" and self.i + 1 < len(self.s):
                self.i += 1
            out.append(self.s[self.i])
            self.i += 1
        if self.i >= len(self.s):
            raise Bad("unterminated string")
        self.i += 1
        return "".join(out)

    def value(self, op):
        self.ws()
        if self.s.startswith("%", self.i):
            end = self.s.index("%", self.i + 1)
            body = self.s[self.i + 1:end]
            self.i = end + 1
            return Value("regex", rx=py_regex(body))
        if self.s.startswith('"', self.i):
            text, quoted = self.quoted(), True
        else:
            m = re.compile(r"(?:[^\s),\]}&|]|&(?!&)|\|(?!\|))+").match(self.s, self.i)
            if not m:
                raise Bad("value missing")
            text, quoted = m.group(0), False
            self.i = m.end()
        if text == "*":
            return Value("any")
        if not quoted and NUMBER.match(text):
            return Value("number", num=float(text))
        if op not in ("=", "!="):
            raise Bad("numeric operator needs a number")
        return Value("text", text=text)

    def op(self):
        self.ws()
        for o in ("!=", "<=", ">=", "=", "<", ">"):
            if self.s.startswith(o, self.i):
                self.i += len(o)
                return o
        return None


def json_pattern(p):
    sc = Scanner(p)
    sc.take("{")

    def selector():
        sc.ws()
        m = re.compile(r"\$((?:\.[A-Za-z0-9_-]+|\[[0-9]+\])+)").match(sc.s, sc.i)
        if not m:
            raise Bad("selector")
        sc.i = m.end()
        return [int(x[1:-1]) if x.startswith("[") else x[1:]
                for x in re.findall(r"\.[A-Za-z0-9_-]+|\[[0-9]+\]", m.group(1))]

    def test():
        path = selector()
        op = sc.op()
        if op:
            return ("cmp", path, op, sc.value(op))
        for words, kind in ((("IS", "NULL"), "null"), (("IS", "TRUE"), "true"),
                            (("IS", "FALSE"), "false"), (("NOT", "EXISTS"), "notexists")):
            save = sc.i
            if all(sc.take(w) for w in words):
                return (kind, path)
            sc.i = save
        raise Bad("operator")

    def unary():
        if sc.take("("):
            e = disj()
            if not sc.take(")"):
                raise Bad(")")
            return e
        return test()

    def conj():
        e = unary()
        while sc.take("&&"):
            e = ("and", e, unary())
        return e

    def disj():
        e = conj()
        while sc.take("||"):
            e = ("or", e, conj())
        return e

    tree = disj()
    if not sc.take("}") or sc.s[sc.i:].strip():
        raise Bad("}")
    return lambda msg: json_match(tree, msg)


def resolve(doc, path):
    cur = doc
    for step in path:
        if isinstance(step, int):
            if not isinstance(cur, list) or step >= len(cur):
                return False, None
            cur = cur[step]
        else:
            if not isinstance(cur, dict) or step not in cur:
                return False, None
            cur = cur[step]
    return True, cur


def eval_json(node, doc):
    kind = node[0]
    if kind == "and":
        return eval_json(node[1], doc) and eval_json(node[2], doc)
    if kind == "or":
        return eval_json(node[1], doc) or eval_json(node[2], doc)
    found, v = resolve(doc, node[1])
    if kind == "notexists":
        return not found
    if not found:
        return False
    if kind == "null":
        return v is None
    if kind in ("true", "false"):
        return isinstance(v, bool) and v == (kind == "true")
    op, value = node[2], node[3]
    if value.kind == "number":
        return (isinstance(v, (int, float)) and not isinstance(v, bool)
                and compare_number(op, v, value.num))
    if isinstance(v, bool):
        s = "true" if v else "false"
    elif isinstance(v, int):
        s = str(v)
    elif isinstance(v, str):
        s = v
    else:
        return False  # null, object, array (no floats are compared as text here)
    return compare_text(op, value, s)


def json_match(tree, msg):
    if not msg.lstrip().startswith("{"):
        return False
    try:
        doc = json.loads(msg)
    except ValueError:
        return False
    return isinstance(doc, dict) and eval_json(tree, doc)


def term_pattern(p):
    branches = [[]]  # branch 0: applies to all
    for m in re.finditer(r'([?-]?)("(?:[^"\\]|\\.)*"|\S+)', p):
        prefix, body = m.group(1), m.group(2)
        text = re.sub(r"\\(.)", r"\1", body[1:-1]) if body.startswith('"') else body
        if prefix == "?":
            branches.append([])
        branches[-1].append((prefix == "-", text))

    def holds(terms, msg):
        return all((t in msg) != neg for neg, t in terms)

    return lambda msg: holds(branches[0], msg) and (
        len(branches) == 1 or any(holds(b, msg) for b in branches[1:]))


def split_fields(line):
    fields, i = [], 0
    while True:
        while i < len(line) and line[i] == " ":
            i += 1
        if i >= len(line):
            return fields
        close = {'"': '"', "[": "]"}.get(line[i])
        if close:
            end = line.find(close, i + 1)
            fields.append((i + 1, end if end >= 0 else len(line)))
            i = end + 1 if end >= 0 else len(line)
        else:
            end = line.find(" ", i)
            end = end if end >= 0 else len(line)
            fields.append((i, end))
            i = end


def delim_pattern(p):
    cols = []
    for part in p.strip()[1:-1].split(","):
        part = part.strip()
        if part == "...":
            cols.append(None)
            continue
        name = re.match(r"\w+", part).group(0)
        if part == name:
            cols.append([])
            continue
        alts = []
        for alt in part.split("||"):
            conds = []
            for c in alt.split("&&"):
                sc = Scanner(c.strip()[len(name):] if c.strip().startswith(name) else c)
                op = sc.op()
                conds.append((op, sc.value(op)))
            alts.append(conds)
        cols.append(alts)

    def col_ok(alts, text):
        if not alts:
            return True
        for conds in alts:
            ok = True
            for op, v in conds:
                if v.kind == "number":
                    ok = ok and bool(NUMBER.match(text)) and compare_number(op, float(text), v.num)
                else:
                    ok = ok and compare_text(op, v, text)
            if ok:
                return True
        return False

    def match(line):
        spans = split_fields(line)
        if None not in cols:
            if len(spans) < len(cols):
                return False
            if len(spans) > len(cols):
                spans = spans[:len(cols) - 1] + [(spans[len(cols) - 1][0], len(line))]
            return all(col_ok(c, line[a:b]) for c, (a, b) in zip(cols, spans))
        texts = [line[a:b] for a, b in spans]

        def rec(ci, fi):  # plain recursion: the patterns here are short
            if ci == len(cols):
                return fi == len(texts)
            if cols[ci] is None:
                return any(rec(ci + 1, k) for k in range(fi, len(texts) + 1))
            return fi < len(texts) and col_ok(cols[ci], texts[fi]) and rec(ci + 1, fi + 1)
        return rec(0, 0)

    return match


def reference(p):
    s = p.strip()
    if not s:
        return lambda msg: True
    if s[0] == "{":
        return json_pattern(s)
    if s[0] == "[":
        return delim_pattern(s)
    if len(s) >= 2 and s[0] == "%" and s[-1] == "%" and "%" not in s[1:-1]:
        rx = py_regex(s[1:-1])
        return lambda msg: rx.search(msg) is not None
    return term_pattern(s)


# ---------------------------------------------------------------- the corpus

CALLS = [
    ("iam.amazonaws.com", ["CreateUser", "DeleteUserPolicy", "PutRolePolicy", "AttachRolePolicy",
                           "GetUser", "ListPolicies", "CreatePolicyVersion", "CreateAccessKey"]),
    ("ec2.amazonaws.com", ["RunInstances", "DescribeInstances", "CreateRoute", "CreateVpc",
                           "AuthorizeSecurityGroupIngress", "DeleteNetworkAcl",
                           "AttachInternetGateway", "ModifySecurityGroupRules"]),
    ("s3.amazonaws.com", ["PutBucketPolicy", "GetBucketPolicy", "HeadBucket", "PutBucketAcl",
                          "ListBuckets", "DeleteBucketCors"]),
    ("cloudtrail.amazonaws.com", ["StopLogging", "CreateTrail", "DescribeTrails", "UpdateTrail"]),
    ("kms.amazonaws.com", ["DisableKey", "ScheduleKeyDeletion", "Decrypt", "GenerateDataKey"]),
    ("config.amazonaws.com", ["StopConfigurationRecorder", "PutDeliveryChannel",
                              "DescribeConfigRules"]),
    ("organizations.amazonaws.com", ["CreateAccount", "DescribeOrganization", "MoveAccount"]),
    ("sts.amazonaws.com", ["AssumeRole", "GetCallerIdentity"]),
]
ERRORS = ["AccessDenied", "AccessDeniedException", "Client.UnauthorizedOperation",
          "NoSuchEntity", "ThrottlingException", "InvalidParameterValue"]
USERS = ["alice", "bob", "carol", "deploy-bot", "ops_admin", "jos\u00e9"]
AGENTS = ["aws-cli/2.15.0 Python/3.11.6 Linux/6.1", "console.amazonaws.com",
          'Mozilla/5.0 (X11; Linux) "quoted" caf\u00e9',
          "Boto3/1.34.0 Python/3.11.6", "terraform/1.7.0", "AWS Internal"]


def make_identity(r):
    kind = r.choice(["IAMUser", "IAMUser", "AssumedRole", "Root", "AWSService"])
    account = "123456789012"
    if kind == "IAMUser":
        user = r.choice(USERS)
        ident = {"type": kind, "principalId": "AIDA" + user.upper(), "userName": user,
                 "arn": "arn:aws:iam::%s:user/%s" % (account, user), "accountId": account,
                 "accessKeyId": "AKIA%08d" % r.randrange(10 ** 8)}
    elif kind == "AssumedRole":
        ident = {"type": kind, "principalId": "AROAX:session", "accountId": account,
                 "arn": "arn:aws:sts::%s:assumed-role/Admin/session" % account,
                 "sessionContext": {"attributes": {"mfaAuthenticated": r.choice(["true", "false"]),
                                                   "creationDate": "2026-01-05T09:00:00Z"},
                                    "sessionIssuer": {"type": "Role", "userName": "Admin"}}}
    elif kind == "Root":
        ident = {"type": kind, "principalId": account, "accountId": account,
                 "arn": "arn:aws:iam::%s:root" % account}
    else:
        ident = {"type": kind, "invokedBy": "cloudtrail.amazonaws.com"}
    if kind in ("Root", "IAMUser") and r.random() < 0.3:
        ident["invokedBy"] = r.choice(["support.amazonaws.com", "cloudformation.amazonaws.com"])
    return ident


def make_event(r, i):
    source, names = r.choice(CALLS)
    name = r.choice(names)
    ev = {"eventVersion": "1.08", "userIdentity": make_identity(r),
          "eventTime": "2026-01-05T10:%02d:%02dZ" % (i // 60 % 60, i % 60),
          "eventSource": source, "eventName": name,
          "awsRegion": r.choice(["us-east-1", "eu-west-1", "ap-southeast-2"]),
          "sourceIPAddress": r.choice(["203.0.113.%d" % r.randrange(256), "123.123.%d.7" % r.randrange(4),
                                       "delivery.logs.amazonaws.com", source]),
          "userAgent": r.choice(AGENTS),
          "requestParameters": r.choice([None, {"maxResults": r.randrange(1, 1000),
                                                "bucketName": "logs-%d" % r.randrange(5),
                                                "tags": [{"key": "env", "value": r.choice(["prod", "dev"])},
                                                         {"key": "team", "value": "sec"}],
                                                "instancesSet": {"items": [{"instanceId": "i-%04x" % r.randrange(65536)}]}}]),
          "responseElements": r.choice([None, {"ConsoleLogin": r.choice(["Success", "Failure"])},
                                        {"credentials": {"expiration": "Jan 5, 2026 11:00:00 AM"}}]),
          "requestID": "%08x-1111-2222-3333-%012x" % (r.randrange(16 ** 8), r.randrange(16 ** 12)),
          "eventID": "%08x-aaaa-bbbb-cccc-%012x" % (r.randrange(16 ** 8), r.randrange(16 ** 12)),
          "readOnly": r.random() < 0.5,
          "eventType": r.choice(["AwsApiCall", "AwsApiCall", "AwsServiceEvent", "AwsConsoleSignIn"]),
          "managementEvent": True, "recipientAccountId": "123456789012",
          "eventCategory": "Management"}
    if r.random() < 0.3:
        ev["errorCode"] = r.choice(ERRORS)
        ev["errorMessage"] = r.choice(["Failed authentication", "User is not authorized",
                                       "Rate exceeded"])
    if r.random() < 0.3:
        ev["additionalEventData"] = {"MFAUsed": r.choice(["Yes", "No"]), "LoginTo": "console",
                                     "bytesTransferredIn": r.randrange(0, 5000)}
    if r.random() < 0.2:
        ev["apiVersion"] = None
    if r.random() < 0.2:
        ev["vpcEndpointId"] = "vpce-%05d" % r.randrange(100000)
    return ev


def make_access_line(r):
    return '%d.%d.0.%d %s %s [05/Jan/2026:10:%02d:%02d +0000] "%s /%s HTTP/1.1" %d %d' % (
        r.choice([10, 127, 192]), r.randrange(4), r.randrange(256), r.choice(["Prod", "Dev"]),
        r.choice(USERS + ["-"]), r.randrange(60), r.randrange(60), r.choice(["GET", "POST", "PUT"]),
        r.choice(["index.html", "a/b.png", "api/v1/x", "login.html"]),
        r.choice([200, 201, 301, 404, 410, 500]), r.randrange(0, 5000))


# ---------------------------------------------------------------- the patterns

def leaves(v, path=""):
    if isinstance(v, dict):
        for k, x in v.items():
            yield from leaves(x, path + "." + k)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from leaves(x, "%s[%d]" % (path, i))
    else:
        yield "$" + path, v


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def text_value(r, s):
    """A value for a string s: exact, or with a wildcard, quoted or (when safe) bare."""
    form = r.randrange(5)
    if form == 1 and len(s) > 3:
        s = s[:r.randrange(1, len(s))] + "*"
    elif form == 2 and len(s) > 3:
        s = "*" + s[r.randrange(1, len(s)):]
    elif form == 3 and len(s) > 4:
        a = r.randrange(1, len(s) - 2)
        s = "*" + s[a:a + 2] + "*"
    elif form == 4:
        s = s + "x"  # a near miss
    bare_ok = re.fullmatch(r"[A-Za-z0-9_.:*/-]+", s) and not NUMBER.match(s)
    return s if bare_ok and r.random() < 0.5 else quote(s)


def json_test(r, ev):
    path, v = r.choice(list(leaves(ev)))
    if r.random() < 0.1:
        path = path + r.choice([".missing", "[3]", ".x"])
    roll = r.random()
    if roll < 0.08:
        return "%s NOT EXISTS" % path
    if roll < 0.14:
        return "%s IS NULL" % path
    if roll < 0.18:
        return "%s IS %s" % (path, r.choice(["TRUE", "FALSE"]))
    if roll < 0.25:
        return "%s %s *" % (path, r.choice(["=", "!="]))
    if isinstance(v, bool):
        return "%s %s %s" % (path, r.choice(["=", "!="]), r.choice(["true", "false"]))
    if isinstance(v, int):
        op = r.choice(["=", "!=", "<", ">", "<=", ">="])
        return "%s %s %d" % (path, op, v + r.choice([-1, 0, 0, 1]))
    if isinstance(v, str):
        if roll < 0.3 and re.fullmatch(r"[A-Za-z0-9 _.:/-]+", v) and len(v) > 3:
            a = r.randrange(len(v) - 2)
            body = re.escape(v[a:a + 3]).replace("\\ ", " ")
            return "%s %s %%%s%%" % (path, r.choice(["=", "!="]), body)
        return "%s %s %s" % (path, r.choice(["=", "=", "!="]), text_value(r, v))
    return "%s = *" % path


def json_expr(r, events, depth=0):
    if depth < 2 and r.random() < 0.45:
        left = json_expr(r, events, depth + 1)
        right = json_expr(r, events, depth + 1)
        e = "%s %s %s" % (left, r.choice(["&&", "||"]), right)
        return "(%s)" % e if r.random() < 0.5 else e
    t = json_test(r, r.choice(events))
    return "(%s)" % t if r.random() < 0.3 else t


def regex_count(p):
    return len(re.findall(r"%[^%]*%", p))


def json_pattern_gen(r, events):
    while True:
        e = json_expr(r, events)
        if regex_count(e) <= 2:
            return "{ %s }" % e if r.random() < 0.5 else "{%s}" % e


def term_pattern_gen(r, lines):
    words = re.findall(r"[A-Za-z0-9_]{3,}", r.choice(lines))
    out = []
    for _ in range(r.randrange(1, 4)):
        w = r.choice(words)
        if r.random() < 0.2:
            w = quote(w + r.choice(['":"', ":", "-"]))
        out.append(r.choice(["", "", "?", "-"]) + w)
    return " ".join(out)


def delim_pattern_gen(r):
    names = ["ip", "env", "user", "ts", "request", "status", "bytes"]
    conds = {
        "env": lambda: "env = %s" % r.choice(["Prod", "Dev", "P*"]),
        "user": lambda: "user != %s" % r.choice(USERS),
        "request": lambda: "request = %s" % r.choice(["*.html*", "GET*", "*api*", "%^POST%"]),
        "status": lambda: r.choice(["status = 4*", "status >= 400", "status = 404 || status = 410",
                                    "status != 200 && status < 500"]),
        "bytes": lambda: "bytes %s %d" % (r.choice([">", "<", "<=", ">="]), r.randrange(5000)),
    }
    cols = [conds[n]() if n in conds and r.random() < 0.4 else n for n in names]
    if r.random() < 0.4:
        k = r.randrange(1, len(cols))
        cols = ["..."] + cols[k:]
    elif r.random() < 0.2:
        cols = cols[:3] + ["..."]
    return "[%s]" % ", ".join(cols)


CIS = [
    '{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}',
    '{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}',
    '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") || '
    '($.sourceIPAddress!="delivery.logs.amazonaws.com") || ($.eventName!="HeadBucket") }',
    '{ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && '
    '($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }',
    '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
    '{($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication")}',
    '{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || ($.eventName=ScheduleKeyDeletion))}',
    '{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || ($.eventName=DeleteTrail) || '
    '($.eventName=StartLogging) || ($.eventName=StopLogging)}',
    '{($.eventSource = ec2.amazonaws.com) && ($.eventName = CreateRoute) || ($.eventName = '
    'CreateRouteTable) || ($.eventName = ReplaceRoute)}',
    '{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "CreateAccount") || '
    '($.eventName = "MoveAccount")) }',
]


# ---------------------------------------------------------------- the test

class Differential(otharness.unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ot-filter-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, name, lines):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write("".join(l + "\n" for l in lines))
        return path

    def opentrail(self, *args):
        p = subprocess.run([BIN, "filter", "test"] + list(args), capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(p.returncode, 0, (args[0], p.stderr))
        return p.stdout

    def compare(self, pattern, path, lines):
        want = reference(pattern)
        got = self.opentrail(pattern, path).splitlines()
        expected = [l for l in lines if want(l)]
        if got != expected:
            got_set = set(got)
            for l in lines:
                if (l in got_set) != want(l):
                    self.fail("pattern %s\n  opentrail says %s, the reference says %s, on:\n  %s"
                              % (pattern, l in got_set, want(l), l))
            self.fail("pattern %s: same events, another order or repeats" % pattern)
        return len(expected)

    def test_differential(self):
        r = random.Random(SEED)
        events = [make_event(r, i) for i in range(1500)]
        lines = [json.dumps(e, separators=(",", ":")) for e in events]
        access = [make_access_line(r) for _ in range(400)]
        events_path = self.write("events.ndjson", lines)
        access_path = self.write("access.log", access)
        patterns = list(CIS)
        patterns += [json_pattern_gen(r, events) for _ in range(300)]
        patterns += [term_pattern_gen(r, lines) for _ in range(60)]
        patterns += ["%" + r.choice(["Create[A-Z][a-z]+", "^\\{", "Denied$", "us-[a-z]+-2",
                                     "i-[0-9a-f]{4}", "\\d{3}\\.\\d{3}"]) + "%" for _ in range(10)]
        nonzero = 0
        for p in patterns:
            nonzero += self.compare(p, events_path, lines) not in (0, len(lines))
        dpatterns = [delim_pattern_gen(r) for _ in range(80)]
        for p in dpatterns:
            nonzero += self.compare(p, access_path, access) not in (0, len(access))
        # the corpus and patterns are worth the name: most patterns split the events
        self.assertGreater(nonzero, (len(patterns) + len(dpatterns)) // 3)

    def test_cloudtrail_log_file(self):
        """Each record of a gzipped {"Records":[...]} file is one event, as compact JSON."""
        r = random.Random(SEED + 1)
        events = [make_event(r, i) for i in range(300)]
        path = os.path.join(self.tmp, "123456789012_CloudTrail_us-east-1_20260105T1000Z_x.json.gz")
        with gzip.open(path, "wt") as f:
            json.dump({"Records": events}, f, indent=2)
        lines = [json.dumps(e, separators=(",", ":")) for e in events]
        for p in CIS + ["AccessDenied", '"eventName\\":\\"CreateVpc"']:
            want = sum(1 for l in lines if reference(p)(l))
            self.assertEqual(self.opentrail("--count", p, path).strip(), str(want), p)
        got = self.opentrail(CIS[1], path).splitlines()
        self.assertEqual([json.loads(l) for l in got],
                         [e for e, l in zip(events, lines) if reference(CIS[1])(l)])


if __name__ == "__main__":
    otharness.main()

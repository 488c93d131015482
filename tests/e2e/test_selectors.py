"""End to end: event selectors decide what each trail delivers.

A mixed corpus (management read/write, KMS and RDS Data management events, S3 data events on two
buckets, Lambda and DynamoDB data events, an event of another region) enters through a
CloudTrailRecords channel, together with real S3 data events caused by calls to the embedded S3.
For each selector configuration the delivered events must be exactly the set computed here,
independently, from the same corpus. Every PutEventSelectors error is checked with the aws CLI."""
import json
import uuid

import otharness
from otlogs import read_all_records

ACCT = "123456789012"
REGION = "us-east-1"
ALPHA, BETA = "data-alpha", "data-beta"


# ---------------------------------------------------------------- the corpus and its facts
def record(tag, source, name, category, read_only, resources=(), region=REGION, **extra):
    rec = {"eventVersion": "1.09",
           "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE",
                            "arn": "arn:aws:iam::%s:user/alice" % ACCT, "accountId": ACCT},
           "eventTime": "2026-11-20T10:00:00Z", "eventSource": source, "eventName": name,
           "awsRegion": region, "sourceIPAddress": "198.51.100.7", "userAgent": "test",
           "requestParameters": None, "responseElements": None,
           "requestID": str(uuid.uuid4()), "eventID": str(uuid.uuid4()),
           "eventType": "AwsApiCall", "managementEvent": category == "Management",
           "recipientAccountId": ACCT, "eventCategory": category, "tag": tag}
    if read_only is not None:
        rec["readOnly"] = read_only
    if resources:
        rec["resources"] = [{"type": t, "ARN": a, "accountId": ACCT} for t, a in resources]
    rec.update(extra)
    return rec


def s3_res(bucket, key):
    return [("AWS::S3::Object", "arn:aws:s3:::%s/%s" % (bucket, key)),
            ("AWS::S3::Bucket", "arn:aws:s3:::%s" % bucket)]


LAMBDA_F1 = "arn:aws:lambda:us-east-1:%s:function:resize" % ACCT
TABLE_T1 = "arn:aws:dynamodb:us-east-1:%s:table/orders" % ACCT


def corpus(tag):
    return [
        record(tag, "ec2.amazonaws.com", "DescribeInstances", "Management", True),
        record(tag, "ec2.amazonaws.com", "RunInstances", "Management", False),
        record(tag, "s3.amazonaws.com", "CreateBucket", "Management", False,
               [("AWS::S3::Bucket", "arn:aws:s3:::made-by-" + tag)]),
        record(tag, "kms.amazonaws.com", "Decrypt", "Management", True),
        record(tag, "kms.amazonaws.com", "CreateKey", "Management", False),
        record(tag, "rdsdata.amazonaws.com", "ExecuteStatement", "Management", False),
        record(tag, "sts.amazonaws.com", "GetCallerIdentity", "Management", None),  # no readOnly
        record(tag, "ec2.amazonaws.com", "StopInstances", "Management", False, region="eu-west-1"),
        record(tag, "ec2.amazonaws.com", "TerminateInstances", "Management", False,
               errorCode="UnauthorizedOperation"),
        record(tag, "s3.amazonaws.com", "GetObject", "Data", True, s3_res(ALPHA, "logs/a.txt")),
        record(tag, "s3.amazonaws.com", "PutObject", "Data", False, s3_res(ALPHA, "img/b.png")),
        record(tag, "s3.amazonaws.com", "GetObject", "Data", True, s3_res(BETA, "logs/c.txt")),
        record(tag, "s3.amazonaws.com", "DeleteObject", "Data", False, s3_res(BETA, "x/d")),
        record(tag, "lambda.amazonaws.com", "Invoke", "Data", False,
               [("AWS::Lambda::Function", LAMBDA_F1)]),
        record(tag, "lambda.amazonaws.com", "Invoke", "Data", False,
               [("AWS::Lambda::Function", LAMBDA_F1 + "2")]),
        record(tag, "dynamodb.amazonaws.com", "GetItem", "Data", True,
               [("AWS::DynamoDB::Table", TABLE_T1)]),
        record(tag, "dynamodb.amazonaws.com", "PutItem", "Data", False,
               [("AWS::DynamoDB::Table", TABLE_T1)]),
    ]


def facts_of_record(rec):
    return {"category": rec["eventCategory"], "readOnly": rec.get("readOnly"),
            "eventSource": rec["eventSource"], "eventName": rec["eventName"],
            "region": rec["awsRegion"], "eventType": rec["eventType"],
            "errorCode": rec.get("errorCode", ""), "userArn": rec["userIdentity"].get("arn", ""),
            "resources": [(r["type"], r["ARN"]) for r in rec.get("resources", [])]}


def facts_of_real_s3(op, bucket, key):
    return {"category": "Data", "readOnly": op == "GetObject", "eventSource": "s3.amazonaws.com",
            "eventName": op, "region": REGION, "eventType": "AwsApiCall", "errorCode": "",
            "userArn": "", "resources": s3_res(bucket, key)}


# ------------------------------ the selector semantics, written from AWS's EventSelector docs
def s3_candidates(f, wanted_type):
    """(type, arn) pairs a selector on wanted_type looks at; a bucket-level S3 event counts as
    the object ARN '<bucket ARN>/' for object selectors."""
    res = list(f["resources"])
    if wanted_type == "AWS::S3::Object" and not any(t == "AWS::S3::Object" for t, _ in res):
        res += [("AWS::S3::Object", a + "/") for t, a in f["resources"] if t == "AWS::S3::Bucket"]
    return [(t, a) for t, a in res if t == wanted_type]


def basic_wants(selectors, f):
    for s in selectors:
        rw = s.get("ReadWriteType", "All")
        if (rw == "ReadOnly" and f["readOnly"] is not True) or \
           (rw == "WriteOnly" and f["readOnly"] is not False):
            continue
        if f["category"] == "Management":
            if s.get("IncludeManagementEvents", True) and \
               f["eventSource"] not in s.get("ExcludeManagementEventSources", []):
                return True
            continue
        for dr in s.get("DataResources", []):
            for _, arn in s3_candidates(f, dr["Type"]):
                for v in dr["Values"]:
                    if v in ("arn:aws:s3", "arn:aws:lambda", "arn:aws:dynamodb"):
                        return True
                    if dr["Type"] == "AWS::S3::Object" and arn.startswith(v):
                        return True
                    if dr["Type"] != "AWS::S3::Object" and arn == v:
                        return True
    return False


def op_holds(op, values, x):
    pos = {"Equals": lambda v: x == v, "StartsWith": lambda v: x.startswith(v),
           "EndsWith": lambda v: x.endswith(v)}
    base = op[3:] if op.startswith("Not") else op
    hit = any(pos[base](v) for v in values)
    return not hit if op.startswith("Not") else hit


OPS = ("Equals", "StartsWith", "EndsWith", "NotEquals", "NotStartsWith", "NotEndsWith")


def field_value(f, field):
    ro = f["readOnly"]
    return {"eventCategory": f["category"], "eventSource": f["eventSource"],
            "eventName": f["eventName"], "eventType": f["eventType"],
            "readOnly": "" if ro is None else ("true" if ro else "false"),
            "errorCode": f["errorCode"], "userIdentity.arn": f["userArn"]}.get(field, "")


def fs_holds(fs, x):
    return all(op_holds(op, fs[op], x) for op in OPS if op in fs)


def advanced_wants(selectors, f):
    for s in selectors:
        fss = s["FieldSelectors"]
        plain = [fs for fs in fss if fs["Field"] not in ("resources.type", "resources.ARN")]
        if not all(fs_holds(fs, field_value(f, fs["Field"])) for fs in plain):
            continue
        rtype = next((fs["Equals"][0] for fs in fss if fs["Field"] == "resources.type"), None)
        arns = [fs for fs in fss if fs["Field"] == "resources.ARN"]
        if rtype is None and not arns:
            return True
        cands = s3_candidates(f, rtype) if rtype else f["resources"]
        if any(all(fs_holds(fs, a) for fs in arns) for _, a in cands):
            return True
    return False


def trail_wants(config, f):
    if f["region"] != REGION:     # single-region trails in us-east-1
        return False
    kind, sels = config
    if kind == "default":
        return f["category"] == "Management"
    return basic_wants(sels, f) if kind == "EventSelectors" else advanced_wants(sels, f)


def mgmt(**kw):
    fs = [{"Field": "eventCategory", "Equals": ["Management"]}]
    return fs + [dict(Field=k, **v) for k, v in kw.items()]


def data(rtype, *more):
    return [{"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": [rtype]}] + list(more)


CONFIGS = {
    "default": ("default", None),
    "write-only": ("EventSelectors", [{"ReadWriteType": "WriteOnly"}]),
    "alpha-logs-and-lambda": ("EventSelectors", [
        {"ReadWriteType": "All", "IncludeManagementEvents": False,
         "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::%s/logs/" % ALPHA]},
                           {"Type": "AWS::Lambda::Function", "Values": [LAMBDA_F1]}]}]),
    "exclude-kms-rdsdata": ("EventSelectors", [
        {"ExcludeManagementEventSources": ["kms.amazonaws.com", "rdsdata.amazonaws.com"],
         "DataResources": [{"Type": "AWS::DynamoDB::Table", "Values": ["arn:aws:dynamodb"]}]}]),
    "adv-beta-objects": ("AdvancedEventSelectors", [
        {"Name": "beta objects", "FieldSelectors": data(
            "AWS::S3::Object", {"Field": "resources.ARN",
                                "StartsWith": ["arn:aws:s3:::%s/" % BETA]})}]),
    "adv-writes": ("AdvancedEventSelectors", [
        {"FieldSelectors": mgmt(readOnly={"Equals": ["false"]})},
        {"FieldSelectors": data("AWS::S3::Object", {"Field": "readOnly", "Equals": ["false"]})}]),
    "adv-not-getobject": ("AdvancedEventSelectors", [
        {"FieldSelectors": data("AWS::S3::Object",
                                {"Field": "eventName", "NotEquals": ["GetObject"]})},
        {"FieldSelectors": data("AWS::Lambda::Function",
                                {"Field": "resources.ARN", "NotEndsWith": [":resize2"]})}]),
    "adv-ec2-and-dynamodb-puts": ("AdvancedEventSelectors", [
        {"FieldSelectors": mgmt(eventSource={"Equals": ["ec2.amazonaws.com"]})},
        {"FieldSelectors": data("AWS::DynamoDB::Table",
                                {"Field": "eventName", "StartsWith": ["Put"]})}]),
}


TARGET = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."
RAW_ONLY = ("at least one field selector", "at least one advanced event selector",
            "must have at least one operator")


class SelectorsTest(otharness.ServerTestCase):
    def put(self, trail, config):
        kind, sels = config
        if kind == "default":
            return
        flag = "--event-selectors" if kind == "EventSelectors" else "--advanced-event-selectors"
        out = self.server.aws_json("cloudtrail", "put-event-selectors", "--trail-name", trail,
                                   flag, json.dumps(sels))
        self.assertIn(kind, out)
        self.assertNotIn("AdvancedEventSelectors" if kind == "EventSelectors"
                         else "EventSelectors", out)

    def send_round(self, data_client, channel_arn, tag):
        """The corpus through the channel plus real S3 data events; returns {key: facts}."""
        recs = corpus(tag)
        items = [{"id": "r%d" % i, "eventData": json.dumps(r)} for i, r in enumerate(recs)]
        out = data_client.put_audit_events(auditEvents=items, channelArn=channel_arn)
        self.assertEqual(out["failed"], [])
        echoed = {x["id"]: x["eventID"] for x in out["successful"]}
        self.assertEqual(echoed, {"r%d" % i: r["eventID"] for i, r in enumerate(recs)})
        expected = {r["eventID"]: facts_of_record(r) for r in recs}
        s3 = self.server.client("s3")
        for bucket, key in ((ALPHA, "logs/%s.txt" % tag), (BETA, "img/%s.png" % tag)):
            s3.put_object(Bucket=bucket, Key=key, Body=b"x")
            s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            for op in ("PutObject", "GetObject"):
                expected[(op, bucket, key)] = facts_of_real_s3(op, bucket, key)
        return expected

    def delivered(self, bucket, round_keys):
        s3 = self.server.client("s3")
        got = []
        for _, r in read_all_records(s3, bucket):
            key = r["eventID"]
            if r.get("eventSource") == "s3.amazonaws.com" and "tag" not in r:
                rp = r.get("requestParameters") or {}
                key = (r["eventName"], rp.get("bucketName"), rp.get("key"))
            if key in round_keys:
                got.append(key)
        self.assertEqual(len(got), len(set(got)), "an event was delivered twice")
        return set(got)

    def test_selectors_decide_what_each_trail_delivers(self):
        s = self.server
        for b in (ALPHA, BETA, "logs-1", "logs-2", "logs-3", "logs-4"):
            s.aws("s3api", "create-bucket", "--bucket", b)
        trails = ["sel-trail-%d" % i for i in range(1, 5)]
        arns = [s.aws_json("cloudtrail", "create-trail", "--name", t, "--s3-bucket-name",
                           "logs-%d" % (i + 1))["TrailARN"] for i, t in enumerate(trails)]
        dest = json.dumps([{"Type": "AWS_SERVICE", "Location": arns[0]}])
        channel = s.aws_json("cloudtrail", "create-channel", "--name", "forwarded", "--source",
                             "CloudTrailRecords", "--destinations", dest)
        self.assertEqual(channel["Source"], "CloudTrailRecords")
        data_client = s.client("cloudtrail-data")
        names = list(CONFIGS)
        for rnd, group in enumerate((names[:4], names[4:])):
            for trail, cfg in zip(trails, group):
                self.put(trail, CONFIGS[cfg])
                s.aws("cloudtrail", "start-logging", "--name", trail)
            tag = "round%d" % rnd
            expected_all = self.send_round(data_client, channel["ChannelArn"], tag)
            for trail in trails:   # flush: everything routed, open batches sealed and written
                s.aws("cloudtrail", "stop-logging", "--name", trail)
            for i, (trail, cfg) in enumerate(zip(trails, group)):
                want = {k for k, f in expected_all.items() if trail_wants(CONFIGS[cfg], f)}
                got = self.delivered("logs-%d" % (i + 1), set(expected_all))
                self.assertTrue(want, cfg)  # every configuration selects something
                self.assertEqual(got, want, "configuration %s: missing %s, unexpected %s" % (
                    cfg, want - got, got - want))

    def test_a_change_applies_from_the_next_event(self):
        s = self.server
        s.aws("s3api", "create-bucket", "--bucket", "logs-c")
        arn = s.aws_json("cloudtrail", "create-trail", "--name", "change", "--s3-bucket-name",
                         "logs-c")["TrailARN"]
        s.aws("cloudtrail", "start-logging", "--name", "change")
        channel = s.aws_json("cloudtrail", "create-channel", "--name", "fwd", "--source",
                             "CloudTrailRecords", "--destinations",
                             json.dumps([{"Type": "AWS_SERVICE", "Location": arn}]))["ChannelArn"]
        client = s.client("cloudtrail-data")

        def send(rec):
            out = client.put_audit_events(channelArn=channel, auditEvents=[
                {"id": "x", "eventData": json.dumps(rec)}])
            self.assertEqual(out["failed"], [])
            return rec["eventID"]

        before = send(record("c", "ec2.amazonaws.com", "RunInstances", "Management", False))
        s.aws("cloudtrail", "put-event-selectors", "--trail-name", "change", "--event-selectors",
              json.dumps([{"IncludeManagementEvents": False, "DataResources": [
                  {"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}]))
        after_mgmt = send(record("c", "ec2.amazonaws.com", "RunInstances", "Management", False))
        after_data = send(record("c", "s3.amazonaws.com", "GetObject", "Data", True,
                                 s3_res(ALPHA, "k")))
        s.aws("cloudtrail", "stop-logging", "--name", "change")
        ids = {r["eventID"] for _, r in read_all_records(s.client("s3"), "logs-c")}
        self.assertIn(before, ids)
        self.assertNotIn(after_mgmt, ids)
        self.assertIn(after_data, ids)

    def test_records_are_delivered_verbatim_with_their_event_id(self):
        s = self.server
        s.aws("s3api", "create-bucket", "--bucket", "logs-v")
        arn = s.aws_json("cloudtrail", "create-trail", "--name", "verbatim", "--s3-bucket-name",
                         "logs-v")["TrailARN"]
        s.aws("cloudtrail", "start-logging", "--name", "verbatim")
        channel = s.aws_json("cloudtrail", "create-channel", "--name", "fwd", "--source",
                             "CloudTrailRecords", "--destinations",
                             json.dumps([{"Type": "AWS_SERVICE", "Location": arn}]))
        rec = record("v", "ec2.amazonaws.com", "RunInstances", "Management", False)
        client = s.client("cloudtrail-data")
        out = client.put_audit_events(channelArn=channel["ChannelArn"],
                                      auditEvents=[{"id": "a", "eventData": json.dumps(rec)}])
        self.assertEqual(out["successful"], [{"id": "a", "eventID": rec["eventID"]}])
        s.aws("cloudtrail", "stop-logging", "--name", "verbatim")
        got = [r for _, r in read_all_records(s.client("s3"), "logs-v")
               if r["eventID"] == rec["eventID"]]
        self.assertEqual(got, [rec])

    def test_invalid_records_are_refused_per_event(self):
        s = self.server
        s.aws("s3api", "create-bucket", "--bucket", "logs-x")
        arn = s.aws_json("cloudtrail", "create-trail", "--name", "refuse", "--s3-bucket-name",
                         "logs-x")["TrailARN"]
        channel = s.aws_json("cloudtrail", "create-channel", "--name", "fwd", "--source",
                             "CloudTrailRecords", "--destinations",
                             json.dumps([{"Type": "AWS_SERVICE", "Location": arn}]))
        good = record("x", "ec2.amazonaws.com", "RunInstances", "Management", False)
        cases = {
            "other-account": (dict(good, recipientAccountId="999999999999"), "InvalidRecipient"),
            "no-event-id": ({k: v for k, v in good.items() if k != "eventID"}, "FieldNotFound"),
            "insight": (dict(good, eventCategory="Insight"), "InvalidData"),
            "bad-readonly": (dict(good, readOnly="yes"), "InvalidData"),
            "bad-time": (dict(good, eventTime="yesterday"), "InvalidData"),
            "bad-resources": (dict(good, resources={"ARN": "x"}), "InvalidData"),
            "no-identity": ({k: v for k, v in good.items() if k != "userIdentity"},
                            "FieldNotFound"),
        }
        items = [{"id": k, "eventData": json.dumps(v[0])} for k, v in cases.items()]
        items.append({"id": "ok", "eventData": json.dumps(good)})
        out = s.client("cloudtrail-data").put_audit_events(channelArn=channel["ChannelArn"],
                                                           auditEvents=items)
        self.assertEqual([x["id"] for x in out["successful"]], ["ok"])
        self.assertEqual({x["id"]: x["errorCode"] for x in out["failed"]},
                         {k: v[1] for k, v in cases.items()})

    def test_get_put_and_every_error_with_the_cli(self):
        s = self.server
        s.aws("s3api", "create-bucket", "--bucket", "logs-e")
        s.aws("cloudtrail", "create-trail", "--name", "errs", "--s3-bucket-name", "logs-e")
        multi = s.aws_json("cloudtrail", "create-trail", "--name", "multi", "--s3-bucket-name",
                           "logs-e", "--is-multi-region-trail")["TrailARN"]
        default = s.aws_json("cloudtrail", "get-event-selectors", "--trail-name", "errs")
        self.assertEqual(default["EventSelectors"], [
            {"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": [],
             "ExcludeManagementEventSources": []}])
        self.assertNotIn("AdvancedEventSelectors", default)
        trails = {t["Name"]: t for t in s.aws_json("cloudtrail", "describe-trails")["trailList"]}
        self.assertFalse(trails["errs"]["HasCustomEventSelectors"])

        def err(*args, region=None):
            rc, _, e = s.aws("cloudtrail", "put-event-selectors", *args, check=False,
                             region=region)
            self.assertNotEqual(rc, 0)
            return e

        def bad(sel, message, advanced=False):
            member = "AdvancedEventSelectors" if advanced else "EventSelectors"
            if not any(x in message for x in RAW_ONLY):
                e = err("--trail-name", "errs", "--advanced-event-selectors" if advanced
                        else "--event-selectors", json.dumps(sel))
                self.assertIn("(InvalidEventSelectorsException)", e)
                self.assertIn(message, e)
                return
            # botocore refuses these before sending (list minimums): send them raw
            status, _, body = otharness.signed_request(
                s, "POST", "/", json.dumps({"TrailName": "errs", member: sel}).encode(),
                headers={"X-Amz-Target": TARGET + "PutEventSelectors",
                         "Content-Type": "application/x-amz-json-1.1"})
            doc = json.loads(body)
            self.assertEqual((status, doc["__type"]), (400, "InvalidEventSelectorsException"))
            self.assertIn(message, doc["message"])

        es = [{"ReadWriteType": "All"}]
        self.assertIn("not both", err("--trail-name", "errs", "--event-selectors", json.dumps(es),
                                      "--advanced-event-selectors",
                                      json.dumps([{"FieldSelectors": mgmt()}])))
        self.assertIn("(InvalidEventSelectorsException)", err("--trail-name", "errs"))
        bad([{"ReadWriteType": "read-only"}], "Value read-only for ReadWriteType is invalid.")
        bad([{}] * 6, "Specify a valid number of event selectors (1 to 5) for a trail.")
        bad([], "Specify a valid number of event selectors (1 to 5) for a trail.")
        bad([{"ExcludeManagementEventSources": ["ec2.amazonaws.com"]}],
            "Value ec2.amazonaws.com for ExcludeManagementEventSources is invalid.")
        bad([{"DataResources": [{"Type": "AWS::EC2::Instance", "Values": ["arn:aws:ec2"]}]}],
            "Value AWS::EC2::Instance for DataResources.Type is invalid.")
        bad([{"DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::*"]}]}],
            "Value arn:aws:s3:::* for DataResources.Values is invalid.")
        bad([{"DataResources": [{"Type": "AWS::Lambda::Function", "Values": ["arn:aws:lambda:*"]}]}],
            "Value arn:aws:lambda:* for DataResources.Values is invalid.")
        many = ["arn:aws:s3:::bucket-%d/" % i for i in range(251)]
        bad([{"DataResources": [{"Type": "AWS::S3::Object", "Values": many}]}],
            "Specify a valid number of DataResources.Values (0 to 250) for all your selectors")
        bad([{"DataResources": [{"Type": "AWS::S3::Object", "Values": many[:200]}]},
             {"DataResources": [{"Type": "AWS::S3::Object", "Values": many[200:]}]}],
            "(0 to 250)")
        bad([{"DataResources": [{"Type": "AWS::S3::Object"}]}], "at least one value")
        adv = [
            ([{"FieldSelectors": [{"Field": "readOnly", "Equals": ["true"]}]}], "eventCategory"),
            ([{"FieldSelectors": mgmt(eventName={"Equals": ["Foo"]})}],
             "Field eventName is not supported for Management events on a trail."),
            ([{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Insight"]}]}],
             "Value Insight for eventCategory is invalid."),
            ([{"FieldSelectors": [{"Field": "eventCategory", "StartsWith": ["Man"]}]}],
             "accepts only the Equals operator"),
            ([{"FieldSelectors": mgmt(readOnly={"Equals": ["yes"]})}],
             "Value yes for readOnly is invalid."),
            ([{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}]}],
             "resources.type is required"),
            ([{"FieldSelectors": data("AWS::S3::Objekt")}],
             "Value AWS::S3::Objekt for resources.type is invalid."),
            ([{"FieldSelectors": mgmt() + [{"Field": "bogusField", "Equals": ["x"]}]}],
             "Value bogusField for Field is invalid."),
            ([{"FieldSelectors": mgmt() + [{"Field": "eventSource"}]}],
             "must have at least one operator"),
            ([{"FieldSelectors": mgmt() + mgmt()}], "appears more than once"),
            ([{"FieldSelectors": []}], "at least one field selector"),
            ([], "at least one advanced event selector"),
            ([{"Name": "n" * 1001, "FieldSelectors": mgmt()}], "at most 1000 characters"),
            ([{"FieldSelectors": data("AWS::S3::Object", {"Field": "resources.ARN",
                                                          "StartsWith": ["a" * 2049]})}],
             "1 to 2048 characters"),
            ([{"FieldSelectors": data("AWS::S3::Object", {
                "Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::b%d/" % i
                                                         for i in range(499)]})}],
             "Specify up to 500 values for all conditions"),
            ([{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["NetworkActivity"]}]}],
             "eventSource is required"),
        ]
        for sel, message in adv:
            bad(sel, message, advanced=True)
        e = err("--trail-name", "no-such-trail", "--event-selectors", json.dumps(es))
        self.assertIn("(TrailNotFoundException)", e)
        e = err("--trail-name", "x!", "--event-selectors", json.dumps(es))
        self.assertIn("(InvalidTrailNameException)", e)
        e = err("--trail-name", multi, "--event-selectors", json.dumps(es), region="eu-west-1")
        self.assertIn("(InvalidHomeRegionException)", e)
        # Refused calls changed nothing.
        trails = {t["Name"]: t for t in s.aws_json("cloudtrail", "describe-trails")["trailList"]}
        self.assertFalse(trails["errs"]["HasCustomEventSelectors"])
        # A shadow can be read from another region; a name there is another region's ARN.
        shadow = s.aws_json("cloudtrail", "get-event-selectors", "--trail-name", multi,
                            region="eu-west-1")
        self.assertEqual(shadow["TrailARN"], multi)
        rc, _, e = s.aws("cloudtrail", "get-event-selectors", "--trail-name", "multi",
                         region="eu-west-1", check=False)
        self.assertIn("(TrailNotFoundException)", e)

        sel = [{"Name": "objects", "FieldSelectors": data(
            "AWS::S3::Object", {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::b/"],
                                "NotEndsWith": [".tmp"]})}]
        out = s.aws_json("cloudtrail", "put-event-selectors", "--trail-name", "errs",
                         "--advanced-event-selectors", json.dumps(sel))
        self.assertEqual(out["AdvancedEventSelectors"], sel)
        got = s.aws_json("cloudtrail", "get-event-selectors", "--trail-name", "errs")
        self.assertEqual(got["AdvancedEventSelectors"], sel)
        self.assertNotIn("EventSelectors", got)
        trails = {t["Name"]: t for t in s.aws_json("cloudtrail", "describe-trails")["trailList"]}
        self.assertTrue(trails["errs"]["HasCustomEventSelectors"])
        self.assertTrue(s.aws_json("cloudtrail", "get-trail", "--name", "errs")["Trail"][
            "HasCustomEventSelectors"])
        # Basic selectors replace advanced ones; defaults are filled in.
        out = s.aws_json("cloudtrail", "put-event-selectors", "--trail-name", "errs",
                         "--event-selectors", json.dumps([{"IncludeManagementEvents": False}]))
        self.assertEqual(out["EventSelectors"], [
            {"ReadWriteType": "All", "IncludeManagementEvents": False, "DataResources": [],
             "ExcludeManagementEventSources": []}])
        self.assertNotIn("AdvancedEventSelectors",
                         s.aws_json("cloudtrail", "get-event-selectors", "--trail-name", "errs"))
        # Survives a restart.
        s.restart()
        got = s.aws_json("cloudtrail", "get-event-selectors", "--trail-name", "errs")
        self.assertFalse(got["EventSelectors"][0]["IncludeManagementEvents"])


if __name__ == "__main__":
    otharness.main()

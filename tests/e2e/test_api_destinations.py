"""Issue 12 item 2: HTTP targets as EventBridge has them, connections and API destinations,
driven with the real aws CLI and boto3. Connections authorize with BASIC or API_KEY (OAuth is
refused), their secrets never come back from Describe nor reach the audit trail (CloudTrail's
HIDDEN_DUE_TO_SECURITY_REASONS stands in for them), destinations need an https:// endpoint
unless the server allows http://, everything belongs to one account and region, and PutTargets
accepts the API destinations that exist.
"""
import json
import os
import time

import boto3
import botocore.config

from otharness import ServerTestCase, main, signed_request

ACCOUNT = "123456789012"
OTHER = "999999999999"
OTHER_KEY, OTHER_SECRET = "AKIAOTHERAPIDEST0001", "other-apidest-secret-0123456789abcdefghij"
REGION = "us-east-1"
PASSWORD = "s3cret-Passw0rd-never-shown"
API_KEY = "k3y-value-never-shown-4711"
HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"
PATTERN = json.dumps({"source": ["aws.cloudtrail"]})
CONN_ARN = r"^arn:aws:events:us-east-1:123456789012:connection/%s/[0-9a-f-]{36}$"
DEST_ARN = r"^arn:aws:events:us-east-1:123456789012:api-destination/%s/[0-9a-f-]{36}$"


def basic(user="alice", password=PASSWORD):
    return {"BasicAuthParameters": {"Username": user, "Password": password}}


def api_key(name="x-api-key", value=API_KEY):
    return {"ApiKeyAuthParameters": {"ApiKeyName": name, "ApiKeyValue": value}}


class ApiDestinations(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.ev = self.server.client("events")

    def raw(self, operation, body):
        status, _, data = signed_request(
            self.server, "POST", "/", body=json.dumps(body).encode(), service="events",
            headers={"X-Amz-Target": "AWSEvents." + operation,
                     "Content-Type": "application/x-amz-json-1.1"})
        doc = json.loads(data)
        return status, doc.get("__type"), doc.get("message")

    def connection(self, name="hook", auth=None, kind="BASIC"):
        return self.ev.create_connection(Name=name, AuthorizationType=kind,
                                         AuthParameters=auth or basic())["ConnectionArn"]

    def destination(self, name, conn_arn, url="https://hooks.example.com/in", method="POST"):
        return self.ev.create_api_destination(Name=name, ConnectionArn=conn_arn,
                                              InvocationEndpoint=url,
                                              HttpMethod=method)["ApiDestinationArn"]

    # ---- connections ---------------------------------------------------------------------

    def test_connection_lifecycle_with_the_cli(self):
        s = self.server
        auth = json.dumps(basic())
        out = s.aws_json("events", "create-connection", "--name", "pager", "--description",
                         "the pager", "--authorization-type", "BASIC", "--auth-parameters", auth)
        self.assertRegex(out["ConnectionArn"], CONN_ARN % "pager")
        self.assertEqual(out["ConnectionState"], "AUTHORIZED")
        arn = out["ConnectionArn"]
        _, text, _ = s.aws("events", "describe-connection", "--name", "pager", "--output", "json")
        self.assertNotIn(PASSWORD, text)
        d = json.loads(text)
        self.assertEqual({k: d[k] for k in ("ConnectionArn", "Name", "Description",
                                            "ConnectionState", "AuthorizationType",
                                            "AuthParameters")},
                         {"ConnectionArn": arn, "Name": "pager", "Description": "the pager",
                          "ConnectionState": "AUTHORIZED", "AuthorizationType": "BASIC",
                          "AuthParameters": {"BasicAuthParameters": {"Username": "alice"}}})
        for k in ("CreationTime", "LastModifiedTime", "LastAuthorizedTime"):
            self.assertIn(k, d)
        listed = s.aws_json("events", "list-connections")["Connections"]
        self.assertEqual([(c["Name"], c["ConnectionArn"], c["AuthorizationType"],
                           c["ConnectionState"]) for c in listed],
                         [("pager", arn, "BASIC", "AUTHORIZED")])
        # a new password keeps the user; a new type needs its own parameters
        s.aws("events", "update-connection", "--name", "pager", "--auth-parameters",
              json.dumps({"BasicAuthParameters": {"Password": "another-one"}}))
        d = s.aws_json("events", "describe-connection", "--name", "pager")
        self.assertEqual(d["AuthParameters"], {"BasicAuthParameters": {"Username": "alice"}})
        self.assertEqual(d["ConnectionArn"], arn)
        up = s.aws_json("events", "update-connection", "--name", "pager",
                        "--authorization-type", "API_KEY", "--auth-parameters",
                        json.dumps(api_key("X-Token")))
        self.assertEqual((up["ConnectionArn"], up["ConnectionState"]), (arn, "AUTHORIZED"))
        d = s.aws_json("events", "describe-connection", "--name", "pager")
        self.assertEqual((d["AuthorizationType"], d["AuthParameters"]),
                         ("API_KEY", {"ApiKeyAuthParameters": {"ApiKeyName": "X-Token"}}))
        gone = s.aws_json("events", "delete-connection", "--name", "pager")
        self.assertEqual((gone["ConnectionArn"], gone["ConnectionState"]), (arn, "DELETING"))
        rc, _, err = s.aws("events", "describe-connection", "--name", "pager", check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("ResourceNotFoundException", err)
        self.assertIn("Connection 'pager' does not exist.", err)

    def test_connection_errors(self):
        self.connection("dup")
        self.assertEqual(self.client_error(self.ev.create_connection, Name="dup",
                                           AuthorizationType="BASIC", AuthParameters=basic()),
                         ("ResourceAlreadyExistsException", "Connection 'dup' already exists."))
        for call in (self.ev.describe_connection, self.ev.delete_connection):
            self.assertEqual(self.client_error(call, Name="none"),
                             ("ResourceNotFoundException", "Connection 'none' does not exist."))
        self.assertEqual(self.client_error(self.ev.update_connection, Name="none",
                                           Description="x")[0], "ResourceNotFoundException")
        code, msg = self.client_error(
            self.ev.create_connection, Name="oauth", AuthorizationType="OAUTH_CLIENT_CREDENTIALS",
            AuthParameters={"OAuthParameters": {
                "ClientParameters": {"ClientID": "id", "ClientSecret": "cs"},
                "AuthorizationEndpoint": "https://auth.example.com/token", "HttpMethod": "POST"}})
        self.assertEqual(code, "ValidationException")
        self.assertIn("does not support OAUTH_CLIENT_CREDENTIALS", msg)
        # parameters of the other type, none, half, a colon, a header name with a space
        cases = [("BASIC", api_key(), "does not go with AuthorizationType BASIC"),
                 ("API_KEY", {}, "needs AuthParameters.ApiKeyAuthParameters"),
                 ("BASIC", {"BasicAuthParameters": {"Username": "u"}}, "Member must not be null"),
                 ("BASIC", basic(password="a:b"), "basicAuthParameters.password"),
                 ("API_KEY", api_key(name="bad name"), "sent as an HTTP header name"),
                 ("BASIC", dict(basic(), InvocationHttpParameters={"HeaderParameters": []}),
                  "does not support InvocationHttpParameters")]
        for kind, auth, want in cases:   # raw: botocore refuses some of them itself
            status, code, msg = self.raw("CreateConnection", {
                "Name": "c", "AuthorizationType": kind, "AuthParameters": auth})
            self.assertEqual((status, code), (400, "ValidationException"), (kind, auth))
            self.assertIn(want, msg)
        # a secret that breaks the constraint is not repeated in the message
        code, msg = self.client_error(self.ev.create_connection, Name="c",
                                      AuthorizationType="BASIC",
                                      AuthParameters=basic(password="x:" + PASSWORD))
        self.assertNotIn(PASSWORD, msg)
        self.assertEqual(self.raw("CreateConnection", {"Name": "c", "AuthorizationType": "NTLM",
                                                       "AuthParameters": basic()})[1],
                         "ValidationException")
        self.assertEqual(self.raw("CreateConnection", {"Name": "bad name!",
                                                       "AuthorizationType": "BASIC",
                                                       "AuthParameters": basic()})[1],
                         "ValidationException")
        self.assertEqual(self.raw("CreateConnection", {"Name": "c",
                                                       "AuthorizationType": "BASIC"})[1],
                         "ValidationException")
        self.assertEqual(self.raw("CreateConnection", {"Name": "c", "AuthorizationType": "BASIC",
                                                       "AuthParameters": basic(),
                                                       "KmsKeyIdentifier": "k"})[1],
                         "ValidationException")
        self.assertEqual(self.raw("UpdateConnection", {"Name": "dup",
                                                       "AuthorizationType": "API_KEY"})[1],
                         "ValidationException")
        self.assertEqual(self.raw("ListConnections", {"ConnectionState": "SLEEPING"})[1],
                         "ValidationException")
        self.assertEqual(self.raw("ListConnections", {"Limit": 0})[1], "ValidationException")

    def test_lists_page_and_filter(self):
        arns = {n: self.connection(n) for n in ("a1", "a2", "b1")}
        got, page = [], self.ev.list_connections(Limit=2)
        got += [c["Name"] for c in page["Connections"]]
        while "NextToken" in page:
            page = self.ev.list_connections(Limit=2, NextToken=page["NextToken"])
            got += [c["Name"] for c in page["Connections"]]
        self.assertEqual(got, ["a1", "a2", "b1"])
        self.assertEqual([c["Name"] for c in
                          self.ev.list_connections(NamePrefix="a")["Connections"]], ["a1", "a2"])
        self.assertEqual(self.ev.list_connections(ConnectionState="DEAUTHORIZED")["Connections"],
                         [])
        self.assertEqual(len(self.ev.list_connections(
            ConnectionState="AUTHORIZED")["Connections"]), 3)
        for i, (n, c) in enumerate((("d1", "a1"), ("d2", "a2"), ("d3", "a1"))):
            self.destination(n, arns[c])
        dests = self.ev.list_api_destinations(ConnectionArn=arns["a1"])["ApiDestinations"]
        self.assertEqual([d["Name"] for d in dests], ["d1", "d3"])
        page = self.ev.list_api_destinations(Limit=1, NamePrefix="d")
        names = [d["Name"] for d in page["ApiDestinations"]]
        while "NextToken" in page:
            page = self.ev.list_api_destinations(Limit=1, NamePrefix="d",
                                                 NextToken=page["NextToken"])
            names += [d["Name"] for d in page["ApiDestinations"]]
        self.assertEqual(names, ["d1", "d2", "d3"])
        out = self.server.aws_json("events", "list-api-destinations", "--name-prefix", "d2")
        self.assertEqual([d["Name"] for d in out["ApiDestinations"]], ["d2"])

    # ---- API destinations ----------------------------------------------------------------

    def test_api_destination_lifecycle(self):
        conn = self.connection("key", api_key(), kind="API_KEY")
        s = self.server
        # as JSON input: the CLI would fetch an https:// parameter value as a remote file
        req = {"Name": "siem", "Description": "the SIEM", "ConnectionArn": conn,
               "InvocationEndpoint": "https://siem.example.com/events?src=ot",
               "HttpMethod": "PUT", "InvocationRateLimitPerSecond": 20}
        out = s.aws_json("events", "create-api-destination", "--cli-input-json", json.dumps(req))
        self.assertRegex(out["ApiDestinationArn"], DEST_ARN % "siem")
        self.assertEqual(out["ApiDestinationState"], "ACTIVE")
        arn = out["ApiDestinationArn"]
        d = self.ev.describe_api_destination(Name="siem")
        self.assertEqual({k: d[k] for k in ("ApiDestinationArn", "Name", "Description",
                                            "ApiDestinationState", "ConnectionArn",
                                            "InvocationEndpoint", "HttpMethod",
                                            "InvocationRateLimitPerSecond")},
                         {"ApiDestinationArn": arn, "Name": "siem", "Description": "the SIEM",
                          "ApiDestinationState": "ACTIVE", "ConnectionArn": conn,
                          "InvocationEndpoint": "https://siem.example.com/events?src=ot",
                          "HttpMethod": "PUT", "InvocationRateLimitPerSecond": 20})
        up = self.ev.update_api_destination(Name="siem", HttpMethod="POST",
                                            InvocationEndpoint="https://siem.example.com/v2")
        self.assertEqual((up["ApiDestinationArn"], up["ApiDestinationState"]), (arn, "ACTIVE"))
        d = self.ev.describe_api_destination(Name="siem")
        self.assertEqual((d["HttpMethod"], d["InvocationEndpoint"], d["Description"],
                          d["InvocationRateLimitPerSecond"]),
                         ("POST", "https://siem.example.com/v2", "the SIEM", 20))
        listed = self.ev.list_api_destinations()["ApiDestinations"]
        self.assertEqual([(x["Name"], x["ApiDestinationArn"], x["ConnectionArn"]) for x in listed],
                         [("siem", arn, conn)])
        self.assertNotIn("Description", listed[0])
        s.aws("events", "delete-api-destination", "--name", "siem")
        self.assertEqual(self.client_error(self.ev.describe_api_destination, Name="siem"),
                         ("ResourceNotFoundException", "An api-destination 'siem' does not exist."))

    def test_api_destination_errors(self):
        conn = self.connection("c")
        self.destination("dup", conn)
        self.assertEqual(self.client_error(self.ev.create_api_destination, Name="dup",
                                           ConnectionArn=conn, HttpMethod="POST",
                                           InvocationEndpoint="https://x.example.com/"),
                         ("ResourceAlreadyExistsException",
                          "An api-destination 'dup' already exists."))
        for call in (self.ev.describe_api_destination, self.ev.delete_api_destination,
                     self.ev.update_api_destination):
            self.assertEqual(self.client_error(call, Name="none"),
                             ("ResourceNotFoundException",
                              "An api-destination 'none' does not exist."))
        ghost = conn.replace("/c/", "/ghost/")
        self.assertEqual(self.client_error(self.ev.create_api_destination, Name="d",
                                           ConnectionArn=ghost, HttpMethod="POST",
                                           InvocationEndpoint="https://x.example.com/"),
                         ("ResourceNotFoundException", "Connection '%s' does not exist." % ghost))
        self.assertEqual(self.client_error(self.ev.update_api_destination, Name="dup",
                                           ConnectionArn=ghost)[0], "ResourceNotFoundException")
        # an ARN of a deleted connection does not name a new one of the same name
        self.ev.delete_connection(Name="c")
        self.connection("c")
        self.assertEqual(self.client_error(self.ev.create_api_destination, Name="d",
                                           ConnectionArn=conn, HttpMethod="POST",
                                           InvocationEndpoint="https://x.example.com/")[0],
                         "ResourceNotFoundException")
        conn = self.ev.describe_connection(Name="c")["ConnectionArn"]
        code, msg = self.client_error(self.ev.create_api_destination, Name="d",
                                      ConnectionArn=conn, HttpMethod="POST",
                                      InvocationEndpoint="http://10.0.0.8/hook")
        self.assertEqual(code, "ValidationException")
        self.assertIn("must be an https:// URL", msg)
        self.assertIn("--api-destination-allow-http", msg)
        for body, want in (
                ({"InvocationEndpoint": "ftp://x.example.com/"}, "https:// URL"),
                ({"InvocationEndpoint": "https://x.example.com/a b"}, "regular expression"),
                ({"InvocationEndpoint": "https://"}, "https:// URL"),
                ({"HttpMethod": "TRACE"}, "enum value set"),
                ({"InvocationRateLimitPerSecond": 0}, "greater than or equal to 1"),
                ({"HttpMethod": None}, "must not be null")):
            req = {"Name": "d", "ConnectionArn": conn, "HttpMethod": "POST",
                   "InvocationEndpoint": "https://x.example.com/"}
            req.update(body)
            req = {k: v for k, v in req.items() if v is not None}
            status, code, msg = self.raw("CreateApiDestination", req)
            self.assertEqual((status, code), (400, "ValidationException"), body)
            self.assertIn(want, msg)
        self.assertEqual(self.ev.list_api_destinations()["ApiDestinations"][0]["Name"], "dup")
        self.assertEqual(len(self.ev.list_api_destinations()["ApiDestinations"]), 1)

    def test_put_targets_takes_existing_api_destinations(self):
        conn = self.connection()
        dest = self.destination("siem", conn)
        self.ev.put_rule(Name="r", EventPattern=PATTERN)
        nowhere = dest.replace("/siem/", "/nowhere/")
        r = self.ev.put_targets(Rule="r", Targets=[{"Id": "ok", "Arn": dest},
                                                   {"Id": "missing", "Arn": nowhere}])
        self.assertEqual(r["FailedEntryCount"], 1)
        self.assertEqual(r["FailedEntries"][0]["TargetId"], "missing")
        self.assertIn("API destination nowhere does not exist", r["FailedEntries"][0]["ErrorMessage"])
        self.assertEqual([t["Arn"] for t in self.ev.list_targets_by_rule(Rule="r")["Targets"]],
                         [dest])
        # once deleted and made again, the old ARN names nothing
        self.ev.delete_api_destination(Name="siem")
        self.destination("siem", conn)
        r = self.ev.put_targets(Rule="r", Targets=[{"Id": "old", "Arn": dest}])
        self.assertEqual(r["FailedEntryCount"], 1)

    def test_another_account_sees_nothing(self):
        conn = self.connection("mine")
        self.destination("mine", conn)
        self.server.stop()
        self.server.add_user("other", OTHER_KEY, OTHER_SECRET, OTHER)
        self.server.start()
        other = boto3.session.Session().client(
            "events", region_name=REGION, endpoint_url=self.server.endpoint,
            aws_access_key_id=OTHER_KEY, aws_secret_access_key=OTHER_SECRET,
            config=botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"}))
        self.assertEqual(other.list_connections()["Connections"], [])
        self.assertEqual(other.list_api_destinations()["ApiDestinations"], [])
        self.assertEqual(self.client_error(other.describe_connection, Name="mine")[0],
                         "ResourceNotFoundException")
        self.assertEqual(self.client_error(other.delete_api_destination, Name="mine")[0],
                         "ResourceNotFoundException")
        # another account's connection is no connection of mine
        self.assertEqual(self.client_error(other.create_api_destination, Name="d",
                                           ConnectionArn=conn, HttpMethod="POST",
                                           InvocationEndpoint="https://x.example.com/")[0],
                         "ResourceNotFoundException")
        other.create_connection(Name="mine", AuthorizationType="BASIC", AuthParameters=basic("bob"))
        ev = self.server.client("events")   # the restart made new credentials' client needed
        self.assertEqual(ev.describe_connection(Name="mine")["AuthParameters"],
                         {"BasicAuthParameters": {"Username": "alice"}})
        west = self.server.client("events", region="eu-west-1")
        self.assertEqual(west.list_connections()["Connections"], [])

    # ---- the audit trail -----------------------------------------------------------------

    def test_secrets_never_reach_the_trail(self):
        s = self.server
        s.aws("events", "create-connection", "--name", "pager", "--authorization-type", "BASIC",
              "--auth-parameters", json.dumps(basic()))
        self.ev.update_connection(Name="pager", AuthorizationType="API_KEY",
                                  AuthParameters=api_key())
        self.client_error(self.ev.create_connection, Name="pager", AuthorizationType="BASIC",
                          AuthParameters=basic())          # refused: exists
        self.client_error(self.ev.create_connection, Name="bad", AuthorizationType="BASIC",
                          AuthParameters=basic(password="x:" + PASSWORD))  # refused: invalid
        self.ev.describe_connection(Name="pager")
        want = {"CreateConnection": 3, "UpdateConnection": 1, "DescribeConnection": 1}
        found = {}
        deadline = time.time() + 10
        while time.time() < deadline:
            evs = s.aws_json("cloudtrail", "lookup-events", "--lookup-attributes",
                             "AttributeKey=EventSource,AttributeValue=events.amazonaws.com")
            found = {}
            for e in evs["Events"]:
                found.setdefault(e["EventName"], []).append(json.loads(e["CloudTrailEvent"]))
            if {k: len(found.get(k, [])) for k in want} == want:
                break
            time.sleep(0.1)
        self.assertEqual({k: len(found.get(k, [])) for k in want}, want)
        for name, records in found.items():
            for rec in records:
                text = json.dumps(rec)
                self.assertNotIn(PASSWORD, text, name)
                self.assertNotIn(API_KEY, text, name)
        created = [r for r in found["CreateConnection"] if "errorCode" not in r]
        self.assertEqual(len(created), 1)
        self.assertEqual(created[0]["requestParameters"],
                         {"name": "pager", "authorizationType": "BASIC",
                          "authParameters": {"basicAuthParameters": {
                              "username": "alice", "password": HIDDEN}}})
        self.assertEqual(created[0]["readOnly"], False)
        self.assertEqual(created[0]["eventCategory"], "Management")
        self.assertRegex(created[0]["responseElements"]["connectionArn"], CONN_ARN % "pager")
        updated = found["UpdateConnection"][0]
        self.assertEqual(updated["requestParameters"]["authParameters"],
                         {"apiKeyAuthParameters": {"apiKeyName": "x-api-key",
                                                   "apiKeyValue": HIDDEN}})
        self.assertEqual(found["DescribeConnection"][0]["readOnly"], True)
        self.assertEqual(sorted(r.get("errorCode", "") for r in found["CreateConnection"]),
                         ["", "ResourceAlreadyExistsException", "ValidationException"])
        # nor anything the server wrote but the store that must keep them (the WAL, the
        # history, delivered logs)
        for root, _, files in os.walk(s.data_dir):
            for f in files:
                if f.startswith("rules.db"):
                    continue
                with open(os.path.join(root, f), "rb") as fh:
                    data = fh.read()
                self.assertNotIn(PASSWORD.encode(), data, os.path.join(root, f))
                self.assertNotIn(API_KEY.encode(), data, os.path.join(root, f))


class PlainHttpAllowed(ServerTestCase):
    server_args = ("--api-destination-allow-http", "true")

    def test_http_endpoints_with_the_option(self):
        ev = self.server.client("events")
        conn = ev.create_connection(Name="lan", AuthorizationType="BASIC",
                                    AuthParameters=basic())["ConnectionArn"]
        ev.create_api_destination(Name="lan", ConnectionArn=conn, HttpMethod="POST",
                                  InvocationEndpoint="http://192.168.1.20:8080/hook")
        self.assertEqual(ev.describe_api_destination(Name="lan")["InvocationEndpoint"],
                         "http://192.168.1.20:8080/hook")
        code, _ = self.client_error(ev.create_api_destination, Name="ftp", ConnectionArn=conn,
                                    HttpMethod="POST", InvocationEndpoint="ftp://x.example.com/")
        self.assertEqual(code, "ValidationException")


if __name__ == "__main__":
    main()

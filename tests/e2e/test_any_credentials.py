"""--any-credentials is an explicit emulator mode; without it unknown keys are refused."""
import json

import otharness
from otlogs import read_all_records


class AnyCredentialsTest(otharness.ServerTestCase):
    server_args = ("--any-credentials",)

    def test_any_key_is_accepted_and_becomes_the_identity(self):
        s = self.server
        env = s.env()
        env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
        env["AWS_ACCESS_KEY_ID"] = "FOOBARKEY"
        env["AWS_SECRET_ACCESS_KEY"] = "anything"
        s.aws("s3api", "create-bucket", "--bucket", "emu-logs", env=env)
        s.aws("cloudtrail", "create-trail", "--name", "emu", "--s3-bucket-name", "emu-logs", env=env)
        s.aws("cloudtrail", "start-logging", "--name", "emu", env=env)
        s.aws("cloudtrail", "stop-logging", "--name", "emu", env=env)
        records = [r for _, r in read_all_records(s.client("s3"), "emu-logs")]
        start = [r for r in records if r["eventName"] == "StartLogging"]
        self.assertEqual(len(start), 1)
        ident = start[0]["userIdentity"]
        self.assertEqual(ident["accessKeyId"], "FOOBARKEY")
        self.assertEqual(ident["accountId"], "123456789012")


class StrictCredentialsTest(otharness.ServerTestCase):
    def test_unknown_key_is_refused_by_default(self):
        s = self.server
        env = s.env()
        env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
        env["AWS_ACCESS_KEY_ID"] = "FOOBARKEY"
        env["AWS_SECRET_ACCESS_KEY"] = "anything"
        rc, _, err = s.aws("s3api", "create-bucket", "--bucket", "emu-logs", env=env, check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("InvalidAccessKeyId", err)
        self.assertEqual(s.aws_json("s3api", "list-buckets")["Buckets"], [])


if __name__ == "__main__":
    otharness.main()

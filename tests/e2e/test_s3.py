"""The embedded S3 API driven by the real aws CLI and boto3: buckets, objects with metadata and
ranges, ListObjects v1/v2 with prefix/delimiter/pagination/encoding, `aws s3 cp/ls/rm`,
S3-shaped errors, and hostile keys that must never write outside the bucket."""
import hashlib
import base64
import json
import os

import botocore.exceptions

import otharness
from otharness import signed_request

BUCKET = "ot-s3-test"


def walk_files(root):
    out = set()
    for d, _, files in os.walk(root):
        for f in files:
            out.add(os.path.relpath(os.path.join(d, f), root))
    return out


class S3Test(otharness.ServerTestCase):
    def setUp(self):
        super().setUp()
        self.s3 = self.server.client("s3")
        self.server.aws("s3api", "create-bucket", "--bucket", BUCKET)
        self.bucket_dir = os.path.join(self.server.data_dir, "buckets", BUCKET)

    def error_code(self, fn, *args, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(*args, **kw)
        return cm.exception.response["Error"]["Code"], cm.exception.response

    def test_buckets(self):
        s = self.server
        rc, _, err = s.aws("s3api", "create-bucket", "--bucket", BUCKET, check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("BucketAlreadyOwnedByYou", err)
        s.aws("s3api", "create-bucket", "--bucket", "second-bucket",
              "--create-bucket-configuration", "LocationConstraint=eu-west-1")
        s.aws("s3api", "head-bucket", "--bucket", BUCKET)
        names = [b["Name"] for b in s.aws_json("s3api", "list-buckets")["Buckets"]]
        self.assertEqual(names, [BUCKET, "second-bucket"])
        loc = s.aws_json("s3api", "get-bucket-location", "--bucket", BUCKET)
        self.assertIn(loc.get("LocationConstraint"), (None, ""))  # us-east-1
        rc, _, err = s.aws("s3api", "head-bucket", "--bucket", "no-such-bucket", check=False)
        self.assertNotEqual(rc, 0)
        self.assertIn("404", err)
        code, _ = self.error_code(self.s3.list_objects_v2, Bucket="no-such-bucket")
        self.assertEqual(code, "NoSuchBucket")
        code, _ = self.error_code(self.s3.create_bucket, Bucket="Bad_Bucket")
        self.assertEqual(code, "InvalidBucketName")
        self.s3.put_object(Bucket="second-bucket", Key="k", Body=b"x")
        code, _ = self.error_code(self.s3.delete_bucket, Bucket="second-bucket")
        self.assertEqual(code, "BucketNotEmpty")
        self.s3.delete_object(Bucket="second-bucket", Key="k")
        self.s3.delete_bucket(Bucket="second-bucket")
        code, _ = self.error_code(self.s3.head_bucket, Bucket="second-bucket")
        self.assertEqual(code, "404")
        code, _ = self.error_code(self.s3.get_bucket_acl, Bucket=BUCKET)
        self.assertEqual(code, "NotImplemented")

    def test_objects_metadata_and_ranges(self):
        s = self.server
        path = os.path.join(s.tmp, "body.bin")
        body = bytes(range(256)) * 40
        with open(path, "wb") as f:
            f.write(body)
        key = "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/23/file.json.gz"
        out = s.aws_json("s3api", "put-object", "--bucket", BUCKET, "--key", key, "--body", path,
                         "--content-type", "application/x-gzip",
                         "--metadata", "signature=abc123,signature-algorithm=SHA256withRSA")
        md5 = hashlib.md5(body).hexdigest()
        self.assertEqual(out["ETag"], '"%s"' % md5)
        # The object is a plain file at its key's path: the bucket looks like S3.
        with open(os.path.join(self.bucket_dir, key), "rb") as f:
            self.assertEqual(f.read(), body)
        head = s.aws_json("s3api", "head-object", "--bucket", BUCKET, "--key", key)
        self.assertEqual(head["ContentLength"], len(body))
        self.assertEqual(head["ContentType"], "application/x-gzip")
        self.assertEqual(head["Metadata"], {"signature": "abc123",
                                            "signature-algorithm": "SHA256withRSA"})
        self.assertEqual(head["ETag"], '"%s"' % md5)
        dst = os.path.join(s.tmp, "range.bin")
        got = s.aws_json("s3api", "get-object", "--bucket", BUCKET, "--key", key,
                         "--range", "bytes=100-299", dst)
        self.assertEqual(got["ContentRange"], "bytes 100-299/%d" % len(body))
        with open(dst, "rb") as f:
            self.assertEqual(f.read(), body[100:300])
        r = self.s3.get_object(Bucket=BUCKET, Key=key, Range="bytes=-10")
        self.assertEqual(r["Body"].read(), body[-10:])
        r = self.s3.get_object(Bucket=BUCKET, Key=key, Range="bytes=10000-")
        self.assertEqual(r["Body"].read(), body[10000:])
        r = self.s3.get_object(Bucket=BUCKET, Key=key)
        self.assertEqual(r["Body"].read(), body)
        self.assertEqual(r["Metadata"]["signature"], "abc123")
        code, resp = self.error_code(self.s3.get_object, Bucket=BUCKET, Key=key,
                                     Range="bytes=20000-")
        self.assertEqual(code, "InvalidRange")
        self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], 416)
        code, _ = self.error_code(self.s3.get_object, Bucket=BUCKET, Key="missing")
        self.assertEqual(code, "NoSuchKey")
        code, resp = self.error_code(self.s3.head_object, Bucket=BUCKET, Key="missing")
        self.assertEqual(code, "404")
        # Integrity: a wrong Content-MD5 is refused and changes nothing.
        wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
        code, _ = self.error_code(self.s3.put_object, Bucket=BUCKET, Key=key, Body=b"new",
                                  ContentMD5=wrong)
        self.assertEqual(code, "BadDigest")
        self.assertEqual(self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read(), body)
        # Folder markers and overwrite.
        self.s3.put_object(Bucket=BUCKET, Key="folder/", Body=b"")
        self.assertEqual(self.s3.head_object(Bucket=BUCKET, Key="folder/")["ContentLength"], 0)
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=b"v2")
        self.assertEqual(self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read(), b"v2")
        s.aws("s3api", "delete-object", "--bucket", BUCKET, "--key", key)
        code, _ = self.error_code(self.s3.head_object, Bucket=BUCKET, Key=key)
        self.assertEqual(code, "404")

    def test_list_pagination_1100_keys(self):
        keys = []
        for i in range(1100):
            d = ["a", "a-b", "a.c", "b/x", "b/y/z"][i % 5]
            keys.append("%s/k%04d" % (d, i))
        for k in keys:
            self.s3.put_object(Bucket=BUCKET, Key=k, Body=k.encode())
        want = sorted(keys)  # byte order: "a-b/" < "a.c/" < "a/" ('-' < '.' < '/')
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=BUCKET, PaginationConfig={"PageSize": 250})
        got, npages = [], 0
        for page in pages:
            npages += 1
            self.assertLessEqual(page["KeyCount"], 250)
            got += [c["Key"] for c in page.get("Contents", [])]
        self.assertEqual(got, want)
        self.assertEqual(npages, 5)
        # v1 with its default page of 1000 (Marker continuation).
        v1 = []
        for page in self.s3.get_paginator("list_objects").paginate(Bucket=BUCKET):
            v1 += [c["Key"] for c in page.get("Contents", [])]
        self.assertEqual(v1, want)
        # Delimiter roll-up, v1 NextMarker and v2 tokens over CommonPrefixes.
        r = self.s3.list_objects(Bucket=BUCKET, Delimiter="/")
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["a-b/", "a.c/", "a/", "b/"])
        self.assertNotIn("Contents", r)
        r = self.s3.list_objects(Bucket=BUCKET, Delimiter="/", MaxKeys=2)
        self.assertTrue(r["IsTruncated"])
        self.assertEqual(r["NextMarker"], "a.c/")
        r = self.s3.list_objects(Bucket=BUCKET, Delimiter="/", Marker="a.c/")
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["a/", "b/"])
        r = self.s3.list_objects_v2(Bucket=BUCKET, Prefix="b/", Delimiter="/")
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["b/x/", "b/y/"])
        self.assertEqual(r["KeyCount"], 2)
        r = self.s3.list_objects_v2(Bucket=BUCKET, Prefix="b/y/", StartAfter="b/y/z/k0500",
                                    MaxKeys=3)
        self.assertEqual([c["Key"] for c in r["Contents"]],
                         [k for k in want if k.startswith("b/y/") and k > "b/y/z/k0500"][:3])
        r = self.s3.list_objects_v2(Bucket=BUCKET, MaxKeys=1, FetchOwner=True)
        self.assertIn("Owner", r["Contents"][0])
        code, _ = self.error_code(self.s3.list_objects_v2, Bucket=BUCKET,
                                  ContinuationToken="!!not-a-token!!")
        self.assertEqual(code, "InvalidArgument")

    def test_encoding_type_url(self):
        keys = ["dir one/file two.txt", "plus+sign", "uni/\u00e9t\u00e9/\u65e5\u672c.json",
                "amp&lt<gt>\"q'", "percent%20literal", "tab\tkey"]
        for k in keys:
            self.s3.put_object(Bucket=BUCKET, Key=k, Body=b"x")
        want = sorted(keys, key=lambda k: k.encode())
        r = self.s3.list_objects_v2(Bucket=BUCKET)
        self.assertEqual([c["Key"] for c in r["Contents"]], want)
        r = self.s3.list_objects(Bucket=BUCKET)
        self.assertEqual([c["Key"] for c in r["Contents"]], want)
        r = self.s3.list_objects_v2(Bucket=BUCKET, Delimiter="/")
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["dir one/", "uni/"])
        # Asked for explicitly, the raw encoded form reaches the caller.
        r = self.s3.list_objects_v2(Bucket=BUCKET, Prefix="dir one/", EncodingType="url")
        self.assertEqual(r["Contents"][0]["Key"], "dir%20one/file%20two.txt")
        for k in keys:
            self.assertEqual(self.s3.get_object(Bucket=BUCKET, Key=k)["Body"].read(), b"x")

    def test_cli_cp_ls_rm(self):
        s = self.server
        src = os.path.join(s.tmp, "src")
        os.makedirs(os.path.join(src, "sub"))
        files = {"a.txt": b"alpha", "sub/b.json": b'{"b":1}', "sub/c d.txt": b"gamma"}
        for name, data in files.items():
            with open(os.path.join(src, name), "wb") as f:
                f.write(data)
        s.aws("s3", "cp", src, "s3://%s/up/" % BUCKET, "--recursive")
        _, out, _ = s.aws("s3", "ls", "s3://%s/" % BUCKET, "--recursive")
        listed = sorted(line.split(None, 3)[3] for line in out.splitlines() if line.strip())
        self.assertEqual(listed, sorted("up/" + n for n in files))
        _, out, _ = s.aws("s3", "ls", "s3://%s/up/" % BUCKET)
        self.assertIn("PRE sub/", out)
        dst = os.path.join(s.tmp, "dst.json")
        s.aws("s3", "cp", "s3://%s/up/sub/b.json" % BUCKET, dst)
        with open(dst, "rb") as f:
            self.assertEqual(f.read(), b'{"b":1}')
        s.aws("s3", "rm", "s3://%s/" % BUCKET, "--recursive")
        self.assertEqual(self.s3.list_objects_v2(Bucket=BUCKET)["KeyCount"], 0)
        self.assertEqual(walk_files(self.bucket_dir), set())

    def test_delete_objects(self):
        for i in range(30):
            self.s3.put_object(Bucket=BUCKET, Key="del/%02d" % i, Body=b"x")
        r = self.s3.delete_objects(Bucket=BUCKET, Delete={
            "Objects": [{"Key": "del/%02d" % i} for i in range(20)] + [{"Key": "del/absent"}]})
        self.assertEqual(sorted(d["Key"] for d in r["Deleted"]),
                         sorted(["del/%02d" % i for i in range(20)] + ["del/absent"]))
        left = [c["Key"] for c in self.s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
        self.assertEqual(left, ["del/%02d" % i for i in range(20, 30)])
        r = self.s3.delete_objects(Bucket=BUCKET, Delete={
            "Objects": [{"Key": "del/25"}, {"Key": "x/../../escape"}], "Quiet": True})
        self.assertNotIn("Deleted", r)
        self.assertEqual([e["Key"] for e in r["Errors"]], ["x/../../escape"])

    def test_hostile_keys_rejected(self):
        s = self.server
        before = walk_files(s.tmp)
        paths = ["/%s/a/..%%2F..%%2F..%%2Fescape" % BUCKET, "/%s/%%2E%%2E/%%2E%%2E/escape" % BUCKET,
                 "/%s/a//b" % BUCKET, "/%s/%%2Fabs" % BUCKET, "/%s/nul%%00byte" % BUCKET,
                 "/%s/bad%%FFutf8" % BUCKET, "/%s/%s" % (BUCKET, "k" * 1025),
                 "/%s/x/./y" % BUCKET]
        for p in paths:
            st, _, body = signed_request(s, "PUT", p, b"pwned", service="s3",
                                         headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
            self.assertTrue(400 <= st < 500, (p, st, body))
            self.assertIn(b"<Error>", body)
            self.assertNotIn(b"SignatureDoesNotMatch", body)   # refused by the store, not auth
            st, _, _ = signed_request(s, "GET", p, service="s3",
                                      headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
            self.assertTrue(400 <= st < 500, (p, st))
        after = walk_files(s.tmp)
        # WAL readers commit their positions through a temporary file renamed into place: one
        # may be caught in the walk mid-commit.
        transient = lambda f: "server.log" in f or ("/wal/cursors/" in f and ".tmp." in f)
        self.assertEqual({f for f in after - before if not transient(f)}, set())
        # A bucket name that climbs is just an invalid bucket name.
        st, _, body = signed_request(s, "PUT", "/..%2F..%2Fetc/x", b"pwned", service="s3",
                                     headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
        self.assertEqual(st, 400, body)
        self.assertIn(b"InvalidBucketName", body)

    def test_key_conflict_and_aws_chunked(self):
        self.s3.put_object(Bucket=BUCKET, Key="file", Body=b"x")
        code, resp = self.error_code(self.s3.put_object, Bucket=BUCKET, Key="file/below",
                                     Body=b"y")
        self.assertEqual(code, "KeyConflict")
        self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], 409)
        # An aws-chunked body with a CRC32 trailer, as SDKs stream it over https.
        import zlib
        data = b"chunked payload " * 100
        crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
        wire = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\nx-amz-checksum-crc32:%s\r\n\r\n" % (
            1000, data[:1000], len(data) - 1000, data[1000:], crc.encode())
        hdrs = {"x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                "Content-Encoding": "aws-chunked", "x-amz-trailer": "x-amz-checksum-crc32",
                "x-amz-decoded-content-length": str(len(data))}
        st, _, body = signed_request(self.server, "PUT", "/%s/chunked" % BUCKET, wire,
                                     service="s3", headers=hdrs)
        self.assertEqual(st, 200, body)
        self.assertEqual(self.s3.get_object(Bucket=BUCKET, Key="chunked")["Body"].read(), data)
        bad = wire.replace(crc.encode(), base64.b64encode(b"\0\0\0\0"))
        st, _, body = signed_request(self.server, "PUT", "/%s/chunked" % BUCKET, bad,
                                     service="s3", headers=hdrs)
        self.assertEqual(st, 400, body)
        self.assertIn(b"BadDigest", body)


if __name__ == "__main__":
    otharness.main()

"""ISSUE8 item 2: a malformed aws-chunked body must not leak the partly decoded buffer.

PutObject and DeleteObjects decode "Content-Encoding: aws-chunked" bodies into a buffer of their
own. Each request below is signed correctly but its chunk framing breaks part-way (after a good
chunk, or in the very first chunk header, or with a wrong x-amz-decoded-content-length). The
server must answer 400 IncompleteBody, store nothing, and free what it decoded: the sanitizer
build runs LeakSanitizer at shutdown, and a leak report in the server log (or a non-zero exit)
fails the test in ServerTestCase.tearDown.
"""
from otharness import ServerTestCase, main, signed_request

GOOD_CHUNK = b"400\r\n" + b"x" * 0x400 + b"\r\n"
BAD_BODIES = [
    GOOD_CHUNK * 64 + b"zz\r\nnot hex\r\n",           # bad size after 64 KiB were decoded
    GOOD_CHUNK + b"10\r\nshort\r\n",                   # a chunk shorter than it says
    GOOD_CHUNK * 4 + b"400\r\n" + b"y" * 100,           # cut off inside a chunk
    b"5\r\nhello\r\n0\r\n\r\n",                          # well formed, wrong decoded length
    b"nothex\r\n",                                       # refused at the first header
]


class ChunkedLeak(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.server.client("s3").create_bucket(Bucket="leak-test")

    def send(self, method, path, body, decoded_length=None):
        headers = {"Content-Encoding": "aws-chunked"}
        if decoded_length is not None:
            headers["x-amz-decoded-content-length"] = str(decoded_length)
        return signed_request(self.server, method, path, body=body, service="s3", headers=headers)

    def test_put_object_malformed_chunks(self):
        for i, body in enumerate(BAD_BODIES):
            status, _, data = self.send("PUT", "/leak-test/obj-%d" % i, body,
                                        decoded_length=99 if i == 3 else None)
            self.assertEqual(status, 400, data)
            self.assertIn(b"<Code>IncompleteBody</Code>", data)
        listed = self.server.client("s3").list_objects_v2(Bucket="leak-test")
        self.assertEqual(listed.get("KeyCount"), 0, "a refused body was stored")

    def test_delete_objects_malformed_chunks(self):
        for body in BAD_BODIES[:3] + BAD_BODIES[4:]:
            status, _, data = self.send("POST", "/leak-test?delete", body)
            self.assertEqual(status, 400, data)
            self.assertIn(b"<Code>IncompleteBody</Code>", data)

    def test_good_chunked_body_still_stored(self):
        body = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
        status, _, data = self.send("PUT", "/leak-test/ok", body, decoded_length=11)
        self.assertEqual(status, 200, data)
        got = self.server.client("s3").get_object(Bucket="leak-test", Key="ok")["Body"].read()
        self.assertEqual(got, b"hello world")


if __name__ == "__main__":
    main()

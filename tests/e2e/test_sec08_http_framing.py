"""Item 8 (HTTP framing): a request whose length two parsers could read differently — two
different Content-Length values, or Content-Length together with Transfer-Encoding — is refused
with 400 and the connection closed; more header lines than the server keeps (64) get 431 instead
of being silently dropped. Requests are correctly signed, so only the framing is wrong."""
import socket

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from otharness import ServerTestCase, main, read_credentials

TARGET = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails"


def signed_head(server, body):
    """Request line and signed header lines (no Content-Length) of a DescribeTrails call."""
    key, secret = read_credentials(server.credentials_file)
    req = AWSRequest(method="POST", url=server.endpoint + "/", data=body,
                     headers={"X-Amz-Target": TARGET, "Content-Type": "application/x-amz-json-1.1"})
    SigV4Auth(Credentials(key, secret), "cloudtrail", server.region).add_auth(req)
    lines = ["POST / HTTP/1.1", "Host: 127.0.0.1:%d" % server.port]
    lines += ["%s: %s" % (k, v) for k, v in req.prepare().headers.items()
              if k.lower() not in ("content-length", "host")]
    return lines


def complete(data):
    """True once data holds a whole response (headers and Content-Length bytes of body)."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            return len(body) >= int(v)
    return False


def exchange(server, head_lines, payload):
    """Sends raw bytes; returns (status, response, closed): closed if the server closed the
    connection before the response was complete or right after it."""
    raw = ("\r\n".join(head_lines) + "\r\n\r\n").encode() + payload
    with socket.create_connection(("127.0.0.1", server.port), timeout=60) as s:
        s.sendall(raw)
        data = b""
        closed = False
        s.settimeout(5)
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    closed = True
                    break
                data += d
                if complete(data):
                    s.settimeout(1)   # a refused request's connection closes right after

        except socket.timeout:
            pass
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.") else None
    return status, data, closed


class HttpFraming(ServerTestCase):
    def assert_still_serving(self):
        self.assertEqual(self.server.client("cloudtrail").describe_trails()["trailList"], [])

    def test_signed_request_is_fine(self):
        status, data, _ = exchange(self.server, signed_head(self.server, b"{}") +
                                   ["Content-Length: 2"], b"{}")
        self.assertEqual(status, 200, data)

    def test_two_different_content_lengths(self):
        head = signed_head(self.server, b"{}") + ["Content-Length: 2", "Content-Length: 40"]
        status, data, closed = exchange(self.server, head, b"{}" + b" " * 38)
        self.assertEqual(status, 400, data)
        self.assertTrue(closed, "connection kept open after a framing error")
        head = signed_head(self.server, b"{}") + ["Content-Length: 40", "Content-Length: 2"]
        self.assertEqual(exchange(self.server, head, b"{}" + b" " * 38)[0], 400)
        self.assert_still_serving()

    def test_content_length_list_that_disagrees(self):
        head = signed_head(self.server, b"{}") + ["Content-Length: 2, 40"]
        self.assertEqual(exchange(self.server, head, b"{}" + b" " * 38)[0], 400)

    def test_identical_content_lengths_are_one(self):
        """RFC 9110 §8.6 lets a recipient accept a repeated identical value."""
        head = signed_head(self.server, b"{}") + ["Content-Length: 2", "Content-Length: 2"]
        self.assertEqual(exchange(self.server, head, b"{}")[0], 200)

    def test_transfer_encoding_and_content_length(self):
        for order in (["Content-Length: 2", "Transfer-Encoding: chunked"],
                      ["Transfer-Encoding: chunked", "Content-Length: 2"]):
            head = signed_head(self.server, b"{}") + order
            status, data, closed = exchange(self.server, head, b"2\r\n{}\r\n0\r\n\r\n")
            self.assertEqual(status, 400, data)
            self.assertTrue(closed)
        self.assert_still_serving()

    def test_unknown_transfer_coding(self):
        head = signed_head(self.server, b"{}") + ["Transfer-Encoding: gzip, chunked"]
        status, data, closed = exchange(self.server, head, b"2\r\n{}\r\n0\r\n\r\n")
        self.assertEqual(status, 400, data)
        self.assertTrue(closed)

    def test_too_many_headers_is_431_not_dropped(self):
        head = signed_head(self.server, b"{}") + ["Content-Length: 2"]
        pad = ["X-Pad-%d: v" % i for i in range(100)]
        status, data, _ = exchange(self.server, head + pad, b"{}")
        self.assertEqual(status, 431, data)
        # exactly 64 header lines are all kept: the signature (over the first ones) still holds
        fill = ["X-Pad-%d: v" % i for i in range(64 - (len(head) - 1))]
        status, data, _ = exchange(self.server, head + fill, b"{}")
        self.assertEqual(status, 200, data)
        status, data, _ = exchange(self.server, head + fill + ["X-Pad-last: v"], b"{}")
        self.assertEqual(status, 431, data)
        self.assert_still_serving()


if __name__ == "__main__":
    main()

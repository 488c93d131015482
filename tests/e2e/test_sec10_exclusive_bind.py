"""Item 10: a second `opentrail serve` on a port already in use fails at start with "address
already in use", before it creates its data dir, and the first server keeps all the traffic."""
import os
import subprocess

from otharness import BIN, ServerTestCase, main


def serve_expecting_failure(testcase, listen, data_dir):
    """Runs a second server; returns its output, failing the test if it is still running after
    30 s (it started on the busy port)."""
    p = subprocess.Popen([BIN, "serve", "--listen", listen, "--data-dir", data_dir],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        testcase.fail("second server started on a busy port:\n" + out)
    testcase.assertNotEqual(p.returncode, 0, out)
    return out


class ExclusiveBind(ServerTestCase):
    def test_second_server_on_busy_port_fails(self):
        first = self.server
        other_dir = os.path.join(first.tmp, "second-data")
        out = serve_expecting_failure(self, "127.0.0.1:%d" % first.port, other_dir)
        self.assertIn("address already in use", out)
        self.assertFalse(os.path.exists(other_dir), "data dir created before the port was checked")
        # every request still reaches the first server (the kernel is not splitting them)
        ct = first.client("cloudtrail")
        for _ in range(20):
            self.assertEqual(ct.describe_trails()["trailList"], [])

    def test_busy_port_checked_before_data_dir(self):
        """Also with a wildcard address over the first server's loopback one."""
        other_dir = os.path.join(self.server.tmp, "wild-data")
        out = serve_expecting_failure(self, "0.0.0.0:%d" % self.server.port, other_dir)
        self.assertIn("address already in use", out)
        self.assertFalse(os.path.exists(other_dir))

    def test_restart_on_same_port(self):
        """Exclusive does not mean sticky: a stopped server's port is free again at once."""
        ct = self.server.client("cloudtrail")
        ct.describe_trails()
        self.assertEqual(self.server.restart(), 0)
        self.assertEqual(self.server.client("cloudtrail").describe_trails()["trailList"], [])


if __name__ == "__main__":
    main()

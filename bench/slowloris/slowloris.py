"""Legitimate-request latency with and without a slowloris attack on `opentrail serve`.

usage: slowloris.py ENDPOINT CREDENTIALS_FILE [REQUESTS=300] [SLOW=2000]

The attacked run lasts at least 60 s, so it spans the server's header deadline (cuts) and the
attacker's reconnections.
Each legitimate request is a signed DescribeTrails from 127.0.0.1 on a new connection (the case
connection exhaustion hurts: it has to be accepted). The attack holds SLOW connections from 16
loopback addresses, each sending one more header line every 5 s and reconnecting as soon as the
server cuts it, like a real attacker. Prints p50/p99/max for both runs."""
import http.client
import random
import resource
import selectors
import socket
import sys
import threading
import time
import urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

endpoint, cred_file = sys.argv[1], sys.argv[2]
REQUESTS = int(sys.argv[3]) if len(sys.argv) > 3 else 300
SLOW = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
SOURCES = ["127.0.0.%d" % i for i in range(2, 18)]
TARGET = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails"
u = urllib.parse.urlparse(endpoint)
key = secret = None
for line in open(cred_file):
    if "=" in line:
        k, v = (x.strip() for x in line.split("=", 1))
        key = v if k == "aws_access_key_id" and key is None else key
        secret = v if k == "aws_secret_access_key" and secret is None else secret


def legit_once():
    req = AWSRequest(method="POST", url=endpoint + "/", data=b"{}",
                     headers={"X-Amz-Target": TARGET, "Content-Type": "application/x-amz-json-1.1"})
    SigV4Auth(Credentials(key, secret), "cloudtrail", "us-east-1").add_auth(req)
    t = time.perf_counter()
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    try:
        conn.request("POST", "/", body=b"{}", headers=dict(req.headers))
        r = conn.getresponse()
        r.read()
        ok = r.status == 200
    except OSError:
        ok = False
    conn.close()
    return time.perf_counter() - t, ok


def measure(label, seconds=0):
    """REQUESTS requests, and more until `seconds` have passed."""
    lat, failed = [], 0
    end = time.time() + seconds
    while len(lat) < REQUESTS or time.time() < end:
        dt, ok = legit_once()
        lat.append(dt)
        failed += not ok
        time.sleep(0.01)
    lat.sort()
    pct = lambda p: lat[min(len(lat) - 1, int(p / 100 * len(lat)))] * 1000
    print("%-28s %5d requests  failed %4d  p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms"
          % (label, len(lat), failed, pct(50), pct(99), lat[-1] * 1000), flush=True)


class Attack(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.stop = False
        self.sel = selectors.DefaultSelector()
        self.held = 0
        self.reconnects = 0

    def open_one(self):
        s = socket.socket()
        s.bind((random.choice(SOURCES), 0))
        s.setblocking(False)
        s.connect_ex((u.hostname, u.port))
        self.sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, [0])

    def run(self):
        for _ in range(SLOW):
            self.open_one()
        next_drip = time.time() + 5
        while not self.stop:
            for k, ev in self.sel.select(timeout=0.2):
                s, state = k.fileobj, k.data
                if ev & selectors.EVENT_WRITE and state[0] == 0:   # connected: start the request
                    try:
                        s.send(b"GET / HTTP/1.1\r\nHost: x\r\nX-0: x\r\n")
                        state[0] = 1
                        self.sel.modify(s, selectors.EVENT_READ, state)
                        continue
                    except OSError:
                        pass
                elif ev & selectors.EVENT_READ:
                    try:
                        if s.recv(4096):
                            continue
                    except OSError:
                        pass
                else:
                    continue
                self.sel.unregister(s)   # cut or refused: come back at once
                s.close()
                self.reconnects += 1
                self.open_one()
            if time.time() >= next_drip:
                for k in list(self.sel.get_map().values()):
                    if k.data[0]:
                        try:
                            k.fileobj.send(b"X-1: x\r\n")
                        except OSError:
                            pass
                next_drip = time.time() + 5
            self.held = sum(1 for k in self.sel.get_map().values() if k.data[0])


soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
measure("no attack")
a = Attack()
a.start()
time.sleep(3)
print("attack: %d slow connections held from %d addresses" % (a.held, len(SOURCES)), flush=True)
# long enough for the header deadline (20 s) to cut the attack and the attacker to come back
measure("under %d-conn. slowloris" % SLOW, seconds=60)
print("attack: %d held at the end, %d cut/refused and reopened" % (a.held, a.reconnects))
a.stop = True
a.join()

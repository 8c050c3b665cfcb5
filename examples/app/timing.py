#!/usr/bin/env python3
"""How long a wrong password and an unknown username take at POST /token (they must
not tell an attacker which usernames exist). Standard library only.

    python3 examples/app/timing.py [N]        # N requests of each kind, default 50

Starts the built `app` binary (APP, default target/release/app, else target/debug/app) on a
free port with a fresh database in a temporary folder, registers N users, then sends, in
random order, one wrong password for each of them (one failure per username: below the rate
limit) and one login for each of N usernames that do not exist, over one keep-alive connection.
Prints the answers' statuses and bodies (which must be identical) and the latency of each
kind: median, mean, 10th and 90th percentile, in milliseconds.
"""

import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def binary():
    if "APP" in os.environ:
        return os.environ["APP"]
    for profile in ("release", "debug"):
        path = os.path.join(ROOT, "target", profile, "app")
        if os.path.exists(path):
            return path
    sys.exit("no target/{release,debug}/app: run `cargo build --release -p jwt-auth-app`")


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    folder = tempfile.mkdtemp(prefix="jwt-auth-app-timing-")
    env = dict(
        os.environ,
        HOST="127.0.0.1",
        PORT="0",
        JWT_SECRET="timing.py: an HS256 secret of at least 32 bytes",
        DATABASE_URL=f"sqlite://{folder}/app.db?mode=rwc",
        # One client registers and logs in 3N times: out of the per-client quotas' way.
        LOGINS_PER_MINUTE="1000000",
        REGISTRATIONS_PER_HOUR="1000000",
    )
    program = binary()
    server = subprocess.Popen([program], env=env, stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        host, port = line.split("listening on http://")[1].strip().rsplit(":", 1)
        connection = http.client.HTTPConnection(host, int(port))

        def post(path, body, content_type):
            connection.request("POST", path, body, {"content-type": content_type})
            response = connection.getresponse()
            return response.status, response.read()

        for i in range(n):
            body = json.dumps({"username": f"user-{i}", "password": f"right password {i}"})
            status, _ = post("/register", body, "application/json")
            assert status == 201, status

        attempts = [("wrong password", f"user-{i}") for i in range(n)]
        attempts += [("unknown user", f"ghost-{i}") for i in range(n)]
        random.shuffle(attempts)
        timings = {"wrong password": [], "unknown user": []}
        answers = {"wrong password": set(), "unknown user": set()}
        for kind, username in attempts:
            form = urllib.parse.urlencode(
                {"grant_type": "password", "username": username, "password": "not it at all"}
            )
            start = time.perf_counter()
            status, body = post("/token", form, "application/x-www-form-urlencoded")
            timings[kind].append((time.perf_counter() - start) * 1000)
            answers[kind].add((status, body))

        print(f"{program}, {n} requests of each kind, in random order")
        for kind in timings:
            print(f"  {kind:15} answers: {sorted(answers[kind])}")
        same = answers["wrong password"] == answers["unknown user"]
        print(f"  identical answers: {same}")
        print(f"  {'kind':15} {'median':>8} {'mean':>8} {'p10':>8} {'p90':>8}  (ms)")
        for kind, values in timings.items():
            deciles = statistics.quantiles(values, n=10)
            print(
                f"  {kind:15} {statistics.median(values):8.2f} {statistics.mean(values):8.2f}"
                f" {deciles[0]:8.2f} {deciles[-1]:8.2f}"
            )
        difference = statistics.median(timings["unknown user"]) - statistics.median(
            timings["wrong password"]
        )
        print(f"  median difference (unknown - wrong): {difference:+.2f} ms")
        return 0 if same else 1
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

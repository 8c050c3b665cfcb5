#!/usr/bin/env python3
"""A flood of logins for made-up usernames against POST /token, and what it does to the app's
memory and to a real user's login. Standard library only; Linux (reads /proc).

    python3 examples/app/flood.py [--seconds 15] [--clients 64] [--sources 1] [--quiet 5]

Builds the app in release mode (`cargo build --release -p jwt-auth-app`; skipped when APP names
a binary), starts it on a free port with a fresh database in a temporary folder and its default
settings, and registers one real user. Then `--clients` threads send password grants for
usernames that do not exist (each a new one, so no per-username limit applies), as fast as the
answers come, for `--seconds`, from `--sources` loopback addresses (127.0.1.1, 127.0.1.2, ...:
one address is one attacker, 64 of them a botnet); meanwhile the real user logs in once a second
from 127.0.0.2. Prints the app's resident memory (before, the peak: VmHWM, and after `--quiet`
seconds without requests), the real login's latencies during the flood (median and max) and its
answers, and how the flood was answered (200, 400, 429, 503, other).

Every request goes to 127.0.0.0/8 on this machine; the flood stops by itself.
"""

import argparse
import collections
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REAL_USER = ("ada", "correct horse battery")
REAL_SOURCE = "127.0.0.2"


def binary():
    if "APP" in os.environ:
        return os.environ["APP"]
    subprocess.run(
        ["cargo", "build", "--release", "-p", "jwt-auth-app"], cwd=ROOT, check=True
    )
    return os.path.join(ROOT, "target", "release", "app")


def status_kib(pid, field):
    """A `VmRSS`-like field of /proc/<pid>/status, in KiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def mib(kib):
    return f"{kib / 1024:.1f} MiB"


class Client:
    """One keep-alive connection from `source`, opened again when the server closes it."""

    def __init__(self, port, source):
        self.port = port
        self.source = source
        self.connection = None

    def post(self, path, body, content_type):
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=60, source_address=(self.source, 0)
                )
            try:
                self.connection.request("POST", path, body, {"content-type": content_type})
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    return None, b""
        return None, b""

    def login(self, username, password):
        form = urllib.parse.urlencode(
            {"grant_type": "password", "username": username, "password": password}
        )
        return self.post("/token", form, "application/x-www-form-urlencoded")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--sources", type=int, default=1, help="attacker addresses")
    parser.add_argument("--quiet", type=float, default=5, help="seconds before 'after'")
    args = parser.parse_args()
    if not 1 <= args.sources <= 250:
        sys.exit("--sources: 1 to 250")

    program = binary()
    folder = tempfile.mkdtemp(prefix="jwt-auth-app-flood-")
    env = dict(
        os.environ,
        HOST="127.0.0.1",
        PORT="0",
        JWT_SECRET="flood.py: an HS256 secret of at least 32 bytes",
        DATABASE_URL=f"sqlite://{folder}/app.db?mode=rwc",
    )
    server = subprocess.Popen([program], env=env, stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        port = int(line.split("listening on http://")[1].strip().rsplit(":", 1)[1])
        pid = server.pid
        real = Client(port, REAL_SOURCE)
        username, password = REAL_USER
        body = json.dumps({"username": username, "password": password})
        status, answer = real.post("/register", body, "application/json")
        assert status == 201, (status, answer)
        status, answer = real.login(username, password)
        assert status == 200, (status, answer)
        time.sleep(1)
        before = status_kib(pid, "VmRSS")

        stop = threading.Event()
        counts = collections.Counter()
        counts_lock = threading.Lock()

        def flood(index):
            client = Client(port, f"127.0.1.{index % args.sources + 1}")
            seen = collections.Counter()
            n = 0
            while not stop.is_set():
                n += 1
                status, _ = client.login(f"ghost-{index}-{n}", "not the password")
                seen[status if status in (200, 400, 429, 503) else "other"] += 1
            with counts_lock:
                counts.update(seen)

        latencies = []
        real_answers = collections.Counter()

        def real_logins():
            while not stop.is_set():
                started = time.perf_counter()
                status, _ = real.login(username, password)
                elapsed = time.perf_counter() - started
                real_answers[status] += 1
                if status == 200:
                    latencies.append(elapsed * 1000)
                stop.wait(max(0.0, 1.0 - elapsed))

        peak_threads = 0

        def sample():
            nonlocal peak_threads
            while not stop.is_set():
                try:
                    peak_threads = max(peak_threads, status_kib(pid, "Threads"))
                except (OSError, KeyError):
                    return
                stop.wait(0.1)

        threads = [threading.Thread(target=flood, args=(i,)) for i in range(args.clients)]
        threads += [threading.Thread(target=real_logins), threading.Thread(target=sample)]
        for thread in threads:
            thread.start()
        time.sleep(args.seconds)
        stop.set()
        for thread in threads:
            thread.join()
        flood_done = time.perf_counter()
        time.sleep(args.quiet)
        after = status_kib(pid, "VmRSS")
        peak = status_kib(pid, "VmHWM")
        started = time.perf_counter()
        status, _ = real.login(username, password)
        real_after = (time.perf_counter() - started) * 1000

        print(
            f"{program}: {os.cpu_count()} cores; {args.clients} clients from "
            f"{args.sources} address(es) for {args.seconds:g} s"
        )
        print(f"  RSS before the flood:        {mib(before)}")
        print(f"  RSS peak (VmHWM):            {mib(peak)}")
        print(f"  RSS {args.quiet:g} s after the flood:".ljust(31) + mib(after))
        print(f"  threads, most seen:          {peak_threads}")
        flood_counts = ", ".join(
            f"{key}: {counts[key]}" for key in (200, 400, 429, 503, "other")
        )
        print(f"  flood answers:               {flood_counts} (total {sum(counts.values())})")
        if latencies:
            print(
                f"  real login during the flood: median {statistics.median(latencies):.0f} ms,"
                f" max {max(latencies):.0f} ms ({len(latencies)} logins)"
            )
        print(f"  real login answers:          {dict(sorted(real_answers.items(), key=str))}")
        print(
            f"  real login after the flood:  {status}, {real_after:.0f} ms"
            f" ({time.perf_counter() - flood_done:.0f} s after)"
        )
        return 0
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

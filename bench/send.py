"""client.update_order against plain requests loops, 2,000 updates one after another.

The sandbox runs in a separate process with no latency. Measured in the same run:
  (a) a naive loop of requests.post(url, json=body, auth=...) (a new connection each time);
  (b) a bare requests.Session().post loop (keep-alive, no validation, no DataFrame).
Goal (issue 3): client.update_order (validating every body, returning a one-row DataFrame)
within 1.3x of (b), and faster than (a).
"""
from __future__ import annotations

import subprocess
import sys
import time

import requests

import kapture_nb as kn
from kapture_nb.schema import ENDPOINT, documented_example

N = 2_000
PORT = 8791


def bodies(n: int) -> list[dict]:
    example = documented_example()
    out = []
    for i in range(n):
        body = {section: (value.copy() if isinstance(value, dict) else value) for section, value in example.items()}
        body["order_info"] = dict(example["order_info"], remarks=f"bench {i}")
        out.append(body)
    return out


def timed(label: str, func, items: list) -> float:
    start = time.perf_counter()
    for item in items:
        func(item)
    seconds = time.perf_counter() - start
    print(f"{label:<40} {seconds:7.2f} s  {seconds / len(items) * 1000:6.3f} ms/update")
    return seconds


def main() -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "kapture_nb.cli", "sandbox", "--port", str(PORT)],
        stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,  # no terminal: no password prompt
    )
    try:
        server.stdout.readline()
        base = f"http://127.0.0.1:{PORT}"
        url = base + ENDPOINT
        items = bodies(N)
        session = requests.Session()
        client = kn.KaptureClient(base_url=base, username="demo", password="demo")
        for body in items[:50]:  # warm both ends up
            session.post(url, json=body, auth=("demo", "demo"))
            client.update_order(body)
        print(f"{N} updates, sandbox in a separate process, no latency")
        naive = timed("(a) requests.post loop", lambda b: requests.post(url, json=b, auth=("demo", "demo")), items)
        bare = timed("(b) requests.Session().post loop", lambda b: session.post(url, json=b, auth=("demo", "demo")), items)
        ours = timed("client.update_order (validates, frames)", client.update_order, items)
        checked = client.update_order(items[0]).iloc[0]
        assert checked["ok"], checked["error"]
        print(f"client vs bare Session: {ours / bare:.2f}x the time (goal <= 1.3x)")
        print(f"client vs naive loop:   {naive / ours:.2f}x faster (goal > 1x)")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()

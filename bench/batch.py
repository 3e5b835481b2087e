"""update_orders(concurrency=8) against a sequential requests.post loop: 1,000 rows, 20 ms latency.

The sandbox runs in a separate process, holds the 1,000 orders (one row each: rows of one order
would go out one after another), and answers every request 20 ms after it arrived.
update_orders runs as a user calls it (progress bar on; the DataFrame mapped, every row
validated), three times: the first on cold connections; the median counts. Measured in the
same run: a naive sequential loop of requests.post, and the floor of the transport itself:
8 threads, each posting its share of the bodies through its own requests.Session, nothing
else (no mapping, validation, journal, progress or result rows; median of three). Goal: at
least 6x faster than the naive loop, and at least 90% of the limit N x latency / concurrency
(the time if only latency counted).
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import threading
import time

import pandas as pd
import requests

import kapture_nb as kn
from kapture_nb.schema import ENDPOINT

N, LATENCY_MS, CONCURRENCY, PORT, REPEAT = 1_000, 20, 8, 8792, 3
FIRST = 40_000_000
SERVE = f"""
import sys
import kapture_nb as kn
orders = [{{"customer_info": {{"customer_name": "ABC"}}, "order_info": {{"order_id": str({FIRST} + i)}}}} for i in range({N})]
sandbox = kn.Sandbox(orders=orders, latency={LATENCY_MS} / 1000, port={PORT}).start()
print("ready", flush=True)
sandbox.serve_forever()
"""


def _threaded(base: str, bodies: list[dict[str, object]]) -> float:
    """Seconds for CONCURRENCY threads to post every body, each thread its share through its own Session."""

    def post_share(share: list[dict[str, object]]) -> None:
        with requests.Session() as session:
            session.auth = ("demo", "demo")
            for body in share:
                session.post(base + ENDPOINT, json=body, timeout=30).raise_for_status()

    threads = [threading.Thread(target=post_share, args=(bodies[k::CONCURRENCY],)) for k in range(CONCURRENCY)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start


def main() -> None:
    server = subprocess.Popen([sys.executable, "-c", SERVE], stdout=subprocess.PIPE, text=True)
    try:
        server.stdout.readline()
        base = f"http://127.0.0.1:{PORT}"
        frame = pd.DataFrame({"order_info.order_id": [str(FIRST + i) for i in range(N)],
                              "order_info.remarks": [f"row {i}" for i in range(N)],
                              "customer_info.customer_name": "ABC"})
        client = kn.KaptureClient(base_url=base, username="demo", password="demo")
        bodies = kn.FieldMapping({c: c for c in frame.columns}).to_bodies(frame)

        runs = []
        for _ in range(REPEAT):
            start = time.perf_counter()
            results = client.update_orders(frame, concurrency=CONCURRENCY)
            runs.append(time.perf_counter() - start)
            assert results["ok"].all(), results.loc[~results["ok"], "error"].head()
        ours = statistics.median(runs)

        start = time.perf_counter()
        for body in bodies:
            requests.post(base + ENDPOINT, json=body, auth=("demo", "demo"), timeout=30)
        naive = time.perf_counter() - start
        bare = statistics.median(_threaded(base, bodies) for _ in range(REPEAT))

        limit = N * LATENCY_MS / 1000 / CONCURRENCY
        lines = [
            f"{N} rows, sandbox latency {LATENCY_MS} ms, separate process",
            f"update_orders(concurrency={CONCURRENCY}): {ours:6.2f} s (median of {', '.join(f'{r:.2f}' for r in runs)})",
            f"sequential requests.post loop:    {naive:6.2f} s",
            f"ratio: {naive / ours:.1f}x faster (goal >= 6x)",
            f"limit N x latency / concurrency = {limit:.2f} s; reached {limit / ours:.0%} of it (goal >= 90%)",
            f"bare threads ({CONCURRENCY} requests.Sessions, nothing else): {bare:6.2f} s, {limit / bare:.0%} of the limit; "
            f"update_orders takes {ours / bare:.2f}x their time",
        ]
        for line in lines:
            print(line)
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()

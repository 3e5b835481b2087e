"""update_orders(concurrency=8) against a sequential requests.post loop: 1,000 rows, 20 ms latency.

The sandbox runs in a separate process, holds the 1,000 orders (one row each: rows of one order
would go out one after another), and answers every request 20 ms after it arrived.
update_orders runs as a user calls it (progress bar on; the DataFrame mapped, every row
validated), three times: the first on cold connections; the median counts. Measured in the
same run: a naive sequential loop of requests.post. Goal: at least 6x faster, and at least
90% of the limit N x latency / concurrency (the time if only latency counted).
"""
from __future__ import annotations

import statistics
import subprocess
import sys
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

        limit = N * LATENCY_MS / 1000 / CONCURRENCY
        lines = [
            f"{N} rows, sandbox latency {LATENCY_MS} ms, separate process",
            f"update_orders(concurrency={CONCURRENCY}): {ours:6.2f} s (median of {', '.join(f'{r:.2f}' for r in runs)})",
            f"sequential requests.post loop:    {naive:6.2f} s",
            f"ratio: {naive / ours:.1f}x faster (goal >= 6x)",
            f"limit N x latency / concurrency = {limit:.2f} s; reached {limit / ours:.0%} of it (goal >= 90%)",
        ]
        for line in lines:
            print(line)
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()

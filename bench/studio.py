"""The mapping studio (issue 15): an edit's time to the updated problem counts, against checking from scratch; opening.

On a messy export of 10,000 rows x 15 text columns (bench/suggest.py's), the studio opens with kn.suggest_mapping's
proposals. Then, for every column, as an analyst would in the Columns tab: its target set to "not sent" and back,
its converter set to "as is" and back (60 edits). Each edit is timed from setting the widget's value to the
studio's updated counts (``studio.wait()``: the mapping rebuilt from the inputs, LiveCheck re-run, the title and
the problems view redrawn). The baseline, measured in the same run: ``mapping.validate`` on the whole frame, what
an edit would cost if everything were checked again. Goal: median under 150 ms.

Then the studio is opened on 100,000 rows: goal under 3 s to a usable widget (suggestions read a sample; the first
check runs in the background); the time until its first counts is printed too.
"""
from __future__ import annotations

import statistics
import time

from suggest import make_messy  # bench/ is the script's folder: its sibling benchmark

import kapture_nb as kn
from kapture_nb.studio.columns import AS_IS, NOT_SENT

ROWS, BIG, GOAL_MS, OPEN_GOAL = 10_000, 100_000, 150, 3.0


def _timed(studio: kn.MappingStudio, widget: object, value: object) -> float:
    start = time.perf_counter()
    widget.value = value  # type: ignore[attr-defined]
    studio.wait()
    return time.perf_counter() - start


def main() -> None:
    df = make_messy(ROWS)
    start = time.perf_counter()
    studio = kn.MappingStudio(df)
    studio.wait()
    first = time.perf_counter() - start
    times = []
    for label, row in studio.columns.items():
        target, converter, options = row.target.value, row.converter.value, row.options.value
        times.append((_timed(studio, row.target, NOT_SENT), f"{label}: not sent"))
        times.append((_timed(studio, row.target, target), f"{label}: back to {target}"))
        times.append((_timed(studio, row.converter, AS_IS), f"{label}: as is"))
        times.append((_timed(studio, row.converter, converter), f"{label}: back to {converter}"))
        assert row.options.value == options, (label, row.options.value, options)  # the detected options come back
    full_runs = []
    for _ in range(3):
        start = time.perf_counter()
        studio.mapping.validate(df)
        full_runs.append(time.perf_counter() - start)
    full = statistics.median(full_runs)
    median = statistics.median(t for t, _ in times)
    slowest = max(times)

    big = make_messy(BIG)
    start = time.perf_counter()
    opened = kn.MappingStudio(big)
    usable = time.perf_counter() - start
    opened.wait()
    counted = time.perf_counter() - start

    print(f"{ROWS:,} rows x {len(df.columns)} columns: opened and first counts in {first:.2f} s; {len(times)} edits")
    print(f"edit -> counts: median {median * 1000:.0f} ms (goal < {GOAL_MS} ms)")
    print(f"slowest edit: {slowest[0] * 1000:.0f} ms ({slowest[1]})")
    print(f"from scratch (mapping.validate on the whole frame): {full:.2f} s (median of 3)")
    print(f"ratio: an edit takes {median / full:.3f}x the time of checking from scratch ({full / median:.0f}x faster)")
    print(f"{BIG:,} rows: usable after {usable:.2f} s (goal < {OPEN_GOAL:.0f} s); first counts after {counted:.1f} s")


if __name__ == "__main__":
    main()

"""kn.validate against jsonschema, on 10,000 distinct bodies (90% valid, 10% invalid).

Baselines, measured in the same run:
  (a) jsonschema.validate(body, schema) per body, as a notebook user would write it
      (it checks the schema and builds a validator on every call, so it is timed on a sample);
  (b) a cached jsonschema Draft7Validator's iter_errors.
Goal (issue 2): at least 300x faster than (a) and 10x faster than (b) on valid bodies.
"""
from __future__ import annotations

import contextlib
import copy
import json
import random
import time
from pathlib import Path

import jsonschema

import kapture_nb as kn

ROOT = Path(__file__).resolve().parent.parent
N_BODIES, SAMPLE_A = 10_000, 300


def make_bodies(n: int, seed: int = 7) -> tuple[list[dict], list[dict]]:
    rng = random.Random(seed)
    example = json.loads((ROOT / "schemas/examples/documented_example.json").read_text())
    broken = [json.loads(p.read_text())["body"] for p in sorted((ROOT / "schemas/examples/invalid").glob("*.json"))]
    valid, invalid = [], []
    for i in range(n):
        if i % 10 == 9:
            body = copy.deepcopy(rng.choice(broken))
            if isinstance(body, dict) and isinstance(body.get("customer_info"), dict):
                body["customer_info"]["remarks"] = f"row {i}"
            invalid.append(body)
            continue
        body = copy.deepcopy(example)
        body["customer_info"]["customer_name"] = f"Customer {i}"
        body["customer_info"]["phone"] = f"0{rng.randrange(10**9, 10**10)}"
        body["order_info"]["order_id"] = str(23_000_000 + i) if i % 2 else 23_000_000 + i
        body["order_info"]["associate_fields"] = {"delivery_slot": rng.choice(["am", "pm"]), "priority": i % 5}
        valid.append(body)
    return valid, invalid


def per_body(func, bodies: list, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for body in bodies:
            func(body)
        best = min(best, (time.perf_counter() - start) / len(bodies))
    return best


def naive(body: dict, schema: dict) -> None:
    with contextlib.suppress(jsonschema.ValidationError):
        jsonschema.validate(body, schema)


def main() -> None:
    schema = kn.load_schema()
    valid, invalid = make_bodies(N_BODIES)
    cached = jsonschema.Draft7Validator(schema)
    assert all(kn.validate(b).ok for b in valid) and not any(kn.validate(b).ok for b in invalid)

    ours_valid = per_body(kn.validate, valid)
    ours_invalid = per_body(kn.validate, invalid)
    a_valid = per_body(lambda b: naive(b, schema), valid[:SAMPLE_A], repeat=1)
    b_valid = per_body(lambda b: list(cached.iter_errors(b)), valid, repeat=1)
    b_invalid = per_body(lambda b: list(cached.iter_errors(b)), invalid, repeat=1)

    us = 1e6
    lines = [
        f"bodies: {len(valid)} valid, {len(invalid)} invalid (baseline (a) timed on {SAMPLE_A} valid bodies)",
        f"kn.validate, valid:          {ours_valid * us:9.1f} us/body  -> {1 / ours_valid / 1000:.0f}k bodies/s",
        f"kn.validate, invalid:        {ours_invalid * us:9.1f} us/body  (every error, messages and paths)",
        f"(a) jsonschema.validate:     {a_valid * us:9.1f} us/body  -> ratio {a_valid / ours_valid:7.0f}x  (goal >= 300x)",
        f"(b) cached iter_errors:      {b_valid * us:9.1f} us/body  -> ratio {b_valid / ours_valid:7.1f}x  (goal >= 10x)",
        f"(b) cached, invalid bodies:  {b_invalid * us:9.1f} us/body  -> ratio {b_invalid / ours_invalid:7.2f}x",
        f"100,000 valid bodies would take {ours_valid * 100_000:.2f} s",
    ]
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()

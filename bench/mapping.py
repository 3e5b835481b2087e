"""FieldMapping.to_bodies on 100,000 rows x 10 mapped columns, against the loop a notebook would write.

Baseline, measured in the same run: df.iterrows() + copy.deepcopy(template) + a nested
dict set per mapped column. Goal (issue 4): at least 5x faster. Peak memory (tracemalloc)
is printed for both.

Then the same with converters (issue 13): a messy export read as text (ids with ``.0``, phones
with +91 and spaces, day-first dates, Yes/No, ``1,200``, ``Rs. 1,299.00``, slot spellings,
e-mails with capitals) mapped through kn.Digits, Phone, Date, Bool, Integer, Number, Choice and
Email, against iterrows + deepcopy + the same cleaning per cell with the same libraries
(phonenumbers, email-validator, strptime). Goal: at least 5x faster.
"""
from __future__ import annotations

import copy
import datetime as dt
import re
import time
import tracemalloc

import numpy as np
import pandas as pd

import kapture_nb as kn

N = 100_000
TARGETS = {
    "order_info.order_id": "order_id",
    "customer_info.customer_name": "name",
    "customer_info.phone": "phone",
    "customer_info.email_id": "email",
    "customer_info.city": "city",
    "contact_info.0.contact_person_phone": "phone",
    "order_info.invoice_no": "invoice",
    "order_info.invoice_date": "invoice_date",
    "order_info.associate_fields.delivery_slot": "slot",
    "order_info.associate_fields.quantity": "qty",
}


def make_frame(n: int, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "order_id": np.arange(23_000_000, 23_000_000 + n),
            "name": [f"Customer {i}" for i in range(n)],
            "phone": [f"0{p}" for p in rng.integers(10**9, 10**10, n)],
            "email": [f"c{i}@example.com" for i in range(n)],
            "city": rng.choice(["Pune", "Delhi", "Chennai", None], n),
            "invoice": [f"INV-{i:07d}" for i in range(n)],
            "invoice_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
            "slot": rng.choice(["morning", "evening"], n),
            "qty": rng.integers(1, 10, n),
        }
    )


def baseline(df: pd.DataFrame, template: dict) -> list[dict]:
    bodies = []
    for _, row in df.iterrows():
        body = copy.deepcopy(template)
        for path, column in TARGETS.items():
            node = body
            parts = path.split(".")
            for part in parts[:-1]:
                node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
            node[parts[-1]] = row[column]
        bodies.append(body)
    return bodies


MESSY_TARGETS = {
    "order_info.order_id": kn.Digits("Order No"),
    "customer_info.customer_name": "Cust Name",
    "customer_info.phone": kn.Phone("Mobile"),
    "customer_info.email_id": kn.Email("Email"),
    "order_info.invoice_date": kn.Date("Invoice Dt", dayfirst=True),
    "order_info.associate_fields.gift_wrap": kn.Bool("Gift Wrap?"),
    "order_info.associate_fields.quantity": kn.Integer("Qty"),
    "order_info.associate_fields.amount": kn.Number("Amount"),
    "order_info.associate_fields.delivery_slot": kn.Choice("Delivery Slot", ["morning", "evening"]),
}


def make_messy(n: int, seed: int = 7) -> pd.DataFrame:
    """An export as pd.read_csv(dtype=str) gives it: every cell text, every column with its usual mess."""
    rng = np.random.default_rng(seed)
    phones = rng.integers(6 * 10**9, 10**10, n)
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    return pd.DataFrame(
        {
            "Order No": [f"{i}.0" if i % 3 else f" {i} " for i in range(24_000_000, 24_000_000 + n)],
            "Cust Name": [f"Customer {i}" for i in range(n)],
            "Mobile": [f"+91 {p // 10**5} {p % 10**5:05d}" if p % 2 else f"0{p}" for p in phones],
            "Email": [f"C{i}@Example.com" for i in range(n)],
            "Invoice Dt": days.strftime("%d/%m/%Y"),
            "Gift Wrap?": rng.choice(["Yes", "No", "y", "N", "TRUE", "0"], n),
            "Qty": rng.choice(["1,200", "36.0", "7", "12"], n),
            "Amount": rng.choice(["Rs. 1,299.00", "₹499", "13,870.86", "250"], n),
            "Delivery Slot": rng.choice(["Morning", " morning ", "Evening (6-9 PM)", "evening"], n),
        }
    )


def clean_by_hand(df: pd.DataFrame, template: dict) -> list[dict]:
    """What a notebook writes without converters: a loop over rows, each cell cleaned with the same libraries."""
    import phonenumbers
    from email_validator import validate_email

    yes, no = {"yes", "y", "true", "1", "on"}, {"no", "n", "false", "0", "off"}
    bodies = []
    for _, row in df.iterrows():
        body = copy.deepcopy(template)
        body["order_info"]["order_id"] = re.sub(r"\.0$", "", row["Order No"].strip())
        body["customer_info"]["customer_name"] = row["Cust Name"]
        phone = phonenumbers.parse(row["Mobile"], "IN")
        assert phonenumbers.is_valid_number(phone)
        body["customer_info"]["phone"] = phonenumbers.national_significant_number(phone)
        email = row["Email"].strip().lower()
        validate_email(email, check_deliverability=False)
        body["customer_info"]["email_id"] = email
        body["order_info"]["invoice_date"] = dt.datetime.strptime(row["Invoice Dt"], "%d/%m/%Y").strftime("%Y-%m-%d")
        gift = row["Gift Wrap?"].strip().lower()
        assert gift in yes | no
        amount = re.sub(r"^(?:₹|rs\.?)\s*", "", row["Amount"].strip(), flags=re.I).replace(",", "")
        slot = row["Delivery Slot"].strip().lower().split()[0]
        assert slot in ("morning", "evening")
        body["order_info"]["associate_fields"] = {
            "gift_wrap": gift in yes,
            "quantity": int(float(row["Qty"].replace(",", ""))),
            "amount": float(amount) if "." in amount else int(amount),
            "delivery_slot": slot,
        }
        bodies.append(body)
    return bodies


def measure(func, *args) -> tuple[float, float, object]:
    tracemalloc.start()
    start = time.perf_counter()
    result = func(*args)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, peak, result


def main() -> None:
    df = make_frame(N)
    mapping = kn.FieldMapping(TARGETS, template="documented")  # the same shape as the baseline builds
    _, ours_peak, bodies = measure(mapping.to_bodies, df)
    _, theirs_peak, _ = measure(baseline, df, kn.template())
    # timing without tracemalloc's overhead, for the ratio
    start = time.perf_counter()
    mapping.to_bodies(df)
    ours_plain = time.perf_counter() - start
    start = time.perf_counter()
    baseline(df.iloc[: N // 5], kn.template())
    theirs_plain = (time.perf_counter() - start) * 5
    assert kn.validate(bodies[0]).ok and bodies[0]["order_info"]["order_id"] == 23_000_000
    lines = [
        f"{N:,} rows x {len(TARGETS)} mapped columns",
        f"FieldMapping.to_bodies:                  {ours_plain:6.2f} s  (peak {ours_peak:7.1f} MiB traced)",
        f"iterrows + deepcopy + nested set:        {theirs_plain:6.2f} s  "
        f"(peak {theirs_peak:7.1f} MiB traced; time from 1/5 of the rows)",
        f"ratio: {theirs_plain / ours_plain:.1f}x faster (goal >= 5x)",
    ]
    messy = make_messy(N)
    converting = kn.FieldMapping(MESSY_TARGETS)
    start = time.perf_counter()
    converted = converting.to_bodies(messy)
    ours_messy = time.perf_counter() - start
    start = time.perf_counter()
    by_hand = clean_by_hand(messy.iloc[: N // 5], kn.FieldMapping(MESSY_TARGETS).template)
    theirs_messy = (time.perf_counter() - start) * 5
    assert converted[: len(by_hand)] == by_hand, "the converters and the hand-written cleaning disagree"
    start = time.perf_counter()
    kn.Phone("Mobile").convert(messy["Mobile"])
    phones = time.perf_counter() - start
    lines += [
        "",
        f"{N:,} messy rows (text cells) x {len(MESSY_TARGETS)} mapped columns, 8 of them through converters",
        f"FieldMapping.to_bodies with converters:  {ours_messy:6.2f} s",
        f"iterrows + deepcopy + cleaning per cell: {theirs_messy:6.2f} s  (time from 1/5 of the rows)",
        f"ratio: {theirs_messy / ours_messy:.1f}x faster (goal >= 5x)",
        f"of which kn.Phone: {phones:.2f} s for {messy['Mobile'].nunique():,} distinct numbers (libphonenumber's validity "
        "check of each; its parse() only for the less common shapes)",
    ]
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()

"""How long `import kapture_nb` and `kapture-nb --help` take, against baselines measured in the same run.

Goals: `import kapture_nb` within 1.3x of `import pandas, requests`; `kapture-nb --help` within 0.4 s of
`python -c "import pandas"`. Each command runs in a fresh interpreter, the commands take turns (so a
noisy moment hits all of them), and the median of the runs counts. Also lists which heavy optional
modules each entry point loads (none of ipywidgets, IPython, tqdm or jsonschema should be there).
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = 9
HEAVY = ("ipywidgets", "IPython", "tqdm", "jsonschema")


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("kapture-nb")
    return [str(script)] if script.exists() else [sys.executable, "-m", "kapture_nb.cli"]


COMMANDS = {
    "import pandas, requests": [sys.executable, "-c", "import pandas, requests"],
    "import kapture_nb": [sys.executable, "-c", "import kapture_nb"],
    "import pandas": [sys.executable, "-c", "import pandas"],
    "kapture-nb --help": [*_cli(), "--help"],
}


def _seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def _loaded(statement: str) -> list[str]:
    probe = f"import sys; {statement}; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    return done.stdout.split()


def main() -> None:
    for command in COMMANDS.values():  # warm the file cache and the .pyc files
        _seconds(command)
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(RUNS):
        for name, command in COMMANDS.items():
            times[name].append(_seconds(command))
    median = {name: statistics.median(values) for name, values in times.items()}
    for name, value in median.items():
        print(f"{name:<26} {value * 1000:7.0f} ms  (median of {RUNS})")
    ratio = median["import kapture_nb"] / median["import pandas, requests"]
    extra = median["kapture-nb --help"] - median["import pandas"]
    print(f"import kapture_nb / import pandas, requests: {ratio:.2f}x (goal <= 1.3x)")
    print(f"kapture-nb --help - import pandas: {extra * 1000:+.0f} ms (goal <= +400 ms)")
    for statement in ("import kapture_nb", "import kapture_nb.sandbox", "import kapture_nb.cli"):
        print(f"{statement}: loads {', '.join(_loaded(statement)) or 'none'} of {', '.join(HEAVY)}")


if __name__ == "__main__":
    main()

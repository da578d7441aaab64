"""The long fuzzing run: every property in ``tests/fuzz`` with 3,000 examples each.

Run: ``python benchmarks/bench_fuzz.py`` (≈ 5 minutes on 2 cores; CI runs 120 examples
per property). Runs pytest under ``HYPOTHESIS_PROFILE=fuzz`` with hypothesis' statistics,
counts the cases each property tried, and writes the ``fuzz`` section of
docs/benchmarks.md. A hang would end the run at its timeout, and is reported as one.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from _report import write_section

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:logging",
         "--hypothesis-show-statistics", "tests/fuzz"],
        cwd=ROOT, env=os.environ | {"HYPOTHESIS_PROFILE": "fuzz"}, capture_output=True,
        text=True, timeout=3600,
    )  # fmt: skip
    minutes = (time.perf_counter() - started) / 60
    rows, total = [], 0
    for name, block in re.findall(r"tests/fuzz/\S+::(\w+):\n(.*?)(?=\n\S|\Z)", result.stdout, re.S):
        counts = [tuple(map(int, m)) for m in re.findall(r"(\d+) passing, (\d+) failing", block)]
        passing, failing = sum(c[0] for c in counts), sum(c[1] for c in counts)
        total += passing + failing
        rows.append(f"| `{name}` | {passing:,} | {failing} |")
    verdict = "all properties held" if result.returncode == 0 else "**a property failed**"
    write_section(
        "fuzz",
        "\n".join(
            [
                "## Fuzzing (hypothesis, `tests/fuzz`)",
                "",
                "Configs (mappings and raw bytes), damaged NIfTI/TIFF/PNG files, arrays of any "
                "shape/dtype/content into the PairSet builders, label pairs into the metrics, "
                "score lists into the statistics. Each case must give a valid result or one "
                "line saying what is wrong.",
                "",
                "| property | cases passed | cases failed |",
                "|---|---|---|",
                *rows,
                "",
                f"**{total:,} cases in {minutes:.1f} min: {verdict}.** (Invalid cases — "
                "draws hypothesis rejected itself — are not counted.)",
            ]
        ),
    )
    if result.returncode:
        print(result.stdout[-5000:])
        sys.exit(1)


if __name__ == "__main__":
    main()

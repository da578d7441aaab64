"""Writing benchmark results into ``docs/benchmarks.md`` with the machine and date."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

import torch

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def machine() -> str:
    """One line that says where the numbers come from."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else "no GPU"
    return (
        f"{cpu}, {os.cpu_count()} cores, {gpu}; torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads; {time.strftime('%Y-%m-%d')}"
    )


def write_section(key: str, markdown: str) -> None:
    """Replace (or append) the block between ``<!-- bench:key -->`` markers."""
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    block = (
        f"<!-- bench:{key} -->\n{markdown.strip()}\n\n_Machine: {machine()}_\n<!-- /bench:{key} -->"
    )
    pattern = re.compile(rf"<!-- bench:{key} -->.*?<!-- /bench:{key} -->", re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else f"{text}\n{block}\n"
    DOC.write_text(text)
    print(markdown)


def run_child(code: str, *args: object) -> dict:
    """Run ``code`` in a fresh interpreter (its own peak memory) and parse the JSON it prints
    last."""
    out = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])

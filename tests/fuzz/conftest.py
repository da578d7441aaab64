"""Fuzzing budgets: a CI-sized default; ``HYPOTHESIS_PROFILE=fuzz`` for the long run
(``benchmarks/bench_fuzz.py``). No deadline: a slow example on a busy machine is not a
failure (a hang still is: the benchmark runs under a timeout)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "fuzz", max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

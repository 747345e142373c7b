"""Shared helpers for the benchmark scripts: timing medians and the JSON envelope."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable

import cv2
import numpy as np


def machine() -> dict:
    return {"cores": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__,
            "opencv": cv2.__version__, "platform": platform.platform()}


def median_time(fn: Callable[[], object], runs: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in seconds over ``runs`` runs, after ``warmup`` untimed runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def median_times(fns: dict[str, Callable[[], object]], runs: int = 5, warmup: int = 1) -> dict[str, float]:
    """Median wall time of each function, the functions taking turns run after run.

    Interleaving keeps a slow spell of a shared machine from landing on one side only.
    """
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    return {name: statistics.median(ts) for name, ts in times.items()}


def result(case: str, metric: str, value: float, *, baseline: str | None = None,
           baseline_value: float | None = None, runs: int = 1, higher_is_better: bool = False, **extra) -> dict:
    """One result row; ``ratio`` > 1 always means videotools is better than the baseline."""
    row = {"case": case, "metric": metric, "value": round(value, 4), "runs": runs}
    if baseline is not None and baseline_value is not None:
        row["baseline"] = baseline
        row["baseline_value"] = round(baseline_value, 4)
        if value and baseline_value:
            row["ratio"] = round(value / baseline_value if higher_is_better else baseline_value / value, 3)
    row.update(extra)
    return row


def emit(name: str, results: list[dict], **extra) -> None:
    doc = {"benchmark": name, "machine": machine(), "results": results, **extra}
    json.dump(doc, sys.stdout, indent=1)
    sys.stdout.write("\n")

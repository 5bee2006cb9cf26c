"""Percentiles, medians with their spread, and the figures the suite reports."""

from __future__ import annotations

import gc
import math
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@contextmanager
def quiet_collector() -> Iterator[None]:
    """No garbage-collector pauses in the measuring process while it times requests."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


@dataclass
class Figure:
    """One reported number: the median over runs, its min-max spread, and the target it is held to."""

    key: str
    label: str
    unit: str
    median: float
    low: float
    high: float
    runs: int
    target: str = ""
    passed: bool | None = None
    note: str = ""
    samples: list[float] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def figure(key: str, label: str, unit: str, samples: list[float], *, target: str = "",
           check=None, note: str = "", value: float | None = None) -> Figure:
    """Summarise samples (one per run) as a Figure; ``check(median) -> bool`` decides pass or fail.

    ``value`` replaces the median where the figure is one number over all runs (a p99 over a whole storm).
    """
    values = [v for v in samples if v is not None and not math.isnan(v)]
    if not values:
        return Figure(key, label, unit, math.nan, math.nan, math.nan, 0, target, False if check else None, note,
                      [])
    median = statistics.median(values) if value is None else value
    passed = bool(check(median)) if check else None
    return Figure(key, label, unit, median, min(values), max(values), len(values), target, passed, note,
                  [round(v, 4) for v in values])


def windows(records: list[dict], width: float) -> list[list[dict]]:
    """Records grouped by when they were sent, ``width`` seconds per group; a short last group joins the one before."""
    if not records:
        return []
    start = min(r["sent_at"] for r in records)
    groups: dict[int, list[dict]] = {}
    for record in records:
        groups.setdefault(int((record["sent_at"] - start) // width), []).append(record)
    ordered = [groups[i] for i in sorted(groups)]
    if len(ordered) > 1 and len(ordered[-1]) < len(ordered[0]) / 2:
        ordered[-2].extend(ordered.pop())
    return ordered

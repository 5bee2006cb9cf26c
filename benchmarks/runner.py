"""Runs the scenarios, prints the figures beside their targets and writes them to a JSON file."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from benchmarks import acks, memory, ratelimits, room, scaleout, stage, status, storm
from benchmarks.machine import describe
from benchmarks.report import table, write
from benchmarks.stage import ROOT, clear_proxies

RESULTS = ROOT / "benchmarks" / "results.json"

# Each scenario with its full and quick settings.
SETTINGS: dict[str, dict[str, dict]] = {
    "room": {"full": {"pairs": 5}, "quick": {"pairs": 2}},
    "acks": {"full": {"rooms": 4, "windows": 3, "seconds": 10.0, "rate": 100.0},
             "quick": {"rooms": 4, "windows": 2, "seconds": 5.0, "rate": 100.0}},
    "storm": {"full": {"alerts": 10_000, "rate": 500.0, "burst_size": 200, "capacity_runs": 3,
                       "capacity_alerts": 3000},
              "quick": {"alerts": 2500, "rate": 500.0, "burst_size": 100, "capacity_runs": 1,
                        "capacity_alerts": 1000, "rooms_timeout": None}},
    "status": {"full": {"repeats": 10}, "quick": {"repeats": 5}},
    "memory": {"full": {"alerts": 10_000}, "quick": {"alerts": 2000}},
    "limits": {"full": {"low": 50}, "quick": {"low": 50}},
    "scaleout": {"full": {"repeats": 3}, "quick": {"repeats": 1}},
}
RUNNERS: dict[str, Callable[..., dict]] = {"room": room.run, "acks": acks.run, "storm": storm.run,
                                           "status": status.run, "memory": memory.run, "limits": ratelimits.run,
                                           "scaleout": scaleout.run}


def load_average() -> list[float] | None:
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and a shorter storm (about a minute)")
    parser.add_argument("--only", action="append", choices=sorted(RUNNERS), metavar="SCENARIO",
                        help=f"run only this scenario ({', '.join(RUNNERS)}); repeatable")
    parser.add_argument("--out", type=Path, help=f"JSON file (default: {RESULTS.relative_to(ROOT)} for a full run, "
                                                 "a temporary file otherwise)")
    parser.add_argument("--keep", action="store_true", help="keep the working folder (databases, server logs)")
    parser.add_argument("--one-process", action="store_true",
                        help="serve the bot as one process (warroom serve --one-process), to compare with the split")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a figure misses its target")
    return parser.parse_args(argv)


def _stop_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so that every started server is stopped on the way out."""

    def stop(_signum, _frame):
        raise SystemExit(143)

    with contextlib.suppress(ValueError):  # not the main thread: leave the handler alone
        signal.signal(signal.SIGTERM, stop)


def run(names: list[str], mode: str, workdir: Path) -> tuple[list, dict, dict]:
    figures, details, errors = [], {}, {}
    for name in names:
        print(f"running {name} ({mode}) ...", flush=True)
        started = time.monotonic()
        try:
            result = RUNNERS[name](workdir / name, **SETTINGS[name][mode])
        except Exception as exc:  # one failing scenario must not hide the others' figures
            errors[name] = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            print(f"  {name} failed: {errors[name]}", flush=True)
            traceback.print_exc()
            continue
        figures += result["figures"]
        details[name] = {**result["details"], "settings": SETTINGS[name][mode],
                         "seconds": round(time.monotonic() - started, 1)}
        print(f"  done in {details[name]['seconds']} s", flush=True)
    return figures, details, errors


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark suite; 0 when every scenario ran (and, with --strict, met its targets)."""
    args = parse(argv)
    clear_proxies()
    _stop_on_sigterm()
    stage.SERVE_OPTIONS[:] = ["--one-process"] if args.one_process else []
    names = [name for name in RUNNERS if not args.only or name in args.only]
    mode = "quick" if args.quick else "full"
    complete = mode == "full" and len(names) == len(RUNNERS) and not args.one_process
    out = args.out or (RESULTS if complete else Path(tempfile.gettempdir()) / "warroom-bench-results.json")
    machine = describe(ROOT)
    workdir = Path(tempfile.mkdtemp(prefix="warroom-bench-"))
    started = time.time()
    try:
        figures, details, errors = run(names, mode, workdir)
    finally:
        if args.keep:
            print(f"working folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    load_at_end = load_average()
    results = {"suite": "warroom benchmarks", "mode": mode, "scenarios": names,
               "process_model": "one process" if args.one_process else "web and worker",
               "load_average_end": load_at_end,
               "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
               "duration_s": round(time.time() - started, 1), "machine": machine,
               "figures": [f.as_dict() for f in figures], "details": details, "errors": errors}
    write(out, results)
    print()
    print(table(figures))
    print(f"\nmachine: {machine['cpus']} x {machine['cpu_model']}, Python {machine['python']}, "
          f"load average (1, 5, 15 min) at start {machine['load_average']}, at the end {load_at_end}")
    print(f"results: {out}")
    for name, error in errors.items():
        print(f"{name} did not finish: {error}")
    missed = [f.label for f in figures if f.passed is False]
    return 1 if errors or (args.strict and missed) else 0

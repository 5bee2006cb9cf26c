"""Short-lived child processes of the bot: ``python -m <module>`` with this ``app`` importable in the child.

Work that would leave a long-running process large for good runs in one (the report's chart loads matplotlib;
the statement checks' word tries are built from simplemma's dicts) and exits, giving its memory back.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])  # the folder ``app`` is imported from


def run_module(module: str, *args: str, stdin: bytes | None = None,
               timeout: float) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m module args`` and wait for it (``subprocess.TimeoutExpired`` after ``timeout`` seconds,
    ``OSError`` when it cannot start); its exit status, output and errors, for the caller to read."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", module, *args], input=stdin, capture_output=True, timeout=timeout,
                          env=env, check=False)

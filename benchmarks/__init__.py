"""Benchmarks of the war-room bot: the real server in its own process against the fake Slack."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark suite with command-line arguments ``argv``; the exit status."""
    from benchmarks.runner import main as run

    return run(argv)


__all__ = ["main"]

"""Proactive monitoring: mentions in, per-minute rollups, signals that raise alerts through the intake."""

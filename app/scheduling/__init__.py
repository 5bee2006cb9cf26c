"""Scheduling infrastructure: jobs as rows with a due time, the sweep that runs them, the handler registry."""

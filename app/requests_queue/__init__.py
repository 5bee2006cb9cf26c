"""Slack requests the web role accepted and the worker role follows up: stored before the ack, claimed once."""

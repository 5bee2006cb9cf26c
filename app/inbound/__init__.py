"""Checks on requests that claim to come from Slack, made before anything in them is parsed or acted on."""

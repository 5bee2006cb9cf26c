"""The outbox: what Slack (or the publish webhook) must be told about a committed change, delivered from the
database at least once, across crashes and Slack outages."""

"""The worker processes as the web role sees them: each one's heartbeat row, and which are alive."""

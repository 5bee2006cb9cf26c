"""status package."""

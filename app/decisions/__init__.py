"""decisions package."""

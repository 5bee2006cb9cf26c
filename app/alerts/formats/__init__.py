"""Parsers for the alert webhook formats the intake accepts, one module per format."""

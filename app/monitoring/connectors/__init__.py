"""Pull connectors: fetch posts from a platform with its own maintained client library."""

"""Test support: real nats-server, databases built by the real migrations (pytest plugin)."""

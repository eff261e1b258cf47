"""Registry: organisations, API clients and tokens (clusters, leagues and responsibility follow)."""

"""Harness shared by the tests and the benchmarks: real crawls in subprocesses, a private redis-server."""

"""Benchmarks: `make bench` runs bench.run and writes docs/benchmarks.md."""

"""Benchmarks of the provider, run the production way (see docs/speed.md)."""

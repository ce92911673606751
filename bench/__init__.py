"""Benchmarks of the provider, run the production way (see README, "Speed")."""

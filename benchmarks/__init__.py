"""Benchmark scripts, their instance readers and peer solvers (not shipped with the product)."""

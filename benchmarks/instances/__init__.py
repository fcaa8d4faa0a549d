"""Readers and evaluators of public benchmark instances (VRPTW, home health care) for rounds."""

"""Homecare zone-commissioning optimiser: assignment, rounds, costing and the service layer."""

__version__ = "0.1.0"

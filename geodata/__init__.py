"""Geometry only: road networks, snapping, travel-time matrices, area boundaries, buildings."""

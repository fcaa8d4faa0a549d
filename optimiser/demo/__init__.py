"""The demo generator: a seeded demo area on Rutland's real geography, and synthetic instances."""

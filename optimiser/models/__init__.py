"""The pure computational core: integer instances, the CP-SAT assignment and the routing rounds."""

"""Checks that `make lint` runs on the code itself (room sizes)."""

"""veis_gen: VEIS-style synthetic urban scenes with exact per-instance labels."""
__version__ = "0.1.0"

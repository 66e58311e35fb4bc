"""Benchmark suites: the paper's Table 2 and the CPU proxy of it."""

"""Benchmark suites: the paper's Table 2, and sim2real (synthetic training, a real target such as CamVid)."""

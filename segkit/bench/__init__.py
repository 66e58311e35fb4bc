"""The benchmark suites' library code, behind the `segkit bench ...` commands: the paper's Table 2 (table2.py) and
sim2real (sim2real.py, its report in sim2real_report.py; synthetic training, a real target such as CamVid).

suite.py holds what both share (the cached stages of a row, settings checks, percentages), stages.py the cache,
charts.py every bar chart (the benchmarks/ scripts draw theirs with it too), targets.py each target's generator
settings. The repository's benchmarks/ folder is the other half: the scripts that run these suites (seeds, sweeps,
ablations, speed), their configs and their committed results.
"""

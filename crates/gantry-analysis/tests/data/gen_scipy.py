"""Reference p-values for gantry-analysis's Mann-Whitney U test, from SciPy.

Run with SciPy installed (the CI never runs it; the JSON it writes is
committed):  python3 crates/gantry-analysis/tests/data/gen_scipy.py

Each case: two samples and scipy.stats.mannwhitneyu(x, y,
alternative="two-sided", method="auto", use_continuity=True)'s U (of x)
and p-value, plus the method SciPy chose.
"""
import json
import pathlib
import random

import scipy
from scipy.stats import mannwhitneyu


def case(name, x, y):
    res = mannwhitneyu(x, y, alternative="two-sided", method="auto", use_continuity=True)
    n1, n2 = len(x), len(y)
    ties = len(set(x + y)) < n1 + n2
    method = "asymptotic" if (n1 > 8 and n2 > 8) or ties else "exact"
    return {"name": name, "x": x, "y": y, "u": float(res.statistic), "p": float(res.pvalue), "method": method}


rng = random.Random(20261201)
cases = [
    case("small exact, clear shift", [1.1, 2.2, 3.3, 4.4, 5.5], [6.1, 7.2, 8.3, 9.4, 10.5]),
    case("small exact, interleaved", [1.0, 3.0, 5.0, 7.0], [2.0, 4.0, 6.0, 8.0]),
    case("exact, one of 3 vs 20", [10.5, 11.5, 12.5], [float(i) + 0.25 for i in range(20)]),
    case("small with ties (asymptotic)", [1.0, 2.0, 2.0, 3.0, 4.0], [2.0, 3.0, 3.0, 5.0, 6.0]),
    case("error rates, many zeros", [0.0] * 20 + [0.01, 0.02], [0.0] * 12 + [0.3] * 10),
    case("identical", [0.5] * 10, [0.5] * 10),
]
for n, shift in [(10, 0.0), (30, 0.0), (30, 0.5), (60, 0.2), (100, 1.0), (200, 0.05)]:
    x = [round(rng.gauss(10.0 + shift, 1.0), 6) for _ in range(n)]
    y = [round(rng.gauss(10.0, 1.0), 6) for _ in range(n + 7)]
    cases.append(case(f"normal n={n} shift={shift}", x, y))
for n in (9, 25):
    x = [round(rng.expovariate(1 / 20.0), 3) for _ in range(n)]
    y = [round(rng.expovariate(1 / 25.0), 3) for _ in range(n)]
    cases.append(case(f"latency-like exponential n={n}", x, y))

out = pathlib.Path(__file__).with_name("mann_whitney_scipy.json")
out.write_text(json.dumps({"scipy": scipy.__version__, "cases": cases}, indent=1) + "\n")
print(f"wrote {len(cases)} cases to {out}")

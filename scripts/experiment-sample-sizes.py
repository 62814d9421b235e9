#!/usr/bin/python3
# Reference sample sizes for src/ml/experiments/sample-size.ts, computed once with statsmodels
# (NormalIndPower, proportion_effectsize) and committed as test/fixtures/experiments/sample-sizes.json.
# Run: /usr/bin/python3 scripts/experiment-sample-sizes.py > test/fixtures/experiments/sample-sizes.json
import json
import statsmodels
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

solver = NormalIndPower()
proportions = []
for baseline in (0.02, 0.1, 0.3, 0.5):
    for mde in (0.05, 0.1, 0.2):  # relative lift
        for alpha in (0.05, 0.01):
            for power in (0.8, 0.9):
                for ratio in (1.0, 0.25, 3.0):
                    treated = baseline * (1 + mde)
                    es = proportion_effectsize(treated, baseline)
                    n = solver.solve_power(effect_size=es, alpha=alpha, power=power, ratio=ratio,
                                           alternative="two-sided")
                    proportions.append(dict(baseline=baseline, mde=mde, alpha=alpha, power=power,
                                            ratio=ratio, effect_size=float(es), n_control=float(n)))
means = []
for mean, sd in ((10.0, 5.0), (100.0, 250.0), (2.5, 1.0)):
    for mde in (0.02, 0.05, 0.1):
        for alpha in (0.05, 0.01):
            for power in (0.8, 0.9):
                for ratio in (1.0, 0.5):
                    es = mean * mde / sd
                    n = solver.solve_power(effect_size=es, alpha=alpha, power=power, ratio=ratio,
                                           alternative="two-sided")
                    means.append(dict(mean=mean, sd=sd, mde=mde, alpha=alpha, power=power,
                                      ratio=ratio, effect_size=es, n_control=float(n)))
print(json.dumps(dict(source="statsmodels %s NormalIndPower.solve_power, proportion_effectsize" %
                      statsmodels.__version__, proportions=proportions, means=means), indent=1))

#!/usr/bin/python3
"""Makes test/fixtures/datasets: small, deterministic slices of the public datasets the learner tests use.
Usage: scripts/make-test-datasets.py SOURCE_DIR (the datasets folder with splits/) [OUT_DIR]."""
import os
import random
import shutil
import sys

src = sys.argv[1]
out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "../test/fixtures/datasets")
os.makedirs(os.path.join(out, "splits"), exist_ok=True)


def lines(path):
    with open(os.path.join(src, path), newline="") as f:
        return f.read().rstrip("\n").split("\n")


def write(path, rows):
    with open(os.path.join(out, path), "w", newline="") as f:
        f.write("\n".join(rows) + "\n")


# Small enough to ship whole.
for name in ["sklearn_iris.csv", "BostonHousing.csv"]:
    shutil.copyfile(os.path.join(src, name), os.path.join(out, name))

# Shuttle: a seeded 1-in-16 sample, original row order kept.
shuttle = lines("Shuttle.csv")
body = shuttle[1:]
keep = sorted(random.Random(16).sample(range(len(body)), len(body) // 16))
write("Shuttle.csv", [shuttle[0]] + [body[i] for i in keep])

# Chicago: every 25th day from the first, so the date column still starts at 2001-01-22.
chicago = lines("Chicago.csv")
write("Chicago.csv", [chicago[0]] + chicago[1::25])

# The fixed splits are already shuffled: their first rows are a random sample.
for name, n in [
    ("mlc_churn_train.csv", 700),
    ("mlc_churn_test.csv", 300),
    ("ames_train.csv", 160),
    ("ames_test.csv", 60),
]:
    rows = lines(os.path.join("splits", name))
    write(os.path.join("splits", name), rows[: n + 1])

# XGBoost's test-set predictions with the true label, every test row: the baselines stay the published ones.
for name in ["mlc_churn", "ames"]:
    labels = [r.split(",", 1)[0] for r in lines(os.path.join("splits", name + "_test.csv"))[1:]]
    preds = lines(os.path.join("splits", name + "_test.xgb.pred.txt"))
    assert len(labels) == len(preds), (name, len(labels), len(preds))
    write(os.path.join("splits", name + "_test.xgb-pred.csv"), ["label,xgb_pred"] + [f"{y},{p}" for y, p in zip(labels, preds)])

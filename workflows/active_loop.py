#!/usr/bin/python3
"""The AI-for-Science loop on a sweep: screen a few candidates, learn, propose, screen again.

    workflows/active_loop.py [SWEEP] [--furui BIN] [--workdir DIR] [--target-gap EV]
        [--top K] [--seed-size N] [--batch B] [--kappa K] [--rng SEED] [--ranks R]
        [--truth RESULTS.h5]

SWEEP (default workflows/loop_sweep.yaml) is the campaign. The loop:
  1. `furui featurize SWEEP`: composition (Magpie-style) and structure features of every
     candidate from its as-given structure, before any DFT (the same columns `furui export`
     writes for computed ones);
  2. screens a random seed set: the sweep with `only: [IDs]` (input/sweep_README.md), so IDs
     and results are those of the full campaign, under one prefix that a rerun resumes;
  3. `furui rank` gives every computed candidate's band gap (eV); a random forest
     (scikit-learn, Debian python3-sklearn) trained on the features predicts the others,
     the spread over its trees being the uncertainty;
  4. acquisition (upper confidence bound for "gap close to the target"):
        score = -|mean - target| + kappa * std
     the B best-scoring uncomputed candidates are the next batch: the most promising and the
     most uncertain; they are screened; back to 3.
It stops when the K candidates whose DFT gap is closest to the target (known from the
reference: --truth, or a full screen the script runs once, the "screen everything" campaign)
are all computed, or when everything is. Without a reference there is no stopping test and
the loop runs until everything is computed.

Writes DIR/summary.json (rounds, picks, DFT runs needed, the exhaustive count and the expected
count of random picks, k(N+1)/(k+1)) and DIR/next_sweep.yaml (the sweep with `only:` the batch
the model would screen next, given everything computed). Prints one line per round and the
comparison.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ENV = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
           OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")


def sh(args, cwd):
    p = subprocess.run(args, cwd=cwd, env=ENV, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("active_loop: %s failed (exit %d): %s" % (" ".join(args), p.returncode, p.stderr.strip()))
    return p.stdout


def screen(a, sweep, prefix, wd):
    cmd = [a.furui, "screen", sweep, "-o", prefix]
    if a.ranks > 1:
        cmd = ["mpiexec", "-n", str(a.ranks)] + cmd + ["--group-size", "1"]
    sh(cmd, wd)


def gaps(a, results, wd, tag):
    """{id: band gap eV} of the done candidates of a results file (furui rank)."""
    sh([a.furui, "rank", results, "-o", "rank_" + tag, "--force"], wd)
    df = pd.read_csv(os.path.join(wd, "rank_" + tag, "candidates.csv"), dtype={"id": str})
    return {i: g for i, g in zip(df["id"], df["band_gap_ev"]) if np.isfinite(g)}


def subsweep(text, ids, path):
    with open(path, "w") as f:
        f.write(text.rstrip() + "\n# candidates chosen by workflows/active_loop.py\nonly: [%s]\n" % ", ".join(ids))


def propose(a, X, ids, y, chosen):
    """The next batch: uncomputed candidates by -|mean - target| + kappa*std of a random forest
    trained on the computed ones ([] when nothing is left)."""
    train = [k for k, i in enumerate(ids) if i in y]
    rest = [k for k, i in enumerate(ids) if i not in chosen]
    if not rest or len(train) < 2:
        return []
    model = RandomForestRegressor(n_estimators=200, random_state=a.rng)
    model.fit(X[train], np.array([y[ids[k]] for k in train]))
    per_tree = np.stack([t.predict(X[rest]) for t in model.estimators_])
    mean, std = per_tree.mean(axis=0), per_tree.std(axis=0)
    score = -np.abs(mean - a.target_gap) + a.kappa * std
    order = np.argsort(-score, kind="stable")[:a.batch]
    return [ids[rest[k]] for k in order]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sweep", nargs="?", default=os.path.join(HERE, "loop_sweep.yaml"))
    ap.add_argument("--furui", default=os.path.join(ROOT, "build", "furui"))
    ap.add_argument("--workdir", default=os.path.join(ROOT, "out", "active_loop"))
    ap.add_argument("--target-gap", type=float, default=1.5, help="eV (default 1.5: a solar absorber)")
    ap.add_argument("--top", type=int, default=3, help="K: how many of the best to find")
    ap.add_argument("--seed-size", type=int, default=6)
    ap.add_argument("--batch", type=int, default=3)
    ap.add_argument("--kappa", type=float, default=1.0)
    ap.add_argument("--rng", type=int, default=1)
    ap.add_argument("--ranks", type=int, default=1, help="MPI ranks per screen (> 1: mpiexec)")
    ap.add_argument("--truth", help="results of the whole sweep (else screened here once)")
    a = ap.parse_args()
    a.furui = os.path.abspath(a.furui)
    wd = os.path.abspath(a.workdir)
    os.makedirs(wd, exist_ok=True)
    sweep = os.path.abspath(a.sweep)
    text = open(sweep, encoding="utf-8").read()
    if "\nonly:" in text:
        sys.exit("active_loop: %s already has an only: key" % sweep)

    # 1. features of every candidate, before any DFT
    sh([a.furui, "featurize", sweep, "-o", "features", "--force"], wd)
    feat = pd.read_csv(os.path.join(wd, "features", "features.csv"), dtype={"id": str}).set_index("id")
    cols = pd.read_csv(os.path.join(wd, "features", "columns.csv"))
    fcols = list(cols[cols["role"] == "feature"]["name"])
    X = feat[fcols].to_numpy(dtype=float)
    ids = list(feat.index)
    formula = dict(zip(ids, feat["chemical_formula_reduced"]))
    N = len(ids)

    # the reference ("screen everything"), for the stopping test and the comparison
    if a.truth:
        truth = gaps(a, os.path.abspath(a.truth), wd, "truth")
    else:
        screen(a, sweep, "everything", wd)
        truth = gaps(a, "everything.h5", wd, "truth")
    dist = {i: abs(g - a.target_gap) for i, g in truth.items() if i in formula}
    top = sorted(dist, key=lambda i: (dist[i], i))[:a.top]
    print("reference: %d candidates, the %d with gaps closest to %.2f eV: %s" % (
        N, len(top), a.target_gap, ", ".join("%s %.3f eV" % (formula[i], truth[i]) for i in top)))

    rng = np.random.default_rng(a.rng)
    chosen = list(rng.choice(ids, size=min(a.seed_size, N), replace=False))
    rounds = []
    while True:
        subsweep(text, chosen, os.path.join(wd, "round.yaml"))
        screen(a, "round.yaml", "loop", wd)
        y = gaps(a, "loop.h5", wd, "loop")
        found = [i for i in top if i in chosen]
        rounds.append({"round": len(rounds) + 1, "dft_runs": len(chosen), "top_found": len(found),
                       "picked": [formula[i] for i in (chosen if not rounds else chosen[-a.batch:])]})
        print("round %d: %d DFT runs, %d of the top %d found" % (len(rounds), len(chosen), len(found), len(top)))
        picks = propose(a, X, ids, y, chosen)
        if len(found) == len(top) or not picks:
            break
        chosen += picks
    # what the model would screen next: the proposal of the last round, as a sweep of its own
    picks = propose(a, X, ids, y, chosen)
    if picks:
        subsweep(text, picks, os.path.join(wd, "next_sweep.yaml"))

    k = len(top)
    summary = {
        "sweep": sweep, "target": "band_gap_ev closest to %g eV" % a.target_gap, "top_k": k,
        "top": [{"id": i, "formula": formula[i], "band_gap_ev": truth[i]} for i in top],
        "candidates": N, "dft_runs_needed": len(chosen), "exhaustive_runs": N,
        "random_expected_runs": k * (N + 1) / (k + 1), "rounds": rounds,
        "settings": {"seed_size": a.seed_size, "batch": a.batch, "kappa": a.kappa, "rng": a.rng,
                     "model": "RandomForestRegressor(200 trees), uncertainty = std over trees"},
    }
    with open(os.path.join(wd, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    summary["next_sweep"] = [formula[i] for i in picks] if picks else []
    with open(os.path.join(wd, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print("found the top %d after %d DFT runs; screening everything takes %d, random picking %.1f on "
          "average (k(N+1)/(k+1))" % (k, len(chosen), N, summary["random_expected_runs"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""The AI-for-Science loop on a sweep: screen a few candidates, learn, propose, screen again.

    workflows/active_loop.py [SWEEP] [--furui BIN] [--workdir DIR] [--target-gap EV]
        [--top K] [--seed-size N] [--batch B] [--kappa K] [--rng SEED] [--ranks R]
        [--results RESULTS.h5]... [--budget N] [--confidence Z] [--truth RESULTS.h5]

SWEEP (default workflows/loop_sweep.yaml) is the campaign. The loop:
  1. `furui featurize SWEEP`: composition (Magpie-style) and structure features of every
     candidate from its as-given structure, before any DFT (the same columns `furui export`
     writes for computed ones);
  2. starts from what the campaign has: the done candidates of --results files (a screen of
     this sweep, or of part of it) are computed already and never run again; a random seed set
     tops them up to --seed-size; new candidates are screened as the sweep with `only: [IDs]`
     (input/sweep_README.md), so IDs and results are those of the full campaign, under one
     prefix that a rerun resumes. The sub-sweeps are the sweep's text with its relative paths
     (poscar_dir, poscar, cp2k:FILE:NAME, table:DIR, pseudopotential files) made absolute
     against the sweep's folder, so they read the same files from the work directory;
  3. `furui rank` gives every computed candidate's band gap (eV); a random forest
     (scikit-learn, Debian python3-sklearn) trained on the features predicts the others,
     the spread over its trees being the uncertainty;
  4. acquisition (upper confidence bound for "gap close to the target"):
        score = -|mean - target| + kappa * std
     the B best-scoring uncomputed candidates are the next batch: the most promising and the
     most uncertain; they are screened; back to 3.
It stops at the first of:
  - budget: --budget N new DFT runs done (the --results candidates are free);
  - model confidence: no uncomputed candidate can beat the K-th best computed one, i.e. for
    every one max(0, |mean - target| - Z std) >= the K-th smallest |gap - target| computed
    (Z = --confidence, default 2: about 98 % one-sided for a Gaussian spread of the trees);
  - with --truth RESULTS (a screen of the whole sweep, for benchmarking the loop): the K
    candidates whose DFT gap is closest to the target are all computed;
  - everything is computed.

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


def absolute_paths(text, sweep_dir):
    """The sweep text with its relative paths made absolute against sweep_dir (furui resolves
    them against the sweep file's folder; the sub-sweeps live in the work directory). Only the
    scalars that name paths change; comments and the rest stay as written."""
    import re
    import yaml
    doc = yaml.safe_load(text) or {}
    subst = {}

    def absolute(v):
        return v if os.path.isabs(v) else os.path.normpath(os.path.join(sweep_dir, v))

    def spec(v):  # a pseudopotential spec: cp2k:FILE:NAME, table:DIR, abinit:FILE, a file path
        if not isinstance(v, str):
            return
        if v.startswith("cp2k:") and v.count(":") >= 2:
            f = v[5:].rsplit(":", 1)[0]
            if not os.path.isabs(f):
                subst[v] = "cp2k:%s:%s" % (absolute(f), v.rsplit(":", 1)[1])
        elif v.startswith("table:") and not os.path.isabs(v[6:]):
            subst[v] = "table:" + absolute(v[6:])
        elif v.startswith("abinit:") and os.path.exists(os.path.join(sweep_dir, v[7:])):
            subst[v] = "abinit:" + absolute(v[7:])
        elif ":" not in v and os.path.exists(os.path.join(sweep_dir, v)):
            subst[v] = absolute(v)

    def walk(node, key=None):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "pseudopotentials":
                    for fv in (v.values() if isinstance(v, dict) else [v]):
                        for x in (fv.values() if isinstance(fv, dict) else [fv]):
                            spec(x)
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key in ("poscar_dir", "poscar") and not os.path.isabs(node):
            subst[node] = absolute(node)
    walk(doc)
    for old, new in sorted(subst.items(), key=lambda kv: -len(kv[0])):
        text = re.sub(r"(?<=[\s:\[,{-])(['\"]?)%s\1(?=\s*(?:#|,|\]|\}|$))" % re.escape(old),
                      lambda m: m.group(1) + new + m.group(1), text, flags=re.M)
    return text


def subsweep(text, ids, path):
    with open(path, "w") as f:
        f.write(text.rstrip() + "\n# candidates chosen by workflows/active_loop.py\nonly: [%s]\n" % ", ".join(ids))


def confident(a, X, ids, y, chosen, k):
    """1 if the model is confident that no uncomputed candidate comes closer to the target than
    the k-th best computed one (see the stopping rules above)."""
    train = [j for j, i in enumerate(ids) if i in y]
    rest = [j for j, i in enumerate(ids) if i not in chosen]
    if not rest:
        return True
    if len(train) < max(2, k):
        return False
    model = RandomForestRegressor(n_estimators=200, random_state=a.rng)
    model.fit(X[train], np.array([y[ids[j]] for j in train]))
    per_tree = np.stack([t.predict(X[rest]) for t in model.estimators_])
    mean, std = per_tree.mean(axis=0), per_tree.std(axis=0)
    kth = sorted(abs(y[ids[j]] - a.target_gap) for j in train)[k - 1]
    optimistic = np.maximum(0.0, np.abs(mean - a.target_gap) - a.confidence * std)
    return bool(np.all(optimistic >= kth))


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
    ap.add_argument("--results", action="append", default=[],
                    help="results file(s) of the campaign so far: their done candidates are not rerun")
    ap.add_argument("--budget", type=int, default=0, help="stop after N new DFT runs (0: no limit)")
    ap.add_argument("--confidence", type=float, default=2.0,
                    help="Z of the model-confidence stop (<= 0: off)")
    ap.add_argument("--truth", help="results of the whole sweep: stop when its top K are found (benchmark)")
    a = ap.parse_args()
    a.furui = os.path.abspath(a.furui)
    wd = os.path.abspath(a.workdir)
    os.makedirs(wd, exist_ok=True)
    sweep = os.path.abspath(a.sweep)
    text = open(sweep, encoding="utf-8").read()
    if "\nonly:" in text:
        sys.exit("active_loop: %s already has an only: key" % sweep)
    text = absolute_paths(text, os.path.dirname(sweep))

    # 1. features of every candidate, before any DFT
    sh([a.furui, "featurize", sweep, "-o", "features", "--force"], wd)
    feat = pd.read_csv(os.path.join(wd, "features", "features.csv"), dtype={"id": str}).set_index("id")
    cols = pd.read_csv(os.path.join(wd, "features", "columns.csv"))
    fcols = list(cols[cols["role"] == "feature"]["name"])
    X = feat[fcols].to_numpy(dtype=float)
    ids = list(feat.index)
    formula = dict(zip(ids, feat["chemical_formula_reduced"]))
    N = len(ids)

    # the reference (--truth), for the benchmark's stopping test and the comparison
    truth, top = {}, []
    if a.truth:
        truth = gaps(a, os.path.abspath(a.truth), wd, "truth")
        dist = {i: abs(g - a.target_gap) for i, g in truth.items() if i in formula}
        top = sorted(dist, key=lambda i: (dist[i], i))[:a.top]
        print("reference: %d candidates, the %d with gaps closest to %.2f eV: %s" % (
            N, len(top), a.target_gap, ", ".join("%s %.3f eV" % (formula[i], truth[i]) for i in top)))

    # what the campaign has computed already
    known = {}
    for k, r in enumerate(a.results):
        known.update({i: g for i, g in gaps(a, os.path.abspath(r), wd, "results%d" % k).items() if i in formula})
    if a.results:
        print("from %s: %d candidates of the sweep computed already" % (", ".join(a.results), len(known)))

    rng = np.random.default_rng(a.rng)
    chosen = sorted(known)
    fresh = [i for i in ids if i not in known]
    nseed = min(max(0, a.seed_size - len(chosen)), len(fresh))
    chosen += list(rng.choice(fresh, size=nseed, replace=False)) if nseed else []
    if a.budget > 0:
        chosen = chosen[:len(known) + a.budget]
    rounds = []
    stop = ""
    while True:
        new = [i for i in chosen if i not in known]
        y = dict(known)
        if new:
            subsweep(text, new, os.path.join(wd, "round.yaml"))
            screen(a, "round.yaml", "loop", wd)
            y.update(gaps(a, "loop.h5", wd, "loop"))
        found = [i for i in top if i in chosen]
        rounds.append({"round": len(rounds) + 1, "dft_runs": len(new), "computed": len(chosen),
                       "top_found": len(found),
                       "picked": [formula[i] for i in (new if not rounds else chosen[-a.batch:])]})
        print("round %d: %d new DFT runs, %d computed%s" % (len(rounds), len(new), len(chosen),
              ", %d of the top %d found" % (len(found), len(top)) if top else ""))
        picks = propose(a, X, ids, y, chosen)
        if top and len(found) == len(top):
            stop = "the top %d of --truth found" % len(top)
        elif not picks:
            stop = "everything computed"
        elif a.budget > 0 and len(new) >= a.budget:
            stop = "budget of %d new DFT runs spent" % a.budget
        elif a.confidence > 0 and confident(a, X, ids, y, chosen, min(a.top, max(1, len(y)))):
            stop = "model confident (Z = %g) that no uncomputed candidate beats the best %d" % (a.confidence, a.top)
        if stop:
            break
        if a.budget > 0:
            picks = picks[:a.budget - len(new)]
        chosen += picks
    # what the model would screen next: the proposal of the last round, as a sweep of its own
    picks = propose(a, X, ids, y, chosen)
    if picks:
        subsweep(text, picks, os.path.join(wd, "next_sweep.yaml"))

    k = len(top) if top else a.top
    best = sorted(y, key=lambda i: (abs(y[i] - a.target_gap), i))[:a.top]
    summary = {
        "sweep": sweep, "target": "band_gap_ev closest to %g eV" % a.target_gap, "top_k": k,
        "top": [{"id": i, "formula": formula[i], "band_gap_ev": truth[i]} for i in top],
        "best_computed": [{"id": i, "formula": formula[i], "band_gap_ev": y[i]} for i in best],
        "stopped": stop, "from_results": len(known), "new_dft_runs": len(chosen) - len(known),
        "candidates": N, "dft_runs_needed": len(chosen), "exhaustive_runs": N,
        "random_expected_runs": k * (N + 1) / (k + 1), "rounds": rounds,
        "settings": {"seed_size": a.seed_size, "batch": a.batch, "kappa": a.kappa, "rng": a.rng,
                     "budget": a.budget, "confidence": a.confidence, "results": a.results,
                     "model": "RandomForestRegressor(200 trees), uncertainty = std over trees"},
    }
    with open(os.path.join(wd, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    summary["next_sweep"] = [formula[i] for i in picks] if picks else []
    with open(os.path.join(wd, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print("stopped: %s; %d new DFT runs (%d from the results given)" % (stop, len(chosen) - len(known), len(known)))
    if top:
        print("found the top %d after %d DFT runs; screening everything takes %d, random picking %.1f on "
              "average (k(N+1)/(k+1))" % (k, len(chosen), N, summary["random_expected_runs"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

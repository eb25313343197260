#!/usr/bin/python3
"""workflows/active_loop.py end to end on tests/rank/rank.yaml (6 candidates, seconds).

    loop_test.py --furui BIN --workdir DIR

Proves: the loop terminates having found the candidate whose gap is closest to the target
(checked against the reference screen the loop ran), never computes a candidate twice, and
its DFT count lies between the seed size and the campaign size; every gap it computed equals
the reference's for the same ID (the `only:` sub-sweeps keep the campaign's IDs, 1e-9 eV);
the features `furui featurize` gave the loop equal those `furui export` writes for the same
candidates (the model sees before DFT what it was trained on); next_sweep.yaml is a sweep
furui reads, holding only candidates the loop has not computed; summary.json is consistent.
"""
import json
import os
import sys

import numpy as np
import pandas as pd
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
from testlib import check, finish, run, setup  # noqa: E402


def main():
    F, w = setup()
    sweep = os.path.join(ROOT, "tests", "rank", "rank.yaml")
    p = run(["/usr/bin/python3", os.path.join(ROOT, "workflows", "active_loop.py"), sweep, "--furui", F,
             "--workdir", w, "--target-gap", "5.0", "--top", "1", "--seed-size", "2", "--batch", "1"], w)
    print(p.stdout)
    if not check(p.returncode == 0, "the loop runs: " + p.stderr.strip()[-300:]):
        return finish()
    s = json.load(open(os.path.join(w, "summary.json")))
    runs = [r["dft_runs"] for r in s["rounds"]]
    check(s["candidates"] == 6 and 2 <= s["dft_runs_needed"] <= 6, "DFT runs within [seed, N]: %r" % runs)
    check(runs == sorted(runs) and runs[0] == 2 and all(b - a == 1 for a, b in zip(runs, runs[1:])),
          "each round adds one candidate: %r" % runs)
    check(s["rounds"][-1]["top_found"] == 1, "the best candidate was found")
    ref = pd.read_csv(os.path.join(w, "rank_truth", "candidates.csv"), dtype={"id": str}).set_index("id")
    best = (ref["band_gap_ev"] - 5.0).abs().idxmin()
    check(s["top"][0]["id"] == best, "its 'top' is the reference's closest gap to 5 eV (%s)" % best)
    loop = pd.read_csv(os.path.join(w, "rank_loop", "candidates.csv"), dtype={"id": str}).set_index("id")
    check(len(loop) == s["dft_runs_needed"] and best in loop.index, "the loop computed each pick once")
    d = np.abs(loop["band_gap_ev"] - ref.loc[loop.index, "band_gap_ev"]).max()
    check(d < 1e-9, "loop gaps = reference gaps for the same IDs (max diff %.1e eV)" % d)
    # featurize (before DFT) = export (after) for the composition and structure columns
    p = run([F, "export", "everything.h5", "-o", "ds", "--force"], w)
    ex = pd.read_csv(os.path.join(w, "ds", "features.csv"), dtype={"id": str}).set_index("id")
    fe = pd.read_csv(os.path.join(w, "features", "features.csv"), dtype={"id": str}).set_index("id")
    cols = [c for c in ex.columns if c.startswith("MagpieData") or c in ("volume", "density", "nsites",
                                                                          "spacegroup_number", "packing_fraction")]
    common = [i for i in ex.index if i in fe.index]
    diff = np.abs(ex.loc[common, cols].to_numpy(float) - fe.loc[common, cols].to_numpy(float)).max()
    check(len(common) >= 2 and len(cols) > 50 and diff == 0.0,
          "featurize = export on %d candidates x %d columns (max diff %g)" % (len(common), len(cols), diff))
    nxt = os.path.join(w, "next_sweep.yaml")
    if s["dft_runs_needed"] < 6 and check(os.path.exists(nxt), "next_sweep.yaml written"):
        only = yaml.safe_load(open(nxt))["only"]
        p = run([F, "screen", nxt, "--dry-run"], w)
        check(p.returncode == 0 and len(only) == 1 and only[0] not in loop.index,
              "next_sweep.yaml is a valid sweep of one not-yet-computed candidate")
    return finish()


if __name__ == "__main__":
    sys.exit(main())

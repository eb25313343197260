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
The reference is a screen of the whole sweep this test runs itself, given as --truth.

Then, without --truth (issue 18 item 7), on a copy of the sweep in a folder of its own with a
relative `poscar_dir` and the loop run from elsewhere:
  - the relative path resolves against the sweep's folder (the POSCAR candidate is featurized
    and screened; before, the copied sweep's poscar_dir did not exist and the loop failed);
  - --results with a screen of half the campaign: none of those candidates is run again (the
    loop's own journal never names them), their gaps count;
  - --budget 1 stops after one new DFT run, with the reason in summary.json;
  - the model-confidence stop ends a run with a large budget before everything is computed or
    says why not (summary "stopped").
"""
import shutil
import json
import os
import sys

import numpy as np
import pandas as pd
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
from testlib import check, finish, journal_payloads, run, setup  # noqa: E402


def main():
    F, w = setup()
    F = os.path.abspath(F)
    sweep = os.path.join(ROOT, "tests", "rank", "rank.yaml")
    p = run([F, "screen", sweep, "-o", "everything"], w)
    check(p.returncode == 0, "the reference screen runs")
    p = run(["/usr/bin/python3", os.path.join(ROOT, "workflows", "active_loop.py"), sweep, "--furui", F,
             "--workdir", w, "--target-gap", "5.0", "--top", "1", "--seed-size", "2", "--batch", "1",
             "--truth", "everything.h5", "--confidence", "0"], w)
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
    no_truth(F, w)
    return finish()


def loop_ids(journal):
    """IDs named by the candidate records of a journal (src/results/README.md)."""
    return {p[1:17].decode() for p in journal_payloads(journal) if p[0] in (2, 3, 4, 5)}


def no_truth(F, w):
    loop = [os.path.join(ROOT, "workflows", "active_loop.py")]
    camp = os.path.join(w, "campaign")
    os.makedirs(os.path.join(camp, "structures"))
    shutil.copy(os.path.join(ROOT, "tests", "screen", "poscars", "Si2"), os.path.join(camp, "structures", "Si2"))
    text = open(os.path.join(ROOT, "tests", "rank", "rank.yaml")).read()
    text = text.replace("  - prototype: fcc\n    A: Al\n", "  - prototype: fcc\n    A: Al\n  - poscar_dir: structures\n")
    with open(os.path.join(camp, "c.yaml"), "w") as f:
        f.write(text)
    # the campaign so far: half of it, screened in the sweep's own folder
    p = run([F, "screen", "c.yaml", "--dry-run"], camp)
    ids = [l.split()[1] for l in p.stdout.splitlines() if len(l.split()) > 2 and len(l.split()[1]) == 16]
    check(len(ids) == 7, "the sweep with its POSCAR has 7 candidates: %r" % ids)
    half = ids[:3]
    with open(os.path.join(camp, "half.yaml"), "w") as f:
        f.write(text + "only: [%s]\n" % ", ".join(half))
    p = run([F, "screen", "half.yaml", "-o", "half"], camp)
    check(p.returncode == 0, "half of the campaign screened")
    elsewhere = os.path.join(w, "elsewhere")
    os.makedirs(elsewhere)
    p = run(["/usr/bin/python3"] + loop + [os.path.join("..", "campaign", "c.yaml"), "--furui", F, "--workdir", "lw",
             "--target-gap", "5.0", "--top", "1", "--seed-size", "4", "--batch", "1", "--budget", "1",
             "--results", os.path.join("..", "campaign", "half.h5")], elsewhere)
    print(p.stdout, p.stderr[-500:])
    if not check(p.returncode == 0, "the loop runs on a sweep with a relative poscar_dir, from elsewhere"):
        return
    s = json.load(open(os.path.join(elsewhere, "lw", "summary.json")))
    check(s["candidates"] == 7, "all 7 candidates featurized, the POSCAR one too: %d" % s["candidates"])
    check(s["from_results"] == 3, "3 candidates taken from --results: %r" % s["from_results"])
    ran = loop_ids(os.path.join(elsewhere, "lw", "loop.journal"))
    check(not (ran & set(half)), "none of the --results candidates ran again: %r" % sorted(ran & set(half)))
    check(s["new_dft_runs"] == 1 and len(ran) == 1 and "budget" in s["stopped"],
          "--budget 1: one new DFT run, then stop (%r, %d ran)" % (s["stopped"], len(ran)))
    # a large budget: the confidence rule (or running out of candidates) ends it, with the reason
    p = run(["/usr/bin/python3"] + loop + [os.path.join("..", "campaign", "c.yaml"), "--furui", F, "--workdir", "lw2",
             "--target-gap", "5.0", "--top", "1", "--seed-size", "4", "--batch", "1", "--budget", "100",
             "--results", os.path.join("..", "campaign", "half.h5")], elsewhere)
    s2 = json.load(open(os.path.join(elsewhere, "lw2", "summary.json"))) if p.returncode == 0 else {}
    print("large budget:", s2.get("stopped"), s2.get("new_dft_runs"))
    check(p.returncode == 0 and s2.get("stopped") and "budget" not in s2["stopped"] and
          not os.path.exists(os.path.join(elsewhere, "lw2", "everything.h5")),
          "without --truth nothing screens the whole sweep; the stop says why: %r" % s2.get("stopped"))
    if s2.get("stopped", "").startswith("model confident"):
        check(s2["dft_runs_needed"] < 7, "the confidence stop came before everything was computed")


if __name__ == "__main__":
    sys.exit(main())

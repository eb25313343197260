#!/usr/bin/python3
"""SCF divergence through the recovery ladder, end to end (`furui screen --inject-scf-nan N`).

    divergence.py --furui BIN --workdir DIR

The injection puts a NaN into one point of the output density from the second SCF iteration
of the first N rungs (fu_scf_opts.fault_nan_iteration), so the real detection, restart and
storage paths run. Proves:
  - N = 1: the as-given rung is detected as diverged (outcome "physics", 2 iterations), the
    next rung (halved damping) restarts from a finite density and converges to the energy of
    an undisturbed run within 1e-8 Ha; the record says what happened;
  - N = 4: every rung diverges; the candidate is failed with cause "physics", the message
    names the divergence and all four rungs, no energy is stored (NaN, have_result 0; no NaN
    or number pretends to be a result), `furui status` counts it under "physics", and
    `furui export` skips it with that reason and writes no NaN into its matrices.
"""
import os
import sys

import h5py
import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from testlib import check, finish, run, setup, text  # noqa: E402

SWEEP = os.path.join(HERE, "nan_sweep.yaml")


def row(path):
    with h5py.File(path, "r") as f:
        c = f["candidates"]
        o = c["recovery_offset"][()]
        return dict(state=int(c["state"][0]), have=int(c["have_result"][0]), e=float(c["energy/total"][0]),
                    cause=text(c["cause"][0]), msg=text(c["message"][0]),
                    rungs=[(text(r), text(x), int(n)) for r, x, n in
                           zip(c["recovery_rung"][o[0]:o[1]], c["recovery_outcome"][o[0]:o[1]],
                               c["recovery_iterations"][o[0]:o[1]])])


def main():
    F, w = setup()
    p = run([F, "screen", SWEEP, "-o", "clean"], w)
    check(p.returncode == 0, "undisturbed run")
    clean = row(os.path.join(w, "clean.h5"))

    p = run([F, "screen", SWEEP, "-o", "one", "--inject-scf-nan", "1"], w)
    one = row(os.path.join(w, "one.h5"))
    check(p.returncode == 0 and one["state"] == 3, "recovered: done")
    check(one["rungs"][:1] == [("as-given", "physics", 2)] and one["rungs"][1][:2] == ("damping", "done"),
          "as-given diverged at iteration 2, damping converged: %r" % one["rungs"])
    check(abs(one["e"] - clean["e"]) < 1e-8, "energy after recovery = undisturbed: %.2e Ha" % (one["e"] - clean["e"]))
    check("as-given: physics" in one["msg"], "message records the divergence: " + one["msg"])

    p = run([F, "screen", SWEEP, "-o", "all", "--inject-scf-nan", "4"], w)
    bad = row(os.path.join(w, "all.h5"))
    check(p.returncode == 0, "a failed candidate does not fail the run")
    check(bad["state"] == 4 and bad["cause"] == "physics" and bad["have"] == 0 and np.isnan(bad["e"]),
          "failed, cause physics, no result stored: %r" % {k: bad[k] for k in ("state", "cause", "have", "e")})
    check([r[1] for r in bad["rungs"]] == ["physics"] * 4 and "diverged" in bad["msg"],
          "all four rungs diverged and the message says so: " + bad["msg"])
    p = run([F, "status", "all"], w)
    check(p.returncode == 0 and "physics" in p.stdout, "status lists the failure under physics")
    p = run([F, "export", "all.h5", "-o", "ds"], w)
    if check(p.returncode == 0, "export of a file holding only the failure: " + p.stderr.strip()):
        sk = pd.read_csv(os.path.join(w, "ds", "skipped.csv"), dtype=str, keep_default_na=False)
        check(len(sk) == 1 and "physics" in " ".join(sk.iloc[0].tolist()), "skipped with its cause")
        with h5py.File(os.path.join(w, "ds", "features.h5"), "r") as f:
            check(f["X"].shape[0] == 0 and not np.isnan(f["X"][()]).any(), "no row and no NaN in X")
    p = run([F, "screen", "--inject-scf-nan", "9", SWEEP, "-o", "x"], w)
    check(p.returncode == 64 and "--inject-scf-nan" in p.stderr, "an out-of-range injection count is a usage error")
    return finish()


if __name__ == "__main__":
    sys.exit(main())

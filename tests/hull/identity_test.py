#!/usr/bin/python3
"""Two valences of one element are two pseudopotentials, and so two hulls (issue 21).

    identity_test.py FURUI WORKDIR

bcc Li screened once with CP2K's GTH-PADE-q1 and once with GTH-PADE-q3 (both entries of the
one GTH_POTENTIALS file), merged and ranked. Their total energies differ by ~156 eV/atom
(the 1s core in or out), which is no physics of Li: each must sit on its own hull (0 eV/atom
above it). When the stored fingerprint was the hash of the whole GTH_POTENTIALS file, both
went into one hull and q1 came out ~156 eV/atom above it.
"""
import csv
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from testlib import check, failures, run  # noqa: E402

SWEEP = """name: li-q{q}
candidates:
  - prototype: bcc
    A: Li
    a: 3.51 angstrom
xc: lda
pseudopotentials: {{Li: "cp2k:GTH-PADE-q{q}"}}
ecut: 8 Ha
kpoints: {{grid: [3, 3, 3]}}
smearing: {{kind: fermi-dirac, width: 0.01 Ha}}
scf: {{max_iterations: 60, energy_tolerance: 1e-8 Ha, density_tolerance: 1e-7}}
"""


def main():
    furui, work = os.path.abspath(sys.argv[1]), sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    for q in (1, 3):
        with open(os.path.join(work, "li%d.yaml" % q), "w") as f:
            f.write(SWEEP.format(q=q))
        check(run([furui, "screen", "li%d.yaml" % q, "-o", "li%d" % q], work).returncode == 0,
              "screen with GTH-PADE-q%d" % q)
    check(run([furui, "merge", "all.h5", "li1.h5", "li3.h5"], work).returncode == 0, "merge")
    p = run([furui, "rank", "all.h5", "--sort", "energy_per_atom_ev", "--force", "-o", "sl"], work)
    check(p.returncode == 0, "rank")
    if failures:
        return 1
    rows = list(csv.DictReader(open(os.path.join(work, "sl", "shortlist.csv"))))
    check(len(rows) == 2, "both Li candidates ranked")
    e = sorted(float(r["energy_per_atom_ev"]) for r in rows)
    print("energies per atom (eV):", e)
    check(e[1] - e[0] > 100, "the two valences give energies ~156 eV/atom apart")
    for r in rows:
        check(abs(float(r["e_above_hull_ev_per_atom"])) < 1e-9 and r["is_stable"] == "1",
              "%s on its own hull (e_above_hull %s)" % (r["id"], r["e_above_hull_ev_per_atom"]))
    print("%d passed, %d failed" % (1 if not failures else 0, 1 if failures else 0))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

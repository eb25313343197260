#!/usr/bin/env python3
"""The demo's shortlist against experiment: every shortlisted compound's lattice constant, from
its equation of state (eos_volume_per_atom of the stage-2 shortlist, cubic two-atom fcc cells:
a = (8 V_atom)^(1/3)), within 2.5 % of the experimental value in experiment_lattice.csv.

    /usr/bin/python3 validation/demo_lattice_check.py out/demo/shortlist/shortlist.csv
Exit status 1 if a compound misses the 2.5 % or has no experimental value.
"""
import csv
import re
import os
import sys

TOL = 2.5  # percent
HERE = os.path.dirname(os.path.abspath(__file__))


def composition(formula):
    """{'Mg': 1, 'O': 1} from 'MgO' (either order: furui writes OPTIMADE's alphabetical 'CSi')."""
    return {el: int(n or 1) for el, n in re.findall(r"([A-Z][a-z]?)(\d*)", formula)}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    exp = {}
    with open(os.path.join(HERE, "experiment_lattice.csv")) as f:
        for r in csv.DictReader(line for line in f if not line.startswith("#")):
            exp[frozenset(composition(r["formula"]).items())] = (
                r["formula"], float(r["a_angstrom"]), r["structure"], r["source"])
    rows = list(csv.DictReader(open(sys.argv[1])))
    if not rows:
        sys.exit("no shortlisted compound in %s" % sys.argv[1])
    bad = 0
    print("%-6s %-11s %9s %9s %8s  %s" % ("", "", "a_furui", "a_exp", "error", ""))
    for r in rows:
        key = frozenset(composition(r["chemical_formula_reduced"]).items())
        v = float(r["eos_volume_per_atom"]) if r.get("eos_volume_per_atom") else float("nan")
        a = (8.0 * v) ** (1.0 / 3.0)
        if key not in exp:
            print("%-6s no experimental value" % r["chemical_formula_reduced"])
            bad += 1
            continue
        f, ae, st, src = exp[key]
        err = 100.0 * (a - ae) / ae
        ok = abs(err) <= TOL
        bad += not ok
        print("%-6s %-11s %9.4f %9.4f %+7.2f%%  %s [%s]" % (f, st, a, ae, err, "ok" if ok else "FAIL", src))
    print("%d of %d shortlisted compounds within %.1f %% of experiment" % (len(rows) - bad, len(rows), TOL))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

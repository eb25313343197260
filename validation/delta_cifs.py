#!/usr/bin/python3
"""furui's CIF reader and reference states on the 71 Delta-test structures.

The Delta test (Lejaeghere et al., Science 351, aad3000 (2016)) ships each
element's structure twice: CIFs/ (VESTA-written, P1 with every atom listed)
and primCIFs/ (the space group's operations and the asymmetric unit only, so
the reader must expand them: 1-2 sites become up to 12 atoms). Both are read from
../shared/verification/delta2016/ (never copied into the repository) by
furui (tests' structure_driver: the crystal/structfile.h path the SCF input
and the sweep use) and by pymatgen's CifParser, and compared: atom count,
cell, composition and structure (StructureMatcher, tight tolerances, no
rescaling). The two files of one element must also be the same crystal as
furui reads them (matched with primitive reduction).

Then furui's reference-state table (references: auto; crystal/refstate.c,
Donohue / Huber-Herzberg) against the Delta test's choice of each element's
structure: same structure type (StructureMatcher with volume scaling and
primitive reduction) and the volume per atom of furui's experimental
reference against WIEN2k's PBE V0 (WIEN2k.txt). The two tables need not agree
everywhere: the Delta test puts O, N, H, halogens in molecular crystals
where furui uses the molecule in a box, and chose some structures for cost.

usage: validation/delta_cifs.py [--driver build/tests/structure_driver]
                               [--data ../shared/verification/delta2016]
Exit 0 when every file is read and matches pymatgen's reading, 1 otherwise.
"""
import argparse
import os
import subprocess
import sys
import warnings

import numpy as np
from pymatgen.analysis.structure_matcher import StructureMatcher
from pymatgen.core import Structure
from pymatgen.io.cif import CifParser

warnings.filterwarnings("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))

TIGHT = StructureMatcher(ltol=1e-5, stol=1e-4, angle_tol=1e-4, primitive_cell=False, scale=False,
                         attempt_supercell=False)
SAME_CRYSTAL = StructureMatcher(ltol=1e-3, stol=1e-3, angle_tol=1e-2, primitive_cell=True,
                                scale=False)
SAME_TYPE = StructureMatcher(ltol=0.2, stol=0.3, angle_tol=5, primitive_cell=True, scale=True)


def driver(drv, *args):
    p = subprocess.run([drv, *args], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        return None, p.stderr.strip()
    return Structure.from_str(p.stdout, fmt="poscar"), ""


def wien2k(path):
    v0 = {}
    for line in open(path):
        f = line.split()
        if len(f) == 4 and not line.startswith("#"):
            v0[f[0]] = float(f[1])
    return v0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--driver", default=os.path.join(HERE, "..", "build", "tests", "structure_driver"))
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "shared", "verification", "delta2016"))
    args = ap.parse_args()
    if not os.path.isdir(args.data):
        sys.exit("delta_cifs.py: %s: no such directory (the Delta-test data, ../shared)" % args.data)
    v0 = wien2k(os.path.join(args.data, "WIEN2k.txt"))
    elements = sorted(f[:-4] for f in os.listdir(os.path.join(args.data, "CIFs")) if f.endswith(".cif"))
    bad = []
    rows = []
    for el in elements:
        got = {}
        for kind in ("CIFs", "primCIFs"):
            path = os.path.join(args.data, kind, el + ".cif")
            s, msg = driver(args.driver, "read", path)
            ref = CifParser(path).get_structures(primitive=False)[0]
            if s is None:
                bad.append("%s/%s: furui refused it: %s" % (kind, el, msg))
                continue
            ok = (len(s) == len(ref) and s.composition == ref.composition
                  and np.allclose(s.lattice.abc, ref.lattice.abc, atol=1e-6)
                  and np.allclose(s.lattice.angles, ref.lattice.angles, atol=1e-5)
                  and TIGHT.fit(s, ref))
            if not ok:
                bad.append("%s/%s: furui's reading differs from pymatgen's" % (kind, el))
            got[kind] = s
        if len(got) == 2 and not SAME_CRYSTAL.fit(got["CIFs"], got["primCIFs"]):
            bad.append("%s: CIFs/ and primCIFs/ are not the same crystal as furui reads them" % el)
        delta = got.get("primCIFs")
        refstate, _ = driver(args.driver, "ref", el)
        if refstate is None or delta is None:
            rows.append((el, len(delta) if delta else 0, "-", "-", "no furui reference state"))
            continue
        same = SAME_TYPE.fit(refstate, delta)
        ratio = refstate.volume / len(refstate) / v0[el] if el in v0 else float("nan")
        rows.append((el, len(delta), "yes" if same else "no", "%.3f" % ratio, ""))

    print("| element | atoms (primCIFs/, expanded) | same structure type as furui's reference | "
          "V/atom furui reference (experiment) / WIEN2k PBE V0 | note |")
    print("|---|---|---|---|---|")
    for r in rows:
        print("| %s | %d | %s | %s | %s |" % r)
    n_ref = sum(1 for r in rows if r[2] != "-")
    n_same = sum(1 for r in rows if r[2] == "yes")
    print("\n%d structures read twice (CIFs/, primCIFs/): %d disagreements with pymatgen" %
          (len(elements), len(bad)))
    print("furui reference states for %d of them; same structure type as the Delta test: %d" %
          (n_ref, n_same))
    for b in bad:
        print("FAIL " + b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

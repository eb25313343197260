#!/usr/bin/python3
"""A sweep's `converge:` block (campaign/sweepconv.h), end to end, on fcc Al (GTH, LDA).

    sweepconv_test.py --furui BIN --workdir DIR

- the ladders run before the farm; the cutoff chosen for protocol fast's 5 meV/atom is checked
  against an independent SCF at 40 Ha (furui scf, the same cell, mesh and smearing): within
  5 meV/atom, and the ladder's rung below it is not (so the choice is the first that meets it);
  the k-mesh chosen is checked the same way against an SCF on a 24x24x24 mesh;
- every candidate of the results file carries the chosen cutoff and the mesh of the chosen
  spacing; PREFIX.converge.json holds the ladders and the choice;
- a rerun of the same sweep reuses the JSON (no ladder is run again) and finds every candidate
  final;
- bad input (converge with ecut, an unknown formula, with stages, a bad ladder, an unknown
  target): one line naming file:line and key, exit 1, no file made.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from testlib import ENV, check, finish  # noqa: E402

import h5py  # noqa: E402

HA_EV = 27.211386245988
SWEEP = """name: cv
candidates:
  - prototype: fcc
    A: Al
xc: lda
pseudopotentials: {lda: "cp2k:GTH-PADE"}
protocol: fast
converge:
  structures: [Al]
  ecut: "10:26:4 Ha"
  kspacing: "0.6,0.45,0.3,0.2 1/angstrom"
"""


def run(args, d):
    p = subprocess.run(args, cwd=d, env=ENV, capture_output=True, text=True, timeout=600)
    print("$ %s -> %d" % (" ".join(args), p.returncode))
    return p


def scf_energy(a, d, name, lattice, ecut, kgrid, smear):
    """E per atom (eV) of fcc Al by `furui scf` at the given cutoff and mesh."""
    with open(os.path.join(d, name + ".yaml"), "w") as f:
        f.write("structure:\n  lattice: {unit: bohr, vectors: %s}\n  coordinates: fractional\n"
                "  atoms:\n    - [Al, 0, 0, 0]\n" % json.dumps(lattice))
        f.write('pseudopotentials: {Al: "cp2k:GTH-PADE"}\nxc: lda\necut: %g Ha\nkpoints: {grid: %s}\n'
                "smearing: {kind: marzari-vanderbilt, width: %r Ha}\n"
                "scf: {energy_tolerance: 1e-9 Ha, density_tolerance: 1e-8}\n"
                % (ecut, json.dumps(kgrid), smear))
    p = run([a.furui, "scf", name + ".yaml"], d)
    check(p.returncode == 0, "scf %s: %s" % (name, p.stderr[-400:]))
    return json.load(open(os.path.join(d, name + ".json")))["energy_ha"]["total_per_atom"] * HA_EV


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--furui", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    a.furui = os.path.abspath(a.furui)
    d = os.path.abspath(a.workdir)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with open(os.path.join(d, "cv.yaml"), "w") as f:
        f.write(SWEEP)
    p = run([a.furui, "screen", "cv.yaml"], d)
    check(p.returncode == 0 and "screen: converge: ecut" in p.stderr, "run: %s" % p.stderr[-800:])
    c = json.load(open(os.path.join(d, "cv.converge.json")))
    ch = c["chosen"]
    al = c["structures"]["Al"]
    print("chosen", ch)
    ecut, ksp = ch["ecut_ha"], ch["kspacing_per_angstrom"]
    with h5py.File(os.path.join(d, "cv.h5"), "r") as f:
        g = f["candidates"]
        lattice = g["lattice"][0].tolist()
        kgrid = [int(x) for x in g["kgrid"][0]]
        smear = float(g["smearing_width"][0])
        check(list(g["ecut"][()]) == [ecut] and int(g["state"][0]) == 3, "stored cutoff %s" % list(g["ecut"][()]))
    rungs = al["ecut"]["rungs"]
    i = [r["ecut_ha"] for r in rungs].index(ecut)
    check(i > 0, "the chosen cutoff is not the ladder's first rung (else the check below is empty)")
    # the cutoff against 40 Ha on the ladder's mesh
    kg_e = rungs[i]["kgrid"]
    e40 = scf_energy(a, d, "e40", lattice, 40, kg_e, smear)
    d_at = abs(rungs[i]["energy_ev_per_atom"] - e40) * 1e3
    d_below = abs(rungs[i - 1]["energy_ev_per_atom"] - e40) * 1e3
    print("E(%g Ha) - E(40 Ha) = %.3f meV/atom; rung below: %.3f" % (ecut, d_at, d_below))
    check(d_at <= 5.0 and d_below > 5.0, "cutoff: %.3f meV/atom at the choice, %.3f below it" % (d_at, d_below))
    # the mesh against a denser one at the chosen cutoff
    kr = al["kpoints"]["rungs"]
    j = [r["kgrid"] for r in kr].index(kgrid)
    ed = scf_energy(a, d, "k24", lattice, ecut, [24, 24, 24], smear)
    dk = abs(kr[j]["energy_ev_per_atom"] - ed) * 1e3
    print("E(%s) - E(24x24x24) = %.3f meV/atom (spacing %g 1/angstrom)" % (kgrid, dk, ksp))
    check(dk <= 5.0, "k-mesh: %.3f meV/atom from 24x24x24" % dk)
    # rerun: the JSON is reused, nothing recomputed
    p = run([a.furui, "screen", "cv.yaml"], d)
    check(p.returncode == 0 and "rung" not in p.stderr and "1 already final, 0 to run" in p.stderr,
          "rerun reuses: %s" % p.stderr[-600:])
    # bad input
    bad = [(SWEEP + "ecut: 20 Ha\n", "ecut", "converge"),
           (SWEEP.replace("structures: [Al]", "structures: [Cu]"), "converge.structures[0]", "no valid candidate"),
           (SWEEP.replace('"10:26:4 Ha"', '"10:26:4 bohr"'), "converge.ecut", "unit"),
           (SWEEP.replace('kspacing: "0.6', 'target: most\n  kspacing: "0.6'), "converge.target", "energy or all"),
           (SWEEP + "stages:\n  - name: one\n", "converge", "stages"),
           (SWEEP.replace('"0.6,0.45,0.3,0.2 1/angstrom"', '"0.6,-0.2 1/angstrom"'), "converge.kspacing", "> 0")]
    for k, (text, key, what) in enumerate(bad):
        dk_ = os.path.join(d, "bad%d" % k)
        os.makedirs(dk_)
        with open(os.path.join(dk_, "s.yaml"), "w") as f:
            f.write(text)
        p = run([a.furui, "screen", "s.yaml"], dk_)
        lines = p.stderr.strip().splitlines()
        check(p.returncode == 1 and len(lines) == 1 and lines[0].startswith("furui: error: s.yaml:") and key in lines[0]
              and what in lines[0], "bad input %d: %r" % (k, p.stderr))
        check(os.listdir(dk_) == ["s.yaml"], "bad input %d: no file made: %s" % (k, os.listdir(dk_)))
    return finish()


if __name__ == "__main__":
    sys.exit(main())

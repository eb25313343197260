#!/usr/bin/python3
"""Run furui on an ABINIT reference case and compare term by term.

Tolerances (what each proves):
  total energy   1e-6 Ha/atom  on ABINIT's FFT grid: same discretisation, same physics
  energy terms   1e-5 Ha       every term of the decomposition is right, not only the sum
  eigenvalues    2e-5 Ha       ABINIT prints 5 decimals (rounding 5e-6) + convergence;
                               the highest band only as an upper bound (see below)
  forces         2e-5 Ha/bohr  Hellmann-Feynman forces
  stress         1e-6 Ha/bohr3 analytic stress
  k-points       same count, same weights (ABINIT prints 5 decimals), each ABINIT point
                 equivalent to one of furui's under the space group and time reversal
With --grid default, furui picks its own FFT grid: total energy within 1e-4 Ha/atom.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import spglib

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "validation"))
import abinit_case  # noqa: E402

TERMS = [("kinetic", "kinetic"), ("hartree", "hartree"), ("xc", "xc"), ("ewald", "Ewald energy"),
         ("psp_core", "psp_core"), ("local_psp", "local_psp"), ("nonlocal_psp", "non_local_psp"),
         ("minus_kt_entropy", "'-kT*entropy'")]

failures = 0


def check(what, got, want, tol):
    global failures
    diff = abs(got - want)
    ok = diff <= tol
    failures += not ok
    print("%s %-40s furui %.10f abinit %.10f diff %.2e tol %.1e" %
          ("PASS" if ok else "FAIL", what, got, want, diff, tol))


def equivalent(k1, k2, rotations):
    for r in rotations:
        for s in (1, -1):
            d = s * (r.T @ k1) - k2
            # the reference stores reduced k to 4 decimals (1/3 -> 0.3333); 1e-3 is
            # still far below the spacing of any mesh compared here
            if np.allclose(d, np.round(d), atol=1e-3):
                return True
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--furui", required=True)
    ap.add_argument("--reference", required=True)
    ap.add_argument("--grid", choices=["abinit", "default"], default="abinit")
    ap.add_argument("--workdir", default=".")
    ap.add_argument("--mpi", type=int, default=0, help="run with mpiexec -n N")
    a = ap.parse_args()

    ref = abinit_case.load_reference(a.reference)
    case = ref["case"]
    natom = len(case["xred"])
    name = case["name"] + ("" if a.grid == "abinit" else "_default_grid") + \
        (f"_np{a.mpi}" if a.mpi else "")
    os.makedirs(a.workdir, exist_ok=True)
    inp = os.path.join(a.workdir, name + ".yaml")
    prefix = os.path.join(a.workdir, name)
    with open(inp, "w") as f:
        f.write(abinit_case.furui_input(case, fft=ref["ngfft"] if a.grid == "abinit" else None,
                                        prefix=prefix))
    cmd = [a.furui, "scf", inp]
    if a.mpi:
        cmd = ["mpiexec", "--oversubscribe", "--allow-run-as-root", "-n", str(a.mpi)] + cmd
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                       timeout=1200)
    if p.returncode != 0:
        print(p.stdout[-3000:], p.stderr[-3000:])
        print(f"FAIL furui exited with {p.returncode}")
        return 1
    with open(prefix + ".json") as f:
        out = json.load(f)

    if a.grid == "default":
        check("total energy per atom (default grid)", out["energy_ha"]["total"] / natom,
              ref["etotal"] / natom, 1e-4)
        return 1 if failures else 0

    check("total energy per atom", out["energy_ha"]["total"] / natom, ref["etotal"] / natom, 1e-6)
    for mine, theirs in TERMS:
        if theirs in ref["energy_terms"]:
            check("energy term " + mine, out["energy_ha"][mine], ref["energy_terms"][theirs], 1e-5)
    if case.get("occopt", 1) != 1:
        check("Fermi level", out["fermi_level_ha"], ref["fermie"], 2e-5)

    # k-points: count, weights, equivalence
    kf = np.array(out["kpoints_red"])
    wf = np.array(out["kweights"])
    ka = np.array(ref["kpoints_red"])
    wa = np.array(ref["kweights"])
    check("number of irreducible k-points", len(kf), len(ka), 0)
    lattice = np.array(case["lattice"])
    cell = (lattice, np.array(case["xred"]), case["typat"])
    rots = spglib.get_symmetry(cell, symprec=1e-5)["rotations"]
    if len(kf) == len(ka):
        check("sorted k weights (max diff)", float(np.max(np.abs(np.sort(wf) - np.sort(wa)))), 0.0,
              1e-4)
        eig_f = np.array(out["eigenvalues_ha"])
        eig_a = np.array(ref["eigenvalues_ha"])
        worst = 0.0
        top_excess = -1.0
        for i, k in enumerate(ka):
            js = [j for j in range(len(kf)) if equivalent(kf[j], k, rots)]
            if not js:
                check(f"abinit k-point {k} found in furui set", 1, 0, 0)
                continue
            j = js[0]
            check(f"weight of k {np.round(k, 4)}", wf[j], wa[i], 1e-4 + 1e-9)
            nb = min(eig_a.shape[1], eig_f.shape[1])
            worst = max(worst, float(np.max(np.abs(eig_f[j, :nb - 1] - eig_a[i, :nb - 1]))))
            top_excess = max(top_excess, float(eig_f[j, nb - 1] - eig_a[i, nb - 1]))
        check("eigenvalues below the top band (max diff)", worst, 0.0, 2e-5)
        # ABINIT converges on the energy (toldfe) and leaves its highest band loose:
        # si_distorted's k #13 band 8 is 0.52454 there but 0.52402 when ABINIT is rerun
        # with 12 bands (validation/compare_with_abinit.py does such reruns). A Ritz
        # value is an upper bound, so furui's top band may only be lower.
        check("top band not above ABINIT's (max excess)", max(top_excess, 0.0), 0.0, 2e-5)
    fa = np.array(ref["forces_ha_bohr"])
    ff = np.array(out["forces_ha_bohr"])
    check("forces (max abs diff)", float(np.max(np.abs(ff - fa))), 0.0, 2e-5)
    sa = np.array(ref["stress_ha_bohr3"])
    sf = np.array(out["stress_ha_bohr3"])
    check("stress (max abs diff)", float(np.max(np.abs(sf - sa))), 0.0, 1e-6)
    print(f"{failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

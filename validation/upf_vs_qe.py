#!/usr/bin/python3
"""furui's UPF reader against Quantum ESPRESSO's pw.x on the same UPF file and FFT grid.

    /usr/bin/python3 validation/upf_vs_qe.py [--furui build/furui] [--keep DIR]

Cases: norm-conserving UPF v2 files of Debian's quantum-espresso-data
(/usr/share/espresso/pseudo): Si.pz-vbc (diamond Si, one atom displaced), Mg.pz-n-vbc
(hcp Mg with a nonlinear core correction, Methfessel-Paxton smearing) and Al.pz-vbc (fcc Al,
Gaussian smearing). Both codes use Perdew-Zunger LDA (furui: libxc lda_x+lda_c_pz), the same
plane-wave cutoff, k-mesh and FFT grid. Printed: total energy per atom, forces and stress,
and their differences; the check is 1e-6 Ha/atom in energy, 2e-5 Ha/bohr in forces,
1e-6 Ha/bohr^3 in stress. Exit status non-zero if a check fails or pw.x is missing (77).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import abinit_case  # noqa: E402
import qe_case  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PSEUDO = "/usr/share/espresso/pseudo"
RY = 0.5

A = 10.26
CASES = [
    dict(name="si_upf", species=["Si.pz-vbc.UPF"], symbols=["Si"],
         lattice=[[0, A / 2, A / 2], [A / 2, 0, A / 2], [A / 2, A / 2, 0]],
         xred=[[0.01, 0.0, 0.02], [0.25, 0.26, 0.25]], typat=[1, 1], ecut=12, kgrid=[3, 3, 3],
         shift=[0, 0, 0], nband=8, occopt=1, fft=[24, 24, 24]),
    dict(name="mg_upf_nlcc", species=["Mg.pz-n-vbc.UPF"], symbols=["Mg"],
         lattice=[[6.06, 0, 0], [-3.03, 5.2481, 0], [0, 0, 9.84]],
         xred=[[1 / 3, 2 / 3, 0.25], [2 / 3, 1 / 3, 0.76]], typat=[1, 1], ecut=15,
         kgrid=[4, 4, 3], shift=[0, 0, 0], nband=12, occopt=6, tsmear=0.02, fft=[24, 24, 40]),
    dict(name="al_upf", species=["Al.pz-vbc.UPF"], symbols=["Al"],
         lattice=[[0, 3.8, 3.8], [3.8, 0, 3.8], [3.8, 3.8, 0]], xred=[[0, 0, 0]], typat=[1],
         ecut=10, kgrid=[6, 6, 6], shift=[0, 0, 0], nband=6, occopt=7, tsmear=0.02,
         fft=[20, 20, 20]),
]
TOL_E, TOL_F, TOL_S = 1e-6, 2e-5, 1e-6


def run_qe(case, d):
    shutil.copy(os.path.join(PSEUDO, case["species"][0]), d)
    with open(os.path.join(d, "qe.in"), "w") as f:
        f.write(qe_case.qe_input(case, case["fft"], case["species"]))
    out = subprocess.run(["mpirun", "--allow-run-as-root", "-n", "1", "pw.x", "-in", "qe.in"],
                         cwd=d, capture_output=True, text=True,
                         env=dict(os.environ, OMP_NUM_THREADS="1"))
    text = out.stdout
    with open(os.path.join(d, "qe.out"), "w") as f:
        f.write(text)
    e, _ = qe_case.qe_energy_iters(text)
    nat = len(case["xred"])
    f = re.findall(r"atom\s+\d+ type\s+\d+\s+force =\s+(\S+)\s+(\S+)\s+(\S+)", text)
    forces = np.array([[float(x) for x in r] for r in f[:nat]]) * RY  # Ry/bohr -> Ha/bohr
    m = re.search(r"total\s+stress\s+\(Ry/bohr\*\*3\).*\n(.*)\n(.*)\n(.*)", text)
    # pw.x prints -σ (pressure positive); furui: positive = tensile
    stress = -np.array([[float(x) for x in m.group(i).split()[:3]] for i in (1, 2, 3)]) * RY
    return e, forces, stress


def run_furui(case, d, furui):
    inp = abinit_case.furui_input(case, fft=case["fft"], prefix="furui", xc="lda_x+lda_c_pz")
    inp = inp.replace("abinit:%s" % case["species"][0],
                      "abinit:%s" % os.path.join(PSEUDO, case["species"][0]))
    with open(os.path.join(d, "furui.yaml"), "w") as f:
        f.write(inp)
    p = subprocess.run([furui, "scf", "furui.yaml"], cwd=d, capture_output=True, text=True,
                       env=dict(os.environ, OMP_NUM_THREADS="1"))
    if p.returncode:
        raise RuntimeError("furui failed: " + p.stderr.strip())
    r = json.load(open(os.path.join(d, "furui.json")))
    return (r["energy_ha"]["total"], np.array(r["forces_ha_bohr"]), np.array(r["stress_ha_bohr3"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--furui", default=os.path.join(ROOT, "build", "furui"))
    ap.add_argument("--keep", help="keep the work files in this folder")
    a = ap.parse_args()
    if not (shutil.which("pw.x") and shutil.which("mpirun") and os.path.isdir(PSEUDO)):
        print("SKIP: pw.x or Debian's quantum-espresso-data is missing")
        return 77
    work = a.keep or tempfile.mkdtemp(prefix="furui_upf_qe_")
    failed = 0
    print("%-12s %18s %18s %10s %10s %10s" % ("case", "E furui (Ha)", "E pw.x (Ha)",
                                             "|dE|/atom", "max|dF|", "max|dsig|"))
    for case in CASES:
        d = os.path.join(work, case["name"])
        os.makedirs(d, exist_ok=True)
        eq, fq, sq = run_qe(case, d)
        ef, ff, sf = run_furui(case, d, a.furui)
        nat = len(case["xred"])
        de = abs(ef - eq) / nat
        df = float(np.max(np.abs(ff - fq)))
        ds = float(np.max(np.abs(sf - sq)))
        ok = de <= TOL_E and df <= TOL_F and ds <= TOL_S
        failed += not ok
        print("%-12s %18.10f %18.10f %10.1e %10.1e %10.1e  %s" %
              (case["name"], ef, eq, de, df, ds, "PASS" if ok else "FAIL"))
    if not a.keep:
        shutil.rmtree(work)
    print("%d passed, %d failed" % (len(CASES) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

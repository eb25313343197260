#!/usr/bin/python3
"""Band structures: furui vs ABINIT at the same k-points.

For each system: `furui bands` (SCF, Setyawan-Curtarolo path, NSCF, gaps,
DOS) writes PREFIX.bands.json; ABINIT then runs the same SCF (dataset 1, on
furui's FFT grid, so both Hamiltonians are discretised alike) and a
non-self-consistent run (dataset 2: iscf -2, kptopt 0, the explicit list of
furui's path points) from that density. Compared: every eigenvalue at every
path point (max |Δε|), and the band gap over the same path points
(VBM = max band nocc-1, CBM = min band nocc; requirement |Δgap| < 0.01 eV).

    validation/bands_vs_abinit.py [--furui PATH] [--abinit PATH] [--workdir DIR]
                                  [--density D] [--markdown] [--plot] [SYSTEM ...]

Systems: si, gaas, alp, mgo (default: all). Exit 0 if every system passes,
1 if one fails, 77 if ABINIT is not installed (ctest skip).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import abinit_case  # noqa: E402
import compare_with_abinit as cwa  # noqa: E402

HA_EV = 27.211386245988
GAP_TOL_EV = 0.01

# Small cutoffs: the comparison is of the two codes on the same discretisation,
# not of converged physics. Lattice rows in bohr, HGH potentials of ABINIT.
def fcc(a):
    h = a / 2
    return [[0.0, h, h], [h, 0.0, h], [h, h, 0.0]]


SYSTEMS = {
    "si": dict(lattice=fcc(10.263), xred=[[0, 0, 0], [0.25, 0.25, 0.25]], typat=[1, 1],
               species=["14si.4.hgh"], ecut=8.0, kgrid=[4, 4, 4], shift=[0, 0, 0], nband=8),
    "gaas": dict(lattice=fcc(10.68), xred=[[0, 0, 0], [0.25, 0.25, 0.25]], typat=[1, 2],
                 species=["31ga.3.hgh", "33as.5.hgh"], ecut=10.0, kgrid=[4, 4, 4],
                 shift=[0, 0, 0], nband=8),
    "alp": dict(lattice=fcc(10.32), xred=[[0, 0, 0], [0.25, 0.25, 0.25]], typat=[1, 2],
                species=["13al.3.hgh", "15p.5.hgh"], ecut=8.0, kgrid=[4, 4, 4],
                shift=[0, 0, 0], nband=8),
    "mgo": dict(lattice=fcc(7.96), xred=[[0, 0, 0], [0.5, 0.5, 0.5]], typat=[1, 2],
                species=["12mg.2.hgh", "8o.6.hgh"], ecut=25.0, kgrid=[4, 4, 4],
                shift=[0, 0, 0], nband=8),
}


def run_furui(name, case, furui, wd, density):
    text = abinit_case.furui_input(case, forces=False, stress=False, tol_energy=1e-11,
                                   tol_density=1e-10)
    inp = os.path.join(wd, "furui.yaml")
    with open(inp, "w") as f:
        f.write(text)
    prefix = os.path.join(wd, "furui")
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    p = subprocess.run([furui, "bands", inp, "-o", prefix, "--density", str(density)],
                       capture_output=True, text=True, env=env, timeout=600)
    if p.returncode != 0:
        raise RuntimeError(f"furui bands failed ({p.returncode}): {p.stderr.strip()}")
    with open(prefix + ".bands.json") as f:
        return json.load(f), prefix


def run_abinit(case, abinit, wd, fb):
    kpts = np.array(fb["path"]["kred"])
    nb = case["nband"]
    fft = fb["fft_grid"]
    extra = "\n".join([
        "ndtset 2",
        "ngfft %d %d %d" % tuple(fft),
        # dataset 2: non-self-consistent, explicit k list (furui's path points)
        "iscf2 -2", "getden2 1", "kptopt2 0", "nkpt2 %d" % len(kpts),
        "kpt2 " + "\n     ".join("%.15f %.15f %.15f" % tuple(k) for k in kpts),
        "wtk2 %s" % " ".join(["1"] * len(kpts)),
        "nband2 %d" % (nb + 4), "nbdbuf2 4",
        "toldfe2 0", "tolwfr2 1e-16", "nstep2 100", "optforces2 0", "optstress2 0",
        "prtden1 1", "prtgsr 1", ""])
    text = abinit_case.abinit_input(case, nband=nb, prteig=True, extra=extra)
    with open(os.path.join(wd, "run.abi"), "w") as f:
        f.write(text)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    with open(os.path.join(wd, "log"), "w") as log:
        p = subprocess.run([abinit, "run.abi"], cwd=wd, stdout=log, stderr=subprocess.STDOUT,
                           env=env, timeout=1800)
    gsr = cwa.read_gsr(os.path.join(wd, "runo_DS2_GSR.nc"))
    if p.returncode != 0 or gsr is None:
        with open(os.path.join(wd, "log")) as f:
            tail = f.read()[-2000:]
        raise RuntimeError("ABINIT failed (exit %d): %s" % (p.returncode, tail))
    kab = gsr["reduced_coordinates_of_kpoints"]
    if np.max(np.abs(kab - kpts)) > 1e-10:
        raise RuntimeError("ABINIT's k-points differ from furui's")
    return gsr["eigenvalues"][:, :, :nb]  # [nsppol][nk][nb] Ha


def path_gap(eig, nocc):
    vb, cb = eig[0, :, nocc - 1], eig[0, :, nocc]
    return float(cb.min() - vb.max()), int(vb.argmax()), int(cb.argmin())


def compare(name, furui, abinit, workdir, density, plot):
    case = SYSTEMS[name]
    wd = os.path.join(workdir, name)
    shutil.rmtree(wd, ignore_errors=True)
    os.makedirs(wd)
    fb, prefix = run_furui(name, case, furui, wd, density)
    ea = run_abinit(case, abinit, wd, fb)
    ef = np.array(fb["path"]["eigenvalues_ha"])[:, :, :case["nband"]]
    nocc = fb["occupied_bands"][0]
    gf, ivf, icf = path_gap(ef, nocc)
    ga, iva, ica = path_gap(ea, nocc)
    row = dict(system=name, npath=ef.shape[1], nband=ef.shape[2], fft=fb["fft_grid"],
               max_deig_ha=float(np.max(np.abs(ef - ea))),
               gap_furui_ev=gf * HA_EV, gap_abinit_ev=ga * HA_EV,
               dgap_ev=abs(gf - ga) * HA_EV, gap_abinit_ha=ga,
               # ABINIT's band edges are furui's too (to 1e-6 Ha; Γ occurs twice on a path)
               same_edges=bool(abs(ef[0, iva, nocc - 1] - ef[0, ivf, nocc - 1]) < 1e-6 and
                               abs(ef[0, ica, nocc] - ef[0, icf, nocc]) < 1e-6),
               furui_gap_ev=fb["gap"]["gap_ev"], direct=fb["gap"]["direct"],
               vbm=fb["gap"]["vbm_label"] or str(np.round(fb["gap"]["vbm_kred"], 3).tolist()),
               cbm=fb["gap"]["cbm_label"] or str(np.round(fb["gap"]["cbm_kred"], 3).tolist()))
    row["ok"] = row["dgap_ev"] < GAP_TOL_EV
    if plot:
        script = os.path.join(ROOT, "workflows", "plot_bands.py")
        p = subprocess.run([sys.executable, script, prefix + ".bands.h5", "-o", prefix],
                           capture_output=True, text=True, timeout=300)
        png = prefix + ".bands.png"
        row["plot_ok"] = p.returncode == 0 and os.path.exists(png) and os.path.getsize(png) > 1000
        if not row["plot_ok"]:
            print("plot failed:", p.stdout, p.stderr)
            row["ok"] = False
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--furui", default=os.path.join(ROOT, "build", "furui"))
    ap.add_argument("--abinit", default="/usr/bin/abinit")
    ap.add_argument("--workdir", default=os.path.join(ROOT, "out", "bands_vs_abinit"))
    ap.add_argument("--density", type=float, default=10.0, help="path points per bohr^-1")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--plot", action="store_true", help="also run workflows/plot_bands.py")
    ap.add_argument("systems", nargs="*")
    a = ap.parse_args()
    if not os.access(a.abinit, os.X_OK):
        print(f"SKIP: {a.abinit} not installed")
        return 77
    names = a.systems or list(SYSTEMS)
    rows = []
    for n in names:
        if n not in SYSTEMS:
            print(f"unknown system {n} (known: {', '.join(SYSTEMS)})")
            return 1
        rows.append(compare(n, a.furui, a.abinit, a.workdir, a.density, a.plot))
    if a.markdown:
        print("| system | path points | bands | FFT | max abs Δε (Ha) | gap furui (eV) | "
              "gap ABINIT (eV) | abs Δgap (eV) | VBM | CBM | gap mesh+path (eV) |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print("| %s | %d | %d | %s | %.1e | %.4f | %.4f | %.1e | %s | %s | %.4f%s |" % (
                r["system"], r["npath"], r["nband"], "x".join(map(str, r["fft"])),
                r["max_deig_ha"], r["gap_furui_ev"], r["gap_abinit_ev"], r["dgap_ev"],
                r["vbm"], r["cbm"], r["furui_gap_ev"], " direct" if r["direct"] else ""))
    else:
        for r in rows:
            print("%-5s %3d k x %2d bands  max|Δε| %.2e Ha  gap furui %.5f eV  ABINIT %.5f eV "
                  "(%.9f Ha)  |Δ| %.1e eV  edges at same k: %s  %s" % (
                      r["system"], r["npath"], r["nband"], r["max_deig_ha"], r["gap_furui_ev"],
                      r["gap_abinit_ev"], r["gap_abinit_ha"], r["dgap_ev"], r["same_edges"],
                      "OK" if r["ok"] else "FAIL"))
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

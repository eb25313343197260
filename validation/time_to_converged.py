#!/usr/bin/python3
"""Time to a total energy converged to 1 meV/atom: each code and pseudopotential table at its
own converged cutoff, found by a cutoff ladder.

    /usr/bin/python3 validation/time_to_converged.py [--furui build/furui] [--system mgo]

For each setup the ladder runs E(Ecut) on one structure and k-mesh; the converged cutoff is the
lowest rung from which every higher rung stays within 1 meV/atom of the top rung (the top rung
is the reference, so it must lie well beyond convergence: its own error is not counted). The
time is the CPU time (user + system) of that rung (one rank, one thread; the
wall time on an idle machine). Setups:
  furui + PseudoDojo v0.4 PBE (full table in ../shared/pseudodojo/nc-sr-04-pbe)
  ABINIT 9.6.2 + the same PseudoDojo files
  furui + CP2K GTH-PBE (semicore where CP2K has it)
Systems: mgo (rock salt, a = 4.21 A), zno (wurtzite), srtio3 (cubic perovskite), 2x2x2 meshes.
"""
import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import abinit_case  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PD = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "pseudodojo", "nc-sr-04-pbe"))
MEV_HA = 1e-3 / 27.211386245988
ENV = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
           OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")


def fcc(a):
    h = a / 2
    return [[0, h, h], [h, 0, h], [h, h, 0]]


SYSTEMS = {
    "mgo": dict(name="mgo", lattice=fcc(7.96), xred=[[0, 0, 0], [0.5, 0.5, 0.5]], typat=[1, 2],
                kgrid=[2, 2, 2], shift=[0, 0, 0], nband=10, occopt=1, ixc=11,
                pd=["Mg/Mg-sp.psp8", "O/O.psp8"], gth=["GTH-PBE-q10", "GTH-PBE-q6"],
                symbols=["Mg", "O"], ladder_pd=list(range(20, 75, 5)),
                ladder_gth=list(range(60, 301, 30))),
    # wurtzite, a = 3.25 A, c/a = 1.602, u = 0.382
    "zno": dict(name="zno", lattice=[[6.1416, 0, 0], [-3.0708, 5.31878, 0], [0, 0, 9.8388]],
                xred=[[1 / 3, 2 / 3, 0], [2 / 3, 1 / 3, 0.5], [1 / 3, 2 / 3, 0.382],
                      [2 / 3, 1 / 3, 0.882]], typat=[1, 1, 2, 2],
                kgrid=[2, 2, 2], shift=[0, 0, 0], nband=30, occopt=1, ixc=11,
                pd=["Zn/Zn-sp.psp8", "O/O.psp8"], gth=["GTH-PBE-q12", "GTH-PBE-q6"],
                symbols=["Zn", "O"], ladder_pd=list(range(25, 76, 5)),
                ladder_gth=list(range(90, 331, 60))),
    # cubic perovskite, a = 3.905 A
    "srtio3": dict(name="srtio3", lattice=[[7.3794, 0, 0], [0, 7.3794, 0], [0, 0, 7.3794]],
                   xred=[[0, 0, 0], [0.5, 0.5, 0.5], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]],
                   typat=[1, 2, 3, 3, 3], kgrid=[2, 2, 2], shift=[0, 0, 0], nband=24, occopt=1,
                   ixc=11, pd=["Sr/Sr-sp.psp8", "Ti/Ti-sp.psp8", "O/O.psp8"],
                   gth=["GTH-PBE-q10", "GTH-PBE-q12", "GTH-PBE-q6"], symbols=["Sr", "Ti", "O"],
                   ladder_pd=list(range(25, 76, 5)), ladder_gth=list(range(90, 331, 60))),
}


def child_cpu():
    """CPU seconds (user + system) of the finished children: on a shared machine the wall time
    measures the other jobs too, the CPU time of a one-thread run much less so."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def furui_energy(case, species_specs, ecut, furui, d):
    # placeholder file names give furui_input the element symbols; the specs replace them
    c = dict(case, ecut=ecut, species=[sym + ".x" for sym in case["symbols"]])
    text = abinit_case.furui_input(c, prefix="f", tol_energy=1e-9, tol_density=1e-8, xc="pbe",
                                   forces=False, stress=False)
    for sym, spec in zip(case["symbols"], species_specs):
        text = text.replace("%s: abinit:%s.x" % (sym, sym), "%s: %s" % (sym, spec))
    text += "allow_unconverged: true\n"  # a ladder starts below the table's low hint on purpose
    with open(os.path.join(d, "in.yaml"), "w") as f:
        f.write(text)
    t0 = child_cpu()
    p = subprocess.run([furui, "scf", "in.yaml"], cwd=d, env=ENV, capture_output=True, text=True)
    t = child_cpu() - t0
    if p.returncode:
        raise RuntimeError("furui: " + p.stderr.strip())
    return json.load(open(os.path.join(d, "f.json")))["energy_ha"]["total"], t


def abinit_energy(case, ecut, d):
    c = dict(case, ecut=ecut, species=case["pd"])
    text = abinit_case.abinit_input(c, ixc=-101130, pp_dirpath=PD, extra="nc_xccc_gspace 1\n")
    text = text.replace("optforces 1", "optforces 0").replace("optstress 1", "optstress 0")
    text = text.replace("toldfe 1e-11", "toldfe 1e-9")
    with open(os.path.join(d, "run.abi"), "w") as f:
        f.write(text)
    t0 = child_cpu()
    p = subprocess.run(["abinit", "run.abi"], cwd=d, env=ENV, capture_output=True, text=True)
    t = child_cpu() - t0
    e = re.findall(r"etotal\s+(-?\d+\.\d+E[+-]\d+)", open(os.path.join(d, "run.abo")).read())
    if p.returncode or not e:
        raise RuntimeError("abinit failed in " + d)
    return float(e[-1]), t


def converged_rung(ladder, energies, natom):
    """Index of the converged rung, or None when only the top rung (the reference) qualifies:
    then the ladder never converged."""
    ref = energies[-1]
    for i in range(len(ladder) - 1):
        if all(abs(e - ref) / natom < MEV_HA for e in energies[i:]):
            return i
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--furui", default=os.path.join(HERE, "..", "build", "furui"))
    ap.add_argument("--system", default="mgo", choices=sorted(SYSTEMS))
    a = ap.parse_args()
    if not os.path.isdir(PD):
        print("SKIP: the PseudoDojo table is not at", PD)
        return 77
    case = SYSTEMS[a.system]
    natom = len(case["xred"])
    work = tempfile.mkdtemp(prefix="furui-ttc-")
    setups = [("furui + PseudoDojo", case["ladder_pd"],
               lambda e, d: furui_energy(case, ["table:" + PD] * len(case["symbols"]), e,
                                         os.path.abspath(a.furui), d)),
              ("ABINIT + PseudoDojo", case["ladder_pd"], lambda e, d: abinit_energy(case, e, d)),
              ("furui + GTH", case["ladder_gth"],
               lambda e, d: furui_energy(case, ["cp2k:" + g for g in case["gth"]], e,
                                         os.path.abspath(a.furui), d))]
    print("%s: 1 meV/atom = %.2e Ha/atom; ladder energies per atom relative to the top rung (Ha)" %
          (case["name"], MEV_HA))
    rows = []
    for label, ladder, run in setups:
        es, ts = [], []
        for ecut in ladder:
            d = os.path.join(work, "%s_%d" % (label.split()[0] + label.split()[-1], ecut))
            os.makedirs(d, exist_ok=True)
            e, t = run(ecut, d)
            es.append(e)
            ts.append(t)
        i = converged_rung(ladder, es, natom)
        print("%-20s " % label + " ".join("%d:%+.1e" % (c, (e - es[-1]) / natom)
                                          for c, e in zip(ladder, es)))
        rows.append((label, None if i is None else ladder[i], ts[-1 if i is None else i], ladder[-1],
                     abs(es[-1] - es[-2]) / natom))
    print("\n| setup | converged cutoff (Ha) | CPU time at it (s) | top rung (Ha) |")
    print("|---|---|---|---|")
    for label, ec, t, top, last in rows:
        if ec is None:  # the time is then a lower bound: that of the top rung
            print("| %s | not within the ladder (last step %.1e Ha/atom) | > %.2f | %d |" %
                  (label, last, t, top))
        else:
            print("| %s | %d | %.2f | %d |" % (label, ec, t, top))
    shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""furui vs ABINIT speed on the same inputs, one MPI rank and one thread each.

For every system: best-of-N wall time of each code (the whole process, start
to exit), the ratio furui/ABINIT, peak resident memory, SCF iterations, and
the total-energy difference per atom, so speed is never bought with accuracy.
Quantum ESPRESSO's pw.x (Debian quantum-espresso) runs the same potentials
(converted to its pspcod-10 reader by qe_case.py) on the same FFT grid when it
is installed (--no-qe skips it); its LDA is Perdew-Zunger, not Teter93, so its
|dE| column measures that functional difference, not an error.
Both run on ABINIT's FFT grid with forces and stress, ABINIT with its
reference input (toldfe 1e-11), furui with energy 1e-11 Ha / density 1e-8.

usage: validation/benchmark.py [--furui build/furui] [--repeat 3] [CASE.json ...]
(default cases: ../shared/reference/abinit/*.json). Run on a quiet machine.
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import abinit_case  # noqa: E402
import qe_case  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ENV = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
           OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")


def timed(cmd, cwd):
    """Wall seconds and peak RSS (MiB) of one child process."""
    t0 = time.perf_counter()
    with open(os.path.join(cwd, "stdout"), "w") as out:
        p = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=ENV)
        _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{cmd[0]} failed in {cwd} (see stdout there)")
    return wall, usage.ru_maxrss / 1024.0


def abinit_etotal_iters(abo):
    text = open(abo).read()
    iters = len(re.findall(r"^ ETOT +\d+", text, re.M))
    m = re.findall(r"etotal\s+(-?\d+\.\d+E[+-]\d+)", text)
    return float(m[-1]), iters


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--furui", default=os.path.join(HERE, "..", "build", "furui"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", help="directory to keep the runs in")
    ap.add_argument("--no-qe", action="store_true", help="do not run Quantum ESPRESSO pw.x")
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    cases = a.cases or sorted(glob.glob(os.path.join(HERE, "..", "..", "shared", "reference",
                                                     "abinit", "*.json")))
    furui = os.path.abspath(a.furui)
    root = a.keep or tempfile.mkdtemp(prefix="furui-bench-")
    rows, profiles = [], []
    for path in cases:
        ref = abinit_case.load_reference(path)
        case = ref["case"]
        name = case["name"]
        natom = len(case["xred"])
        d = os.path.join(root, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "run.abi"), "w") as f:
            f.write(ref["abinit_input"])
        with open(os.path.join(d, "in.yaml"), "w") as f:
            f.write(abinit_case.furui_input(case, fft=ref["ngfft"], prefix="furui",
                                            tol_energy=1e-11, tol_density=1e-8))
        qe = not a.no_qe and shutil.which("pw.x") and shutil.which("mpirun")
        if qe:
            names = []
            for k, sp in enumerate(case["species"]):
                src = os.path.join(case.get("psp_dir", "/usr/share/abinit/psp"), sp)
                names.append("psp%d.gth" % k)
                with open(os.path.join(d, names[-1]), "w") as f:
                    f.write(qe_case.hgh_to_psp10(open(src).read()))
            with open(os.path.join(d, "qe.in"), "w") as f:
                f.write(qe_case.qe_input(case, ref["ngfft"], names))
        tf, mf, ta, ma, tq, mq = [], 0.0, [], 0.0, [], 0.0
        for _ in range(a.repeat):
            for stale in glob.glob(os.path.join(d, "runo_*")) + glob.glob(os.path.join(d, "run.abo*")):
                os.remove(stale)
            w, m = timed(["abinit", "run.abi"], d)
            ta.append(w)
            ma = max(ma, m)
            w, m = timed([furui, "scf", "in.yaml"], d)
            tf.append(w)
            mf = max(mf, m)
            if qe:
                w, m = timed(["mpirun", "--allow-run-as-root", "-n", "1", "pw.x", "-in", "qe.in"], d)
                tq.append(w)
                mq = max(mq, m)  # of mpirun itself: pw.x runs in a grandchild
        ea, ia = abinit_etotal_iters(os.path.join(d, "run.abo"))
        out = json.load(open(os.path.join(d, "furui.json")))
        ef, it_f = out["energy_ha"]["total"], out["scf"]["iterations"]
        qcol = None
        if qe:
            eq, iq = qe_case.qe_energy_iters(open(os.path.join(d, "stdout")).read())
            qcol = (min(tq), iq, abs(eq - ea) / natom)
        rows.append((name, min(tf), min(ta), mf, ma, it_f, ia, abs(ef - ea) / natom, qcol))
        profiles.append((name, out.get("wall_seconds", 0.0), out.get("profile_seconds", {})))
    print(f"# furui vs ABINIT, 1 rank, 1 thread, best of {a.repeat}; runs in {root}")
    print("%-18s %9s %9s %7s %9s %9s %6s %6s %12s %8s %8s %6s %12s" % (
        "system", "furui_s", "abinit_s", "ratio", "furui_MiB", "abinit_MiB", "it_fu", "it_ab",
        "|dE|/atom_Ha", "qe_s", "fu/qe", "it_qe", "qe|dE|/atom"))
    worst = 0.0
    for r in rows:
        ratio = r[1] / r[2]
        worst = max(worst, ratio)
        q = r[8]
        qtxt = ("%8.3f %8.3f %6d %12.2e" % (q[0], r[1] / q[0], q[1], q[2])) if q else "%8s %8s %6s %12s" % ("-", "-", "-", "-")
        print("%-18s %9.3f %9.3f %7.3f %9.1f %9.1f %6d %6d %12.2e %s" % (r[0], r[1], r[2], ratio,
                                                                        r[3], r[4], r[5], r[6], r[7], qtxt))
    print(f"# worst ratio {worst:.3f}")
    # where furui's SCF time goes (last repeat; profile_seconds of the JSON, % of the SCF wall time)
    cats = ["setup", "local", "nonlocal", "eigensolver", "density", "potential", "mixing", "forces_stress",
            "other"]
    print("# furui profile, % of the SCF wall time (local = wavefunction FFTs and V_loc, eigensolver = "
          "orthogonalisation/Rayleigh-Ritz outside H, potential = Hartree + XC)")
    print("%-18s %8s " % ("system", "scf_s") + " ".join("%9s" % c[:9] for c in cats))
    for name, wall, prof in profiles:
        if prof and wall > 0:
            print("%-18s %8.3f " % (name, wall) + " ".join("%9.1f" % (100 * prof.get(c, 0) / wall) for c in cats))
    return 0


if __name__ == "__main__":
    sys.exit(main())

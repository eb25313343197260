#!/usr/bin/python3
"""The same SCF on 1, 2 and 3 MPI ranks gives the same answer, and only rank 0 writes.

    mpi_consistency.py --furui build/furui --mpiexec mpiexec --workdir DIR
                       [--input tests/cli/si_mpi.yaml] [--ranks 1,2,3] [--tol 1e-10]

The 1-rank run is `mpiexec -n 1 furui scf INPUT -o out`. "0 ranks" is a plain
`furui scf INPUT -o out` outside any launcher: it must not start MPI at all (its log says
so; src/core/comm.h) and agree with the 1-rank run. An N-rank run (N > 1) is one
MPI job of N ranks started as two application contexts,
    mpiexec -n 1 -wdir N/rank0 furui scf INPUT -o out : -n N-1 -wdir N/others furui ...
so rank 0 and the other ranks have different working directories: anything a rank > 0
writes (out.log, out.json, out.h5, temporaries) would appear in N/others, which must stay
empty. Checks: exit status 0 (mpiexec returns non-zero if any rank does), exactly one
report on stdout, nothing from furui on stderr, no crash report; the k-point set and
weights are identical; total energy, every energy term, Fermi level, eigenvalues, forces
and stress agree with the 1-rank run to --tol (absolute, Ha units); the HDF5 total
equals the JSON total. Then the input at Γ alone (one k-point) on 1 and 2 ranks: the
second rank shares the bands of the one k-point (src/dft/bandpar.h) and must not change
the answer beyond rounding, and the log must say so (tests/cli/band_parallel.py tests
band parallelism on more cells and ranks).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CRASH_MARKERS = ("AddressSanitizer", "LeakSanitizer", "runtime error:", "Segmentation fault",
                 "Process received signal", "MPI_ABORT", "core dumped")
failures = []


def check(ok, msg):
    if not ok:
        failures.append(msg)
        print("FAIL: " + msg)
    return ok


def run(args, n, base):
    furui, inp = os.path.abspath(args.furui), os.path.abspath(args.input)
    fu = [furui, "scf", inp, "-o", "out"] + list(getattr(args, "extra", []))  # extra options
    mpi = [args.mpiexec, "--oversubscribe", "--allow-run-as-root"]
    r0 = os.path.join(base, "rank0")
    rest = os.path.join(base, "others")
    os.makedirs(r0)
    if n == 0:
        cmd = fu
    elif n == 1:
        cmd = mpi + ["-n", "1"] + fu
    else:
        os.makedirs(rest)
        cmd = mpi + ["-n", "1", "-wdir", r0] + fu + [":", "-n", str(n - 1), "-wdir", rest] + fu
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               # One FFTW wisdom file for all runs: the 1-rank run measures the plans, the
               # others reuse them. Without it each process measures its own plans, which
               # can differ from run to run and change results by ~1e-11 Ha on their own.
               FURUI_FFTW_WISDOM=os.path.join(os.path.dirname(base), "fftw.wisdom"))
    env.setdefault("ASAN_OPTIONS", "detect_leaks=0")
    if n == 0:  # as from a shell: no launcher's variables
        for k in [k for k in env if k.startswith(("OMPI_COMM_WORLD", "PMIX_", "PMI_")) or k == "FURUI_MPI"]:
            del env[k]
    p = subprocess.run(cmd, cwd=r0, env=env, capture_output=True, timeout=300)
    out, err = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    print(f"{n} rank(s): exit {p.returncode}: {' '.join(cmd)}")
    if not check(p.returncode == 0, f"{n} ranks: exit status {p.returncode}\nstderr:\n{err}"):
        return None
    check(not [l for l in err.splitlines() if l.startswith("furui")],
          f"{n} ranks: furui wrote to stderr:\n{err}")
    for m in CRASH_MARKERS:
        check(m not in err and m not in out, f"{n} ranks: crash report ('{m}')")
    check(out.count("== Energy (Ha) ==") == 1,
          f"{n} ranks: {out.count('== Energy (Ha) ==')} energy reports on stdout, expected 1")
    files = sorted(os.listdir(r0))
    check(files == ["out.h5", "out.json", "out.log"], f"{n} ranks: rank 0 wrote {files}")
    if n > 1:
        stray = sorted(os.listdir(rest))
        check(stray == [], f"{n} ranks: ranks 1..{n - 1} wrote {stray}")
    with open(os.path.join(r0, "out.json"), encoding="utf-8") as f:
        js = json.load(f)
    with h5py.File(os.path.join(r0, "out.h5"), "r") as h:
        check(float(h["energy/total"][()]) == js["energy_ha"]["total"],
              f"{n} ranks: HDF5 and JSON total energies differ")
    check(js.get("converged") is True, f"{n} ranks: not converged")
    with open(os.path.join(r0, "out.log"), encoding="utf-8") as f:
        head = f.read(4096)
    want = "# MPI not started (one process)" if n == 0 else f"# MPI ranks: {n}"
    check(want in head, f"{n} ranks: log does not say '{want}'")
    return js


def compare(ref, js, n, tol):
    check(js["kpoints_red"] == ref["kpoints_red"], f"{n} ranks: different k-points")
    check(js["kweights"] == ref["kweights"], f"{n} ranks: different k-weights")
    worst = []
    e0, e1 = ref["energy_ha"], js["energy_ha"]
    check(set(e0) == set(e1), f"{n} ranks: energy terms {sorted(e1)} vs {sorted(e0)}")
    for k in sorted(set(e0) & set(e1)):
        dv = abs(e1[k] - e0[k])
        worst.append((dv, f"energy_ha.{k}"))
    for key in ("fermi_level_ha",):
        worst.append((abs(js[key] - ref[key]), key))
    for key in ("eigenvalues_ha", "forces_ha_bohr", "stress_ha_bohr3"):
        a, b = np.array(ref[key], dtype=float), np.array(js[key], dtype=float)
        if not check(a.shape == b.shape, f"{n} ranks: {key} shape {b.shape} vs {a.shape}"):
            continue
        if key == "eigenvalues_ha":
            # Empty bands are converged to residual 1e-5 only (src/dft/scf.c, TOL_EMPTY_BANDS):
            # their eigenvalues are good to ~r^2/gap, up to 7e-7 Ha for a top band, and rounding
            # in another rank split moves them within that. Occupied bands: --tol like the rest.
            occ = np.array(ref["occupations"], dtype=float) > 0
            worst.append((float(np.abs(a - b)[occ].max()), "eigenvalues_ha (occupied)"))
            empty = float(np.abs(a - b)[~occ].max()) if (~occ).any() else 0.0
            check(empty <= 1e-6, f"{n} ranks: empty-band eigenvalues differ by {empty:.3e} > 1e-6")
        else:
            worst.append((float(np.abs(a - b).max()), key))
    for dv, what in worst:
        check(dv <= tol, f"{n} ranks: {what} differs from the 1-rank run by {dv:.3e} > {tol:g}")
    dv, what = max(worst)
    print(f"  {n} ranks vs 1: largest difference {dv:.2e} ({what}); "
          f"SCF iterations {js['scf']['iterations']} vs {ref['scf']['iterations']}")


BAND_NOTE = "# layout: 1 k-group x 2 band ranks"


def log_text(base):
    with open(os.path.join(base, "rank0", "out.log"), encoding="utf-8") as f:
        return f.read()


def gamma_only(args, top):
    """One k-point on 2 ranks: they share its bands, and must leave the result alone."""
    with open(args.input, encoding="utf-8") as f:
        text = f.read()
    grid = "kpoints: {grid: [4, 4, 4], shift: [0, 0, 0]}"
    if not check(grid in text, f"--input has no '{grid}' line to replace by Γ alone"):
        return
    # Single energy terms are first order in the density left unconverged (the total second
    # order): at Γ alone they came out 1.1e-10 Ha apart between 1 and 2 ranks at the input's
    # density_tolerance 1e-10, and 1.06e-10 in 1 of ~7 runs at 1e-11 (the 2-rank run is not
    # bit-reproducible: 19 or 23 SCF steps), so this case converges the density two decades
    # further (1e-12: ≤ 4.8e-11 in 13 runs)
    dtol = "density_tolerance: 1e-10"
    if not check(dtol in text, f"--input has no '{dtol}' to tighten for the Γ case"):
        return
    path = os.path.join(top, "gamma.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(grid, "kpoints: {grid: [1, 1, 1], shift: [0, 0, 0]}")
                .replace(dtol, "density_tolerance: 1e-12"))
    ga = argparse.Namespace(**vars(args))
    ga.input = path
    one = run(ga, 1, os.path.join(top, "gamma_np1"))
    two = run(ga, 2, os.path.join(top, "gamma_np2"))
    if one is None or two is None:
        return
    check(len(one["kweights"]) == 1, f"Γ input: {len(one['kweights'])} k-points, expected 1")
    compare(one, two, 2, args.tol)
    check(BAND_NOTE in log_text(os.path.join(top, "gamma_np2")),
          f"Γ on 2 ranks: log does not say '{BAND_NOTE}'")
    check("ranks idle" not in log_text(os.path.join(top, "gamma_np2")),
          "Γ on 2 ranks: log claims idle ranks")
    check("ranks idle" not in log_text(os.path.join(top, "gamma_np1")),
          "Γ on 1 rank: log claims idle ranks")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--furui", required=True)
    ap.add_argument("--mpiexec", default="mpiexec")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--input", default=os.path.join(HERE, "si_mpi.yaml"))
    ap.add_argument("--ranks", default="1,0,2,3")
    ap.add_argument("--tol", type=float, default=1e-10)
    args = ap.parse_args()
    ranks = [int(x) for x in args.ranks.split(",")]
    if ranks[0] != 1:
        ap.error("--ranks must start with 1 (the reference; 0 = no mpiexec, MPI not started)")
    top = os.path.abspath(os.path.join(args.workdir, "mpi_consistency"))
    if os.path.exists(top):
        shutil.rmtree(top)
    results = {}
    for n in ranks:
        results[n] = run(args, n, os.path.join(top, f"np{n}"))
        if results[n] is None:
            break
    if results.get(1) is not None:
        for n in ranks[1:]:
            if results.get(n) is not None:
                compare(results[1], results[n], n, args.tol)
                check("ranks idle" not in log_text(os.path.join(top, f"np{n}")),
                      f"{n} ranks on 13 k-points: log claims idle ranks")
    if 2 in ranks and not failures:
        gamma_only(args, top)
    if failures or any(v is None for v in results.values()):
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()

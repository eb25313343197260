#!/usr/bin/python3
"""Task-farm efficiency of `furui screen`: one command, prints a table.

    validation/farm_benchmark.py [--furui build/furui] [--mpiexec mpiexec] [--workers 1,2]
                                 [--candidates 8] [--ecut 12] [--workdir DIR]

Runs one sweep of candidates of a second or more each (diamond Si at 16
strains, LDA, ecut 20 Ha, 4x4x4 k: about 1.5 s per SCF on one free core) serially
(`-n 1`: rank 0 computes) and with N worker ranks (`-n N+1`: with more than
one rank, rank 0 only coordinates and sleeps between messages, so N+1 ranks
give N workers; group size 1). From the timings the farm records
(RESULTS.h5: engine_seconds = time inside the SCF per candidate,
io_seconds, time_start/time_end; stdout "screen: time:" = coordinator
journal/log I/O and the results-file write; the farm's wall time) it prints:

  throughput    candidates per second of farm wall time
  efficiency    throughput / (N x throughput of 1 worker): the farm's scaling
  engine share  sum of engine seconds / (N x farm wall): what the worker ranks
                spent inside the SCF; 1 - it is everything outside the engine
                (coordination, messages, I/O, idle at the end)
  I/O share     coordinator journal appends + job-log writes / farm wall (per
                candidate, so it does not shrink with more candidates), and
                separately the one results-file write at the end
  startup       process wall - farm wall (mpiexec, MPI_Init, reading the sweep)
  engine slowdown  mean engine seconds per candidate / the 1-worker run's: the
                SCF itself got slower (cores shared), which is not farm overhead

Goal (issue): >= 95 % efficiency for candidates of >= 1 s, I/O < 1 % of the
run. On a machine with fewer free cores than workers, efficiency also
measures the cores: read it with the engine share and the engine slowdown.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time

import h5py
import numpy as np

ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", FURUI_FFTW_WISDOM="off", OMP_NUM_THREADS="1",
           OPENBLAS_NUM_THREADS="1")

SWEEP = """# farm benchmark (validation/farm_benchmark.py): {n} candidates of 1-2 s each
name: farmbench
candidates:
  - prototype: diamond
    A: Si
xc: lda
pseudopotentials: {{lda: "cp2k:GTH-PADE"}}
ecut: {ecut} Ha
kpoints: {{grid: [4, 4, 4]}}
strain: [{strains}]
scf: {{max_iterations: 60, energy_tolerance: 1e-9 Ha, density_tolerance: 1e-8}}
"""


def run_farm(a, d, ranks, prefix):
    cmd = [a.furui, "screen", "sweep.yaml", "-o", prefix, "--group-size", "1"]
    if ranks > 1:
        cmd = [a.mpiexec, "--oversubscribe", "-n", str(ranks)] + cmd
    t = time.time()
    p = subprocess.run(cmd, cwd=d, env=ENV, capture_output=True, text=True)
    wall_proc = time.time() - t
    if p.returncode != 0:
        sys.exit("furui screen failed (%d): %s" % (p.returncode, p.stderr[-2000:]))
    m = re.search(r"\((\d+) run now, ([0-9.]+) s\)", p.stdout)
    t_io = re.search(r"screen: time: ([0-9.]+) s in the SCFs.*?, ([0-9.]+) s coordinator journal/log I/O, "
                     r"([0-9.]+) s writing", p.stdout)
    if not m or not t_io:
        sys.exit("unexpected furui output: %s" % p.stdout)
    with h5py.File(os.path.join(d, prefix + ".h5"), "r") as f:
        c = f["candidates"]
        st = c["state"][()]
        eng = c["engine_seconds"][()]
        io = c["io_seconds"][()]
    if not np.all(st == 3):
        sys.exit("%s: not every candidate done: states %s" % (prefix, st))
    return dict(ranks=ranks, workers=max(1, ranks - 1), n=int(m.group(1)), wall=float(m.group(2)),
                wall_proc=wall_proc, engine=float(np.sum(eng)), engine_mean=float(np.mean(eng)),
                io_rec=float(np.sum(io)), io=float(t_io.group(2)), fin=float(t_io.group(3)))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--furui", default=os.path.join(here, "..", "build", "furui"))
    ap.add_argument("--mpiexec", default="mpiexec")
    ap.add_argument("--workers", default="1,2", help="worker counts for -n N+1 runs (default 1,2)")
    ap.add_argument("--candidates", type=int, default=16)
    ap.add_argument("--ecut", type=float, default=20)
    ap.add_argument("--workdir", default="/tmp/furui_farm_benchmark")
    a = ap.parse_args()
    a.furui = os.path.abspath(a.furui)
    shutil.rmtree(a.workdir, ignore_errors=True)
    os.makedirs(a.workdir)
    n = a.candidates
    strains = ", ".join("%.3f" % (0.97 + 0.06 * i / max(1, n - 1)) for i in range(n))
    with open(os.path.join(a.workdir, "sweep.yaml"), "w") as f:
        f.write(SWEEP.format(n=n, ecut=a.ecut, strains=strains))
    load0 = os.getloadavg()[0]
    runs = [("serial (-n 1)", run_farm(a, a.workdir, 1, "serial"))]
    for w in [int(x) for x in a.workers.split(",")]:
        runs.append(("%d worker%s (-n %d)" % (w, "s" if w > 1 else "", w + 1),
                     run_farm(a, a.workdir, w + 1, "w%d" % w)))
    ref = next((r for name, r in runs if r["ranks"] == 2), runs[0][1])
    thr_ref = ref["n"] / ref["wall"]
    print("furui farm benchmark: %d candidates (diamond Si, ecut %g Ha, 4x4x4 k), group size 1, %s"
          % (n, a.ecut, os.uname().nodename))
    print("reference: the 1-worker run (-n 2; rank 0 only coordinates when there are 2+ ranks)")
    print("load average before: %.2f on %d cores" % (load0, os.cpu_count() or 0))
    hdr = ("%-18s %7s %7s %8s %10s %8s %9s %7s %7s %8s %9s" %
           ("run", "wall/s", "s/cand", "cand/s", "efficiency", "engine%", "outside%", "I/O%",
            "final%", "startup", "slowdown"))
    print(hdr)
    for name, r in runs:
        thr = r["n"] / r["wall"]
        eff = thr / (r["workers"] * thr_ref)
        occ = r["engine"] / (r["workers"] * r["wall"])
        print("%-18s %7.2f %7.2f %8.3f %9.1f%% %7.1f%% %8.1f%% %6.2f%% %6.2f%% %7.2fs %8.2fx" %
              (name, r["wall"], r["engine_mean"], thr, 100 * eff, 100 * occ, 100 * (1 - occ),
               100 * r["io"] / r["wall"], 100 * r["fin"] / r["wall"], r["wall_proc"] - r["wall"],
               r["engine_mean"] / ref["engine_mean"]))
    print("load average after: %.2f" % os.getloadavg()[0])
    print("efficiency = throughput / (workers x 1-worker throughput); engine% = sum of per-candidate "
          "SCF seconds / (workers x wall), outside% = 100 - engine%; I/O% = coordinator journal+log "
          "I/O / wall; final% = results-file write / wall; startup = process wall - farm wall; "
          "slowdown = mean SCF seconds / the 1-worker run's")


if __name__ == "__main__":
    main()

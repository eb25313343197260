#!/usr/bin/python3
"""Where ScaLAPACK starts to pay for LOBPCG's subspace eigenproblem (src/dft/scalapack.h): the
replicated LAPACK solve (every band rank solves the whole matrix, dsyevd/zheevd) against
fu_scalapack_heev (block-cyclic copy-out, pdsyevd/pzheevd, eigenvectors back to every rank) on
random symmetric/Hermitian matrices of the given orders. Builds validation/scalapack/
crossover.c with mpicc against src/dft/scalapack.c (furui unchanged) and prints, per order, the
best-of-reps wall seconds (slowest rank) and CPU seconds (all ranks) of both. The default of
furui's --scalapack-min (FU_SCALAPACK_MIN_DEFAULT) comes from this table.

    scalapack_crossover.py [--ranks 2] [--orders 100,200,400,800,1600] [--complex] [--reps 3]
                           [--only replicated|distributed]

--only runs one path (the other's columns print 1e30) so that the peak RSS printed (largest
rank, one order per run) is that path's: both hold the matrix and its input copy, so the
difference between the two runs is the solvers' own memory.

Not in CTest: timings, and on a loaded machine noisy ones (CPU seconds are the steadier column).
"""
import argparse
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--orders", default="100,200,400,800,1600")
    ap.add_argument("--complex", action="store_true")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--mpiexec", default="mpiexec")
    ap.add_argument("--only", choices=["replicated", "distributed"])
    args = ap.parse_args()
    exe = os.path.join(tempfile.mkdtemp(prefix="furui_crossover"), "crossover")
    libs = subprocess.run(["pkg-config", "--libs", "scalapack-openmpi", "lapacke"],
                          capture_output=True, text=True, check=True).stdout.split()
    subprocess.run(["mpicc", "-O2", "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-I",
                    os.path.join(ROOT, "src"),
                    os.path.join(ROOT, "validation", "scalapack", "crossover.c"),
                    os.path.join(ROOT, "src", "dft", "scalapack.c"),
                    os.path.join(ROOT, "src", "core", "error.c"), "-o", exe] + libs + ["-lm"],
                   check=True)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               CROSSOVER_ONLY={None: "0", "replicated": "1", "distributed": "2"}[args.only])
    orders = [o for o in args.orders.split(",") if o]
    p = subprocess.run([args.mpiexec, "--oversubscribe", "-n", str(args.ranks), exe,
                        "1" if args.complex else "0", str(args.reps)] + orders, env=env)
    sys.exit(p.returncode)


if __name__ == "__main__":
    main()

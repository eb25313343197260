#!/usr/bin/python3
"""Band threads (FURUI_THREADS) change nothing but the speed.

    threads_consistency.py --furui build/furui --workdir DIR [--input tests/cli/si_mpi.yaml]

Runs the same `furui scf` (one process, no MPI) with 1 and 2 threads. Each band's FFTs
are independent and the plans are the same, so every output number must be identical to
the last bit: total energy and terms, Fermi level, eigenvalues, forces, stress. The log
must state the thread count asked for, and a FURUI_THREADS that is not a whole number >= 1 is a
one-line usage error (exit 64) that writes nothing. (Speed-ups are measured by validation/benchmark.py,
not here.)
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--furui", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--input", default=os.path.join(HERE, "si_mpi.yaml"))
    a = ap.parse_args()
    top = os.path.abspath(os.path.join(a.workdir, "threads_consistency"))
    shutil.rmtree(top, ignore_errors=True)
    failures, res = [], {}
    # a bad FURUI_THREADS is a one-line usage error naming it, and nothing is written
    checks = 0
    for i, bad in enumerate(("abc", "0", "-2", "2x", "")):
        checks += 1
        d = os.path.join(top, "bad%d" % i)
        os.makedirs(d, exist_ok=True)
        env = dict(os.environ, FURUI_THREADS=bad)
        p = subprocess.run([os.path.abspath(a.furui), "scf", os.path.abspath(a.input), "-o", "out"],
                           cwd=d, env=env, capture_output=True, text=True, timeout=60)
        lines = p.stderr.strip().splitlines()
        print(f"FURUI_THREADS={bad!r}: exit {p.returncode}: {p.stderr.strip()}")
        if not (p.returncode == 64 and len(lines) == 1 and f"FURUI_THREADS={bad}:" in lines[0]
                and not os.listdir(d)):
            failures.append(f"FURUI_THREADS={bad!r}: exit {p.returncode}, stderr {p.stderr!r}, "
                            f"files {os.listdir(d)}")
    for t in (1, 2):
        d = os.path.join(top, "t%d" % t)
        os.makedirs(d)
        env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS",)}
        env.update(FURUI_THREADS=str(t), OPENBLAS_NUM_THREADS="1",
                   FURUI_FFTW_WISDOM=os.path.join(top, "fftw.wisdom"))
        p = subprocess.run([os.path.abspath(a.furui), "scf", os.path.abspath(a.input), "-o", "out"],
                           cwd=d, env=env, capture_output=True, text=True, timeout=300)
        print(f"{t} thread(s): exit {p.returncode}")
        if p.returncode != 0:
            failures.append(f"{t} threads: exit {p.returncode}: {p.stderr.strip()[-500:]}")
            continue
        with open(os.path.join(d, "out.log"), encoding="utf-8") as f:
            head = f.read(4096)
        if t == 2 and "# threads per rank: 1\n" in head:
            print("built without OpenMP (one thread per rank): skipped")
            return 77
        checks += 1
        if f"# threads per rank: {t}\n" not in head:
            failures.append(f"{t} threads: the log does not say so")
        with open(os.path.join(d, "out.json"), encoding="utf-8") as f:
            res[t] = json.load(f)
    if len(res) == 2:
        r1, r2 = res[1], res[2]
        for key in ("energy_ha", "fermi_level_ha", "eigenvalues_ha", "forces_ha_bohr",
                    "stress_ha_bohr3", "occupations"):
            checks += 1
            if r1[key] != r2[key]:
                failures.append(f"{key} differs between 1 and 2 threads")
        print("total energy, 1 and 2 threads: %.13f %.13f" % (r1["energy_ha"]["total"],
                                                              r2["energy_ha"]["total"]))
    for f in failures:
        print("FAIL: " + f)
    print("%d passed, %d failed" % (checks - len(failures), len(failures)))
    return 1 if failures or len(res) != 2 else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Strong scaling of band parallelism (src/dft/bandpar.h) on a Γ-only Si supercell, and the
peak memory per rank against the estimate (src/dft/memory.c).

    scaling.py [--furui build/furui] [--mpiexec mpiexec] [--cells 2] [--ecut 8]
               [--ranks 1,2] [--repeat 3] [--workdir /tmp/furui_scaling] [--json OUT]

The cell is cells^3 conventional diamond cells of Si (cells 2: 64 atoms, 3: 216), the first
atom displaced so that forces and stress are not zero by symmetry, LDA with ABINIT's HGH Si,
Γ only: one k-point, so every rank beyond the first shares its bands. For each rank count the
same SCF runs --repeat times (best wall time kept: timings on a shared machine are noisy) and
the table gives wall time, speed-up over 1 rank, SCF iterations, the layout from the log, the
largest peak RSS over the ranks (each rank under GNU time) and the log's memory estimate per
rank. Every run must agree with the 1-rank run to 1e-9 Ha in the total energy and 1e-7 in
forces (Ha/bohr) and stress (Ha/bohr^3) (exit 1 if not).
Not in CTest: a 64-atom SCF takes minutes.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

A_BOHR = 10.26
BASIS = [(0, 0, 0), (0, .5, .5), (.5, 0, .5), (.5, .5, 0),
         (.25, .25, .25), (.25, .75, .75), (.75, .25, .75), (.75, .75, .25)]


def supercell(n, ecut):
    lines = ["structure:", "  lattice:", "    unit: bohr", "    vectors:"]
    L = A_BOHR * n
    lines += [f"      - [{L}, 0.0, 0.0]", f"      - [0.0, {L}, 0.0]", f"      - [0.0, 0.0, {L}]"]
    lines += ["  coordinates: fractional", "  atoms:"]
    first = True
    for i in range(n):
        for j in range(n):
            for k in range(n):
                for b in BASIS:
                    x = [(b[0] + i) / n, (b[1] + j) / n, (b[2] + k) / n]
                    if first:
                        x[0] += 0.02 / n
                        x[1] += 0.01 / n
                        first = False
                    lines.append(f"    - [Si, {x[0]:.10f}, {x[1]:.10f}, {x[2]:.10f}]")
    lines += ["pseudopotentials:", "  Si: abinit:14si.4.hgh", "xc: lda", f"ecut: {ecut} Ha",
              "kpoints: {grid: [1, 1, 1], shift: [0, 0, 0]}",
              "scf: {energy_tolerance: 1e-10 Ha, density_tolerance: 1e-8}",
              "compute: {forces: true, stress: true}"]
    return "\n".join(lines) + "\n"


def run(args, inp, n, d):
    os.makedirs(d, exist_ok=True)
    wrap = ["sh", "-c", 'exec /usr/bin/time -f "%M" -o rss.${OMPI_COMM_WORLD_RANK:-0} "$@"', "sh"]
    cmd = [args.mpiexec, "--oversubscribe", "--allow-run-as-root", "-n", str(n)] + wrap + \
        [os.path.abspath(args.furui), "scf", inp, "-o", "out"]
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", FURUI_THREADS="1",
               OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    t0 = time.monotonic()
    p = subprocess.run(cmd, cwd=d, env=env, capture_output=True, text=True)
    wall = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit(f"scaling.py: {n} ranks failed (exit {p.returncode}):\n{p.stderr[-2000:]}")
    with open(os.path.join(d, "out.json"), encoding="utf-8") as f:
        js = json.load(f)
    with open(os.path.join(d, "out.log"), encoding="utf-8") as f:
        log = f.read()
    est = re.search(r"# memory estimate per rank: (\d+) bytes", log)
    lay = re.search(r"# layout: (.*) \(", log)
    rss = []
    for r in range(n):
        with open(os.path.join(d, f"rss.{r}"), encoding="utf-8") as f:
            rss.append(int(f.read().split()[-1]) * 1024)
    return {"ranks": n, "wall_s": wall, "scf_wall_s": js["wall_seconds"],
            "iterations": js["scf"]["iterations"], "etotal": js["energy_ha"]["total"],
            "forces": js["forces_ha_bohr"], "stress": js["stress_ha_bohr3"],
            "layout": lay.group(1) if lay else "1 rank", "peak_rss_max": max(rss),
            "estimate": int(est.group(1)) if est else None, "profile": js["profile_seconds"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--furui", default="build/furui")
    ap.add_argument("--mpiexec", default="mpiexec")
    ap.add_argument("--cells", type=int, default=2)
    ap.add_argument("--ecut", type=float, default=8)
    ap.add_argument("--ranks", default="1,2")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workdir", default="/tmp/furui_scaling")
    ap.add_argument("--json")
    args = ap.parse_args()
    if os.path.exists(args.workdir):
        shutil.rmtree(args.workdir)
    os.makedirs(args.workdir)
    inp = os.path.join(args.workdir, "cell.yaml")
    with open(inp, "w", encoding="utf-8") as f:
        f.write(supercell(args.cells, args.ecut))
    natom = 8 * args.cells ** 3
    print(f"# Si{natom} at Γ, {args.ecut:g} Ha, LDA; best of {args.repeat} per rank count; "
          f"load average at start {os.getloadavg()[0]:.1f}")
    best = {}
    for n in [int(x) for x in args.ranks.split(",")]:
        for rep in range(args.repeat):
            r = run(args, inp, n, os.path.join(args.workdir, f"np{n}_{rep}"))
            if n not in best or r["wall_s"] < best[n]["wall_s"]:
                best[n] = r
    ref = best[min(best)]
    bad = 0
    print(f"{'ranks':>5} {'layout':>24} {'wall (s)':>9} {'speed-up':>8} {'iter':>4} "
          f"{'peak RSS':>9} {'estimate':>9} {'est/peak':>8} {'dE (Ha)':>9} {'dF, dS':>9}")
    for n, r in sorted(best.items()):
        de = abs(r["etotal"] - ref["etotal"])
        dfs = max(abs(a - b) for key in ("forces", "stress")
                  for ra, rb in zip(r[key], ref[key]) for a, b in zip(ra, rb))
        bad += de > 1e-9 or dfs > 1e-7
        est = r["estimate"]
        print(f"{n:5d} {r['layout']:>24} {r['wall_s']:9.2f} {ref['wall_s'] / r['wall_s']:8.2f} "
              f"{r['iterations']:4d} {r['peak_rss_max'] / 1e6:8.1f}M "
              f"{(est or 0) / 1e6:8.1f}M {(est or 0) / r['peak_rss_max']:8.2f} {de:9.1e} {dfs:9.1e}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"natom": natom, "ecut": args.ecut, "runs": best}, f, indent=1)
    if bad:
        sys.exit("scaling.py: results differ from the 1-rank run beyond 1e-9 Ha / 1e-7")


if __name__ == "__main__":
    main()

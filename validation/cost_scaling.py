#!/usr/bin/python3
"""How furui's cost grows: wall time of one SCF against the number of atoms, the cut-off
and the number of k-points, each varied alone, with the exponent fitted on log-log axes.

    validation/cost_scaling.py [--furui build/furui] [--repeat 2] [--quick]

Systems: diamond Si supercells (simple-cubic 8-atom cell repeated 1x1x1, 2x1x1, 2x2x1,
2x2x2 = 8..64 atoms; k-mesh scaled so the k-point density stays fixed), Ecut 8..32 Ha on
the 2-atom cell, and Monkhorst-Pack meshes 2^3..8^3 on the 2-atom cell. Fixed occupations,
HGH Si, 1 rank, 1 thread, best of --repeat. Expected: plane-wave DFT costs
O(N_pw N_band^2) for orthogonalisation and O(N_band N_pw log N_pw) for the FFTs, so
O(N^2 log N)..O(N^3) in atoms; in Ecut, N_pw ~ Ecut^1.5, so Ecut^1.5..Ecut^2.3 for FFT-
and BLAS-bound parts; linear in irreducible k-points. The measured time is the SCF's own
wall time (the JSON's wall_seconds: no process start-up, FFTW wisdom cached) divided, for
the atoms and Ecut series, by irreducible k-points x SCF iterations, so symmetry and
iteration counts do not blur the per-k cost. Run on a quiet machine.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ENV = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
A = 10.26  # bohr, diamond Si


def yaml_input(lattice, atoms, ecut, kgrid, prefix):
    s = ["structure:", "  lattice:", "    unit: bohr", "    vectors:"]
    s += ["      - [%.10f, %.10f, %.10f]" % tuple(v) for v in lattice]
    s += ["  coordinates: fractional", "  atoms:"]
    s += ["    - [Si, %.10f, %.10f, %.10f]" % tuple(x) for x in atoms]
    s += ["pseudopotentials:", "  Si: abinit:14si.4.hgh", "xc: lda", "ecut: %g Ha" % ecut,
          "kpoints:", "  grid: [%d, %d, %d]" % tuple(kgrid),
          "scf:", "  energy_tolerance: 1e-9 Ha", "  density_tolerance: 1e-7",
          "output:", "  prefix: %s" % prefix]
    return "\n".join(s) + "\n"


def primitive():
    h = A / 2
    return [[0, h, h], [h, 0, h], [h, h, 0]], [[0, 0, 0], [0.25, 0.25, 0.25]]


def supercell(n):
    """Conventional 8-atom cube repeated n = (n1, n2, n3) times."""
    base = [[0, 0, 0], [0, .5, .5], [.5, 0, .5], [.5, .5, 0]]
    base += [[x + .25, y + .25, z + .25] for x, y, z in base]
    atoms = []
    for i in range(n[0]):
        for j in range(n[1]):
            for k in range(n[2]):
                atoms += [[(x + i) / n[0], (y + j) / n[1], (z + k) / n[2]] for x, y, z in base]
    lat = [[A * n[0], 0, 0], [0, A * n[1], 0], [0, 0, A * n[2]]]
    return lat, atoms


def run(furui, d, text, repeat):
    path = os.path.join(d, "in.yaml")
    with open(path, "w") as f:
        f.write(text)
    best = math.inf
    for _ in range(repeat):
        subprocess.run([furui, "scf", "in.yaml"], cwd=d, env=ENV, check=True, capture_output=True)
        out = json.load(open(os.path.join(d, "p.json")))
        best = min(best, out["wall_seconds"])
    return best, out


def per_k_iter(t, out):
    return t / (len(out["kpoints_red"]) * out["scf"]["iterations"])


def fit(xs, ys):
    lx = [math.log(x) for x in xs]
    ly = [math.log(y) for y in ys]
    n = len(xs)
    mx, my = sum(lx) / n, sum(ly) / n
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--furui", default=os.path.join(HERE, "..", "build", "furui"))
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="smaller series (up to 16 atoms)")
    a = ap.parse_args()
    furui = os.path.abspath(a.furui)
    root = tempfile.mkdtemp(prefix="furui-scaling-")
    print("# furui cost scaling, 1 rank, 1 thread, best of %d; runs in %s" % (a.repeat, root))

    series = []
    reps = [(1, 1, 1), (2, 1, 1), (2, 2, 1)] + ([] if a.quick else [(2, 2, 2)])
    kfix = [1, 1, 1]  # Gamma only: the per-k cost is what grows with atoms
    rows = []
    for n in reps:
        lat, atoms = supercell(n)
        d = os.path.join(root, "atoms%d" % len(atoms))
        os.makedirs(d)
        t, out = run(furui, d, yaml_input(lat, atoms, 10, kfix, "p"), a.repeat)
        rows.append((len(atoms), per_k_iter(t, out), out))
    series.append(("atoms", [r[0] for r in rows], [r[1] for r in rows], "2 (log N) .. 3",
                   ["%d atoms, Gamma, %d it" % (r[0], r[2]["scf"]["iterations"]) for r in rows]))
    rows = []
    lat, atoms = primitive()
    for ec in ([8, 12, 16, 24] if a.quick else [8, 12, 16, 24, 32]):
        d = os.path.join(root, "ecut%g" % ec)
        os.makedirs(d)
        t, out = run(furui, d, yaml_input(lat, atoms, ec, [4, 4, 4], "p"), a.repeat)
        rows.append((ec, per_k_iter(t, out), out))
    series.append(("ecut_ha", [r[0] for r in rows], [r[1] for r in rows], "1.5 .. 2.3",
                   ["Ecut %g Ha, %d it" % (r[0], r[2]["scf"]["iterations"]) for r in rows]))
    rows = []
    for k in ([2, 4, 6] if a.quick else [2, 4, 6, 8]):
        d = os.path.join(root, "k%d" % k)
        os.makedirs(d)
        t, out = run(furui, d, yaml_input(lat, atoms, 12, [k, k, k], "p"), a.repeat)
        rows.append((len(out["kpoints_red"]), t, out))
    series.append(("irreducible_k", [r[0] for r in rows], [r[1] for r in rows], "1",
                   ["%d irreducible k, %d it" % (r[0], r[2]["scf"]["iterations"]) for r in rows]))

    print("# atoms, ecut_ha: seconds per irreducible k-point per SCF iteration; k: SCF seconds")
    print("%-14s %-40s %10s" % ("variable", "run", "seconds"))
    for name, xs, ts, expect, labels in series:
        for lab, t in zip(labels, ts):
            print("%-14s %-40s %10.4f" % (name, lab, t))
    print()
    print("| variable | range | fitted exponent (time ∝ x^p) | expected |")
    print("|---|---|---|---|")
    for name, xs, ts, expect, labels in series:
        print("| %s | %g .. %g | %.2f | %s |" % (name, xs[0], xs[-1], fit(xs, ts), expect))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Band parallelism (src/dft/bandpar.h): the same SCF on 1 rank and on N ranks that share the
bands of each k-point agrees to 1e-9 Ha in every energy term, the Fermi level and the occupied
eigenvalues, and to 1e-7 in forces (Ha/bohr), stress (Ha/bohr^3) and magnetisation.

    band_parallel.py --furui build/furui --mpiexec mpiexec --workdir DIR [--cases a,b]
                     [--scalapack-min N]

Cases (tests/cli/band_parallel/*.yaml), each with the rank counts run and the layout the
log must report (k-groups x band ranks), so that a run where the extra ranks merely idle
cannot pass:
  si8_gamma   Γ-only Si8 insulator (real orbitals): 2, 3, 4 ranks = 1 x 2, 1 x 3, 1 x 4
  al4_metal   Al4 metal, Fermi-Dirac smearing, one complex k-point: 2, 3, 4 ranks
  fe2_spin    spin-polarised Fe2, smearing, one complex k-point: 2, 3 ranks
  si8_sym     si8_gamma undisplaced (exact degeneracies at Γ): 2, 4 ranks
  al4_sym     al4_metal undisplaced (degenerate partly filled levels): 2, 3 ranks
  si8_pbe     si8_gamma with PBE and PseudoDojo's Si (model core charge): 2, 3 ranks
  al4_spin_pbe  al4_metal spin-polarised (start 1 μB per atom) with PBE and PseudoDojo's Al
              (core charge): 2, 3 ranks
With band ranks the density side works on slabs of the FFT grid (src/dft/fftslab.h); each
such log must say so.
  si8_2k      si8_gamma on a 1x1x2 mesh (2 real k-points): 4 ranks = 2 x 2; then on 2 ranks
              the layout follows the memory limit: by default 2 x 1 (k-points only); with
              --mem-per-rank just below that layout's estimate, 1 x 2 (band ranks need less:
              the solver's blocks are split) with the same results; with 1 MB, refused in one
              line naming the smallest layout
  si64_gamma, al32_metal, fe16_spin   2x2x2 supercells of the three (64, 32, 16 atoms), on 2,
              3, 4 ranks: the sizes the issue names; only with --cases (minutes each)
Runs go through tests/cli/mpi_consistency.py's run(): one report, files only from rank 0,
no crash, converged. Ranks beyond the 2 cores here are oversubscribed.

--fft (test band_parallel_fft): the FFT ranks instead (--npfft G: G of the band ranks share
each band's FFTs, the third level of the layout): the layouts of FFT_LAYOUTS, whose logs must
report the band groups and FFT ranks, against the same 1-rank runs and tolerances:
  si8_gamma   2, 3, 4 ranks as 1 x (1 group x 2 FFT), 1 x (1 x 3), 1 x (2 x 2): real orbitals,
              whose coordinate pairs the planes of G and -G share; 4 ranks as 1 x (1 x 4)
  al4_metal   2 ranks 1 x (1 x 2), 4 ranks 1 x (1 x 4) and 1 x (2 x 2): complex orbitals
  fe2_spin    3 ranks 1 x (1 x 3), 4 ranks 1 x (2 x 2): both spin channels
  si8_2k      4 ranks, --npband 2 --npfft 2: 2 k-groups x (1 x 2), all three levels at once

--scalapack-min N (test band_parallel_scalapack with N = 1; default cases si8_gamma, al4_metal,
fe2_spin): every run gets `--scalapack-min N`, so the band ranks solve the subspace matrices of
order >= N with ScaLAPACK (src/dft/scalapack.h) while the 1-rank reference stays on LAPACK (its
log must not mention ScaLAPACK); each N-rank log must report a positive count of distributed
solves. The same tolerances then hold between the two solvers, whose eigenvectors in
degenerate subspaces (si8_sym, al4_sym) differ.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import mpi_consistency as mc  # noqa: E402

DATA = os.path.join(HERE, "band_parallel")
CASES = {
    "si8_gamma": ("si8_gamma.yaml", [], {2: (1, 2), 3: (1, 3), 4: (1, 4)}),
    "al4_metal": ("al4_metal.yaml", [], {2: (1, 2), 3: (1, 3), 4: (1, 4)}),
    "fe2_spin": ("fe2_spin.yaml", [], {2: (1, 2), 3: (1, 3)}),
    "si8_2k": ("si8_gamma.yaml", [("grid: [1, 1, 1]", "grid: [1, 1, 2]")], {4: (2, 2)}),
    # undisplaced: exactly degenerate levels at Γ (triplets, also across the edge of the
    # computed bands), whose eigenvectors each solver and rank count may choose differently.
    # Its SCF path then differs from run to run (two 1-rank runs with different FFT plans
    # took 20 and 25 steps) and each energy term ends up to ~7e-9 Ha from another run's at
    # density tolerance 1e-9: the terms are first order in the residual density, the total
    # (variational) second order, 1e-13. So the total energy, Fermi level, occupied
    # eigenvalues, forces and stress keep their tolerances, and the terms get TERMS_SYM.
    "si8_sym": ("si8_gamma.yaml", [("[Si, 0.0200000000, 0.0100000000, 0.0000000000]",
                                    "[Si, 0.0000000000, 0.0000000000, 0.0000000000]"),
                                   ("density_tolerance: 1e-9", "density_tolerance: 1e-10")],
                {2: (1, 2), 4: (1, 4)}),
    "al4_sym": ("al4_metal.yaml", [("[Al, 0.5, 0.52, 0.0]", "[Al, 0.5, 0.5, 0.0]")],
                {2: (1, 2), 3: (1, 3)}),
    # GGA with a model core charge (PseudoDojo PBE), unpolarised and spin-polarised: the
    # gradients, the GGA divergence and the core charge on slabs of the grid
    "si8_pbe": ("si8_gamma.yaml", [("Si: abinit:14si.4.hgh",
                                    "Si: abinit:Pseudodojo_nc_sr_04_pbe_standard_psp8/Si.psp8"),
                                   ("xc: lda", "xc: pbe"),
                                   # its terms at 1e-9 were 5e-10 apart (first order in the
                                   # residual, GGA's more than LDA's); the total 1e-13
                                   ("density_tolerance: 1e-9", "density_tolerance: 1e-10")],
                {2: (1, 2), 3: (1, 3)}),
    "al4_spin_pbe": ("al4_metal.yaml", [("Al: cp2k:GTH-PADE-q3",
                                         "Al: abinit:Pseudodojo_nc_sr_04_pbe_standard_psp8/Al.psp8"),
                                        ("xc: lda", "xc: pbe"),
                                        ("compute:", "spin: {polarized: true, moments: {Al: 1}}\ncompute:")],
                     {2: (1, 2), 3: (1, 3)}),
    # the sizes, 2x2x2 supercells of the three above; minutes each, not in CTest
    "si64_gamma": ("si64_gamma.yaml", [], {2: (1, 2), 3: (1, 3), 4: (1, 4)}),
    "al32_metal": ("al32_metal.yaml", [], {2: (1, 2), 3: (1, 3), 4: (1, 4)}),
    "fe16_spin": ("fe16_spin.yaml", [], {2: (1, 2), 3: (1, 3), 4: (1, 4)}),
}
LARGE = ("si64_gamma", "al32_metal", "fe16_spin")
# --fft: (ranks, npfft, npband or 0) -> (k-groups, band ranks, FFT ranks) the log must report
FFT_LAYOUTS = {
    "si8_gamma": {(2, 2, 0): (1, 2, 2), (3, 3, 0): (1, 3, 3), (4, 2, 0): (1, 4, 2),
                  (4, 4, 0): (1, 4, 4)},
    "al4_metal": {(2, 2, 0): (1, 2, 2), (4, 4, 0): (1, 4, 4), (4, 2, 0): (1, 4, 2)},
    "fe2_spin": {(3, 3, 0): (1, 3, 3), (4, 2, 0): (1, 4, 2)},
    "si8_2k": {(4, 2, 2): (2, 2, 2)},
    "si64_gamma": {(2, 2, 0): (1, 2, 2), (3, 3, 0): (1, 3, 3), (4, 2, 0): (1, 4, 2)},
    "al32_metal": {(2, 2, 0): (1, 2, 2), (4, 4, 0): (1, 4, 4)},
    "fe16_spin": {(3, 3, 0): (1, 3, 3), (4, 2, 0): (1, 4, 2)},
}
ETOL, FTOL = 1e-9, 1e-7
FS_KEYS = ("forces_ha_bohr", "stress_ha_bohr3")
TERM_TOL_LARGE = 1e-7  # Ha: each energy term of the LARGE cases (the total keeps ETOL)
TERMS_SYM = 1e-8  # energy terms (not the total) of si8_sym, see CASES


def layout_line(npk, npb):
    return (f"# layout: {npk} k-group{'' if npk == 1 else 's'} x {npb} band "
            f"rank{'' if npb == 1 else 's'}")


def fft_line(npb, npg):
    groups = npb // npg
    return (f"# FFT ranks: {groups} band group{'' if groups == 1 else 's'} x {npg} FFT ranks "
            f"sharing each band's FFTs")


def compare(name, ref, js, n):
    worst = []
    e0, e1 = ref["energy_ha"], js["energy_ha"]
    mc.check(set(e0) == set(e1), f"{name} {n} ranks: energy terms differ")
    # the total is variational (second order in the density left unconverged); a single term
    # is first order: ~1e-8 Ha for Fe16's 256 electrons at density_tolerance 1e-9
    term_tol = TERM_TOL_LARGE if name in LARGE else TERMS_SYM if name == "si8_sym" else ETOL
    for k in sorted(set(e0) & set(e1)):
        tol = ETOL if k in ("total", "total_per_atom") else term_tol
        worst.append((abs(e1[k] - e0[k]), tol, f"energy_ha.{k}"))
    worst.append((abs(js["fermi_level_ha"] - ref["fermi_level_ha"]), ETOL, "fermi_level_ha"))
    a, b = np.array(ref["eigenvalues_ha"], float), np.array(js["eigenvalues_ha"], float)
    occ = np.array(ref["occupations"], float) > 1e-8
    if mc.check(a.shape == b.shape, f"{name} {n} ranks: eigenvalue shape {b.shape} vs {a.shape}"):
        worst.append((float(np.abs(a - b)[occ].max()), ETOL, "eigenvalues_ha (occupied)"))
    for key in FS_KEYS:
        a, b = np.array(ref[key], float), np.array(js[key], float)
        if mc.check(a.shape == b.shape, f"{name} {n} ranks: {key} shape"):
            worst.append((float(np.abs(a - b).max()), FTOL, key))
    if ref.get("nspin") == 2:
        for key in ("magnetization_mub", "abs_magnetization_mub"):
            if mc.check(key in ref and key in js, f"{name} {n} ranks: no {key}"):
                worst.append((abs(js[key] - ref[key]), FTOL, key))
    for dv, tol, what in worst:
        mc.check(dv <= tol, f"{name} {n} ranks: {what} differs from 1 rank by {dv:.3e} > {tol:g}")
    rel = max(worst, key=lambda w: w[0] / w[1])
    print(f"  {name}: {n} ranks vs 1: closest to its tolerance: {rel[2]}, {rel[0]:.2e} "
          f"(tolerance {rel[1]:g}); total energy {abs(js['energy_ha']['total'] - ref['energy_ha']['total']):.2e}, "
          f"forces/stress {max([w[0] for w in worst if w[2] in FS_KEYS] or [0]):.2e}; "
          f"SCF iterations {js['scf']['iterations']} vs {ref['scf']['iterations']}")


def estimate(base):
    m = re.search(r"# memory estimate per rank: (\d+) bytes", mc.log_text(base))
    return int(m.group(1)) if m else None


def memory_layout(args, ra, ref, top):
    """2 ranks, 2 k-points: the memory limit moves the layout from 2 x 1 to 1 x 2."""
    base = os.path.join(top, "si8_2k", "np2_default")
    js = mc.run(ra, 2, base)
    if js is None:
        return
    want = layout_line(2, 1)
    mc.check(want in mc.log_text(base), f"memory layout: default log does not say '{want}'")
    e = estimate(base)
    if not mc.check(e is not None, "memory layout: no estimate in the log"):
        return
    rb = argparse.Namespace(**vars(ra))
    rb.extra = ["--mem-per-rank", str(e - 1)]
    base = os.path.join(top, "si8_2k", "np2_limit")
    js = mc.run(rb, 2, base)
    if js is None:
        return
    want = layout_line(1, 2)
    mc.check(want in mc.log_text(base), f"memory layout: limit {e - 1} B: log does not say '{want}'")
    e2 = estimate(base)
    mc.check(e2 is not None and e2 < e, f"memory layout: estimate {e2} not below {e}")
    compare("si8_2k memory limit", ref, js, 2)
    d = os.path.join(top, "si8_2k", "np2_refused")
    os.makedirs(d)
    p = subprocess.run([args.mpiexec, "--oversubscribe", "--allow-run-as-root", "-n", "2",
                        os.path.abspath(args.furui), "scf", ra.input, "-o", "out",
                        "--mem-per-rank", "1M"], cwd=d, capture_output=True, text=True,
                       timeout=120, env=dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1",
                                             OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1"))
    lines = [x for x in p.stderr.splitlines() if x.startswith("furui: error:")]
    mc.check(p.returncode != 0 and len(lines) == 1 and "the smallest layout" in lines[0]
             and "more than the 1.05 MB allowed" in lines[0],
             f"memory layout: 1 MB: exit {p.returncode}, error lines {lines}")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--furui", required=True)
    ap.add_argument("--mpiexec", default="mpiexec")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--cases")
    ap.add_argument("--scalapack-min", type=int)
    ap.add_argument("--fft", action="store_true", help="the FFT-rank layouts (FFT_LAYOUTS)")
    args = ap.parse_args()
    sl = args.scalapack_min
    if args.cases is None:
        args.cases = ",".join(c for c in CASES
                              if c not in LARGE and (sl is None or c != "si8_2k")
                              and (not args.fft or c in FFT_LAYOUTS))
    top = os.path.abspath(os.path.join(args.workdir, "band_parallel" + ("" if sl is None else
                                                                       "_scalapack") +
                                       ("_fft" if args.fft else "")))
    if os.path.exists(top):
        shutil.rmtree(top)
    os.makedirs(top)
    for name in args.cases.split(","):
        fname, edits, layouts = CASES[name]
        with open(os.path.join(DATA, fname), encoding="utf-8") as f:
            text = f.read()
        if not all(mc.check(text.count(e[0]) == 1, f"{name}: '{e[0]}' not in {fname}")
                   for e in edits):
            continue
        for e in edits:
            text = text.replace(*e)
        path = os.path.join(top, name + ".yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        ra = argparse.Namespace(furui=args.furui, mpiexec=args.mpiexec, input=path,
                                extra=[] if sl is None else ["--scalapack-min", str(sl)])
        ref = mc.run(ra, 1, os.path.join(top, name, "np1"))
        if ref is None:
            continue
        if sl is not None:
            mc.check("ScaLAPACK" not in mc.log_text(os.path.join(top, name, "np1")),
                     f"{name} 1 rank: the log mentions ScaLAPACK (1 rank must stay on LAPACK)")
        if args.fft:
            for (n, g, b), (npk, npb, npg) in sorted(FFT_LAYOUTS[name].items()):
                base = os.path.join(top, name, f"np{n}_g{g}_b{b}")
                rf = argparse.Namespace(**vars(ra))
                rf.extra = ra.extra + ["--npfft", str(g)] + (["--npband", str(b)] if b else [])
                js = mc.run(rf, n, base)
                if js is None:
                    continue
                for want in (layout_line(npk, npb), fft_line(npb, npg)):
                    mc.check(want in mc.log_text(base), f"{name} {n} ranks: log does not say '{want}'")
                compare(name, ref, js, n)
            continue
        for n, (npk, npb) in sorted(layouts.items()):
            base = os.path.join(top, name, f"np{n}")
            js = mc.run(ra, n, base)
            if js is None:
                continue
            want = layout_line(npk, npb)
            mc.check(want in mc.log_text(base), f"{name} {n} ranks: log does not say '{want}'")
            if npb > 1:  # the density side on slabs of the grid (src/dft/fftslab.h)
                want = f"# grid arrays: slabs over the {npb} band ranks"
                mc.check(want in mc.log_text(base), f"{name} {n} ranks: log does not say '{want}'")
            if sl is not None:
                m = re.search(r"# ScaLAPACK: (\d+) subspace matrices solved distributed",
                              mc.log_text(base))
                mc.check(m is not None and int(m.group(1)) > 0,
                         f"{name} {n} ranks: no distributed solve reported in the log")
                if m:
                    print(f"  {name} {n} ranks: {m.group(1)} subspace matrices solved with ScaLAPACK")
            compare(name, ref, js, n)
        if name == "si8_2k":
            memory_layout(args, ra, ref, top)
    if mc.failures:
        print(f"{len(mc.failures)} check(s) failed")
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()

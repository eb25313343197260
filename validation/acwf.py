#!/usr/bin/python3
"""ACWF verification (Bosoni et al., Nat. Rev. Phys. 6, 45 (2024)) run by furui.

    validation/acwf.py prepare CASES... -o DIR [--table DIR | --gth FAMILY] [--cutoff high|normal|low|E]
                       [--element-cutoffs El=Ha,...]
                       [--kspacing K] [--structures DIR] [--smearing-ry W]
    validation/acwf.py run DIR [--furui PATH] [--nice N]        # furui screen, one sweep at a time
    validation/acwf.py collect DIR --set NAME -o results-NAME.json   # BM fits, upstream format
    validation/acwf.py compare RESULTS.json [--ref AE.json] [--others FILE...] [--table-md OUT]
    validation/acwf.py vs RESULTS.json... [--code cp2k_TZV2P] [--table-md OUT] # against one published code
    validation/acwf.py selftest                                 # analytic checks of fit and metrics

A case is `El-X/FCC`, `El-X/BCC`, `El-X/SC`, `El-X/Diamond` (unaries) or `El-XO`, `El-XO2`, ...
(oxides), as in the upstream JSON files. `prepare` reads the upstream XSF structure (Å), writes one
POSCAR per case and one sweep file per case (or, with --group, per (cutoff, k-mesh)) whose 7 `strain` values are the
ACWF volumes 0.94, 0.96, ..., 1.06 x V0 (strain = f^(1/3), fractional positions kept), so that each
volume is one candidate of `furui screen` (resume, shards and job scripts work as for any campaign).
The k-mesh is n_i = ceil(|b_i| / kspacing) (2 pi included) of the central volume and is kept for the
seven volumes (a mesh that changed between volumes would put steps into E(V)); Gamma-centred.
Smearing: Fermi-Dirac 0.0045 Ry, PBE, no spin (the ACWF protocol).

`collect` reads every group's results file (HDF5), fits E(V) per case with the Birch-Murnaghan
equation in its polynomial form (E cubic in V^(-2/3), the fit of the Delta and ACWF scripts,
written here from the equation), and writes the upstream JSON layout (`BM_fit_data` with
`min_volume` in Å^3 per cell, `bulk_modulus_ev_ang3`, `bulk_deriv`, `E0` eV, `residuals`;
`eos_data` [[V Å^3, E eV], ...]; `num_atoms_in_sim_cell`), plus `cpu_seconds` per case (the sum of
the seven candidates' engine seconds) and the settings.

Metrics (`metrics()`, from the definitions in the paper), for two BM curves a, b per atom, both
aligned at their minimum (E0 = 0), V in [0.94, 1.06] x (V0a + V0b)/2:
    eps   = sqrt(<(Ea - Eb)^2> / sqrt(<(Ea - <Ea>)^2> <(Eb - <Eb>)^2>))
            (each variance about its own curve's mean; the upstream script takes the second about
            <Ea>: `--eps-upstream` uses that convention; the two differ by far less than the
            quoted digits whenever eps is small)
    nu    = 100 sqrt(eta_V0^2 + (eta_B0/20)^2 + (eta_B1/400)^2), eta_X = 2(Xa - Xb)/(Xa + Xb)
    Delta = sqrt(<(Ea - Eb)^2>) in meV/atom (the Delta test's integral over the same range)
Averages are integrals over V / the range length, done with Gauss-Legendre quadrature (exact for
the smooth BM curves to machine precision with 64 nodes).
"""
import argparse
import glob
import json
import math
import os
import re
import subprocess
import sys
import time

import numpy as np

HA_EV = 27.211386245988  # src/core/units.h
BOHR_ANG = 0.529177210903
EV_ANG3_GPA = 160.21766208
VOLUME_FACTORS = [0.94, 0.96, 0.98, 1.00, 1.02, 1.04, 1.06]
HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "shared"))
ACWF = os.path.join(SHARED, "verification", "acwf2024")
UNARY = ("X/FCC", "X/BCC", "X/SC", "X/Diamond")
OXIDES = ("XO", "XO2", "XO3", "X2O", "X2O3", "X2O5")
SYMBOLS = ("X H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As "
           "Se Br Kr Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd "
           "Tb Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am "
           "Cm").split()


# ---------------------------------------------------------------- structures

def case_parts(case):
    """'Al-X/FCC' -> ('Al', 'X/FCC', 'unaries'); 'Mg-XO' -> ('Mg', 'XO', 'oxides')."""
    el, _, conf = case.partition("-")
    if conf in UNARY:
        return el, conf, "unaries"
    if conf in OXIDES:
        return el, conf, "oxides"
    raise SystemExit("acwf.py: unknown case %r (want El-X/FCC|X/BCC|X/SC|X/Diamond or El-XO|XO2|XO3|X2O|X2O3|X2O5)"
                     % case)


def slug(case):
    return case.replace("/", "_")


def read_xsf(path):
    """(lattice rows Å, [(symbol, cart Å)])."""
    lines = [ln.split("#")[0].strip() for ln in open(path)]
    lines = [ln for ln in lines if ln]
    i = lines.index("PRIMVEC")
    lat = np.array([[float(x) for x in lines[i + k].split()] for k in (1, 2, 3)])
    j = lines.index("PRIMCOORD")
    n = int(lines[j + 1].split()[0])
    atoms = []
    for k in range(n):
        p = lines[j + 2 + k].split()
        sym = SYMBOLS[int(p[0])] if p[0].isdigit() else p[0]
        atoms.append((sym, np.array([float(x) for x in p[1:4]])))
    return lat, atoms


def structure_path(case, structures=None):
    el, conf, kind = case_parts(case)
    d = structures or os.path.join(ACWF, "structures", "%s-verification-PBE-v1" % kind)
    name = "%s-%s.xsf" % (el, conf.replace("X/", "")) if kind == "unaries" else "%s-%s.xsf" % (el, conf)
    return os.path.join(d, name)


def write_poscar(path, lat, atoms, comment):
    species = []
    for s, _ in atoms:
        if s not in species:
            species.append(s)
    inv = np.linalg.inv(lat)
    with open(path, "w") as f:
        f.write(comment + "\n1.0\n")
        for v in lat:
            f.write("  %.12f %.12f %.12f\n" % tuple(v))
        f.write("  " + " ".join(species) + "\n")
        f.write("  " + " ".join(str(sum(1 for s, _ in atoms if s == sp)) for sp in species) + "\n")
        f.write("Direct\n")
        for sp in species:
            for s, r in atoms:
                if s == sp:
                    f.write("  %.12f %.12f %.12f\n" % tuple(r @ inv))


def kmesh(lat, spacing):
    """Divisions ceil(|b_i| / spacing), |b_i| with 2 pi (Å^-1): the sweep's k-spacing rule."""
    rec = 2 * np.pi * np.linalg.inv(lat).T
    return [max(1, int(math.ceil(np.linalg.norm(b) / spacing - 1e-9))) for b in rec]


# ---------------------------------------------------------------- pseudopotentials

def table_hint(table, el, which):
    meta = json.load(open(os.path.join(table, "standard.djson")))["pseudos_metadata"]
    if el not in meta:
        raise SystemExit("acwf.py: %s is not in %s/standard.djson" % (el, table))
    return float(meta[el]["hints"][which]["ecut"])


def case_elements(case):
    el, _, kind = case_parts(case)
    return [el] + (["O"] if kind == "oxides" and el != "O" else [])


def element_cutoffs(text):
    """'C=100,O=120' -> {'C': 100.0, 'O': 120.0} (Ha)."""
    out = {}
    for item in (text or "").split(","):
        if item.strip():
            el, _, v = item.partition("=")
            if el.strip() not in SYMBOLS or not v:
                raise SystemExit("acwf.py: --element-cutoffs: bad item %r (want El=Ha,...)" % item)
            out[el.strip()] = float(v)
    return out


def case_ecut(case, a):
    """Cutoff (Ha) of a case: the largest per-element cutoff (--element-cutoffs, measured for a
    GTH table), an explicit value, or the largest hint over its elements."""
    per = element_cutoffs(getattr(a, "element_cutoffs", None))
    if per:
        missing = [e for e in case_elements(case) if e not in per]
        if missing:
            raise SystemExit("acwf.py: --element-cutoffs has no cutoff for %s (%s)" % (", ".join(missing), case))
        return max(per[e] for e in case_elements(case))
    try:
        return float(a.cutoff)
    except ValueError:
        pass
    return max(table_hint(a.table, e, a.cutoff) for e in case_elements(case))


# The GTH-PBE entry (valence q) of every element in CP2K's ACWF submission: the basis/pseudo file
# tzv2p-pbe-gth.yml of the verification-PBE-v1 protocol (aiida-common-workflows,
# src/aiida_common_workflows/workflows/relax/cp2k/). Each is the entry with the alias GTH-PBE in
# cp2k-data 2023.1's GTH_POTENTIALS; a sweep family would take the smallest q instead (Mg q2, not
# q10), so --gth cp2k:GTH-PBE writes these per element.
CP2K_ACWF_Q = dict(zip(
    "H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr "
    "Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At "
    "Rn".split(),
    (1, 2, 3, 4, 3, 4, 5, 6, 7, 8, 9, 10, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 11, 12,
     13, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 11, 12, 13, 4, 5, 6, 7, 8, 9, 10, 12, 13,
     14, 15, 16, 17, 18, 11, 12, 13, 4, 5, 6, 7, 8)))


def psp_yaml(gth, table, elements):
    """The sweep's pseudopotentials line."""
    if not gth:
        return "pseudopotentials: {pbe: \"table:%s\"}\n" % os.path.abspath(table)
    if gth == "cp2k:GTH-PBE":
        missing = [e for e in elements if e not in CP2K_ACWF_Q]
        if missing:
            raise SystemExit("acwf.py: CP2K's ACWF run has no GTH-PBE entry for %s" % ", ".join(missing))
        return "pseudopotentials: {%s}\n" % ", ".join(
            '%s: "cp2k:GTH-PBE-q%d"' % (e, CP2K_ACWF_Q[e]) for e in elements)
    return "pseudopotentials: {pbe: \"%s\"}\n" % gth


# ---------------------------------------------------------------- prepare

def prepare(a):
    os.makedirs(os.path.join(a.out, "structures"), exist_ok=True)
    groups = {}
    meta = {"kspacing_inv_ang": a.kspacing, "smearing_ry": a.smearing_ry,
            "cutoff": ("per element: " + a.element_cutoffs) if a.element_cutoffs else a.cutoff,
            "pseudopotentials": a.gth or ("table:" + os.path.abspath(a.table)), "cases": {}}
    for case in a.cases:
        lat, atoms = read_xsf(structure_path(case, a.structures))
        pos = os.path.join("structures", slug(case) + ".vasp")
        write_poscar(os.path.join(a.out, pos), lat, atoms, "ACWF %s (central volume)" % case)
        grid = kmesh(lat, a.kspacing) if a.grid is None else list(a.grid)
        if a.gth and a.cutoff in ("low", "normal", "high") and not a.element_cutoffs:
            raise SystemExit("acwf.py: GTH tables have no cutoff hints; give --cutoff E or --element-cutoffs (Ha)")
        ecut = case_ecut(case, a)
        key = (ecut, tuple(grid)) + (() if a.group else (case,))
        groups.setdefault(key, []).append((case, pos))
        meta["cases"][case] = {"natom": len(atoms), "volume_ang3": abs(np.linalg.det(lat)), "kgrid": grid,
                               "ecut_ha": ecut}
    strains = ", ".join("%.15f" % (f ** (1.0 / 3.0)) for f in VOLUME_FACTORS)
    sweeps = []
    for n, (key, items) in enumerate(groups.items()):  # in the order of the case list
        ecut, grid = key[0], key[1]
        name = "g%03d" % n
        with open(os.path.join(a.out, name + ".yaml"), "w") as f:
            f.write("# ACWF EOS group: %s\n" % ", ".join(c for c, _ in items))
            f.write("name: %s\ncandidates:\n" % name)
            for case, pos in items:
                f.write("  - structure: {poscar: %s}\n    name: %s\n" % (pos, slug(case)))
            els = []
            for case, _ in items:
                els += [e for e in case_elements(case) if e not in els]
            f.write(psp_yaml(a.gth, a.table, els))
            f.write("xc: pbe\necut: %.6g Ha\n" % ecut)
            f.write("kpoints: {grid: [%d, %d, %d]}\n" % grid)
            f.write("smearing: {kind: fermi-dirac, width: %.8g Ry}\n" % a.smearing_ry)
            f.write("strain: [%s]\n" % strains)
            f.write("scf: {max_iterations: 200, energy_tolerance: %g Ha, density_tolerance: %g}\n" % (a.etol, a.dtol))
            f.write("compute: {forces: false, stress: false}\nverbosity: 0\n")
            if a.allow_unconverged:
                f.write("allow_unconverged: true\n")
        sweeps.append(name)
    meta["sweeps"] = sweeps
    json.dump(meta, open(os.path.join(a.out, "acwf.json"), "w"), indent=1)
    print("%d cases in %d sweeps under %s" % (len(a.cases), len(sweeps), a.out))


# ---------------------------------------------------------------- run

def run(a):
    meta = json.load(open(os.path.join(a.dir, "acwf.json")))
    env = dict(os.environ, OMP_NUM_THREADS="1")
    for name in meta["sweeps"]:
        if a.only and name not in a.only:
            continue
        cmd = ["nice", "-n", str(a.nice), a.furui, "screen", name + ".yaml", "-o", name]
        cpufile = os.path.join(a.dir, name + ".cpu")
        if os.path.exists(cpufile) and os.path.exists(os.path.join(a.dir, name + ".h5")) and not a.force:
            continue  # done by an earlier run (furui screen would resume it at no cost anyway)
        t = time.time()
        c0 = os.times()
        r = subprocess.run(cmd, cwd=a.dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        c1 = os.times()
        cpu = (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)
        print("%s: exit %d, %.1f s wall, %.1f s CPU" % (name, r.returncode, time.time() - t, cpu), flush=True)
        open(os.path.join(a.dir, name + ".log.txt"), "w").write(r.stdout + r.stderr)
        if r.returncode != 0:
            sys.stderr.write(r.stdout + r.stderr)
            raise SystemExit(1)
        # CPU seconds of the whole furui process (user + system), shared out over the cases by
        # their engine seconds in collect: engine_seconds in the results file is wall time
        open(cpufile, "w").write("%.3f\n" % cpu)


# ---------------------------------------------------------------- read results

def read_group(path):
    """[(name, volume Å^3, energy eV, natom, engine s, state, gap eV)] of one results file."""
    import h5py
    out = []
    with h5py.File(path, "r") as f:
        c = f["candidates"]
        labels = [x.decode() if isinstance(x, bytes) else str(x) for x in c["label"][()]]
        state = c["state"][()]
        e = c["energy/total"][()]
        vol = c["volume"][()]
        nat = c["natom"][()]
        sec = c["engine_seconds"][()]
        gap = c["band_gap"][()]
        for i, lab in enumerate(labels):
            out.append((lab.split("/")[1], vol[i] * BOHR_ANG ** 3, e[i] * HA_EV, int(nat[i]), float(sec[i]),
                        int(state[i]), float(gap[i]) * HA_EV))
    return out


# ---------------------------------------------------------------- Birch-Murnaghan

def bm_fit(v, e):
    """Fit E = c0 + c1 x + c2 x^2 + c3 x^3, x = V^(-2/3) (the Birch-Murnaghan EOS written as a
    polynomial); return (V0, E0, B0, B1, residual) in the units of v and e (B0 in e/v units).

    At the minimum p'(x0) = 0. With g(V) = V^(-2/3): E'' = p'' g'^2, E''' = p''' g'^3 + 3 p'' g' g''
    (p' = 0), B0 = V0 E'', B1 = dB/dP = -1 - V0 E'''/E''."""
    v = np.asarray(v, float)
    e = np.asarray(e, float)
    x = v ** (-2.0 / 3.0)
    c3, c2, c1, c0 = np.polyfit(x, e, 3)
    res = float(np.sum((np.polyval([c3, c2, c1, c0], x) - e) ** 2))
    disc = c2 * c2 - 3.0 * c1 * c3
    if disc < 0:
        raise ValueError("no minimum")
    cands = [(-c2 + s * math.sqrt(disc)) / (3.0 * c3) for s in (1.0, -1.0)] if c3 != 0 else [-c1 / (2 * c2)]
    cands = [x0 for x0 in cands if x0 > 0 and 2 * c2 + 6 * c3 * x0 > 0]
    if not cands:
        raise ValueError("no minimum")
    xm = float(np.mean(x))
    x0 = min(cands, key=lambda t: abs(t - xm))
    v0 = x0 ** -1.5
    p2 = 2 * c2 + 6 * c3 * x0
    p3 = 6 * c3
    g1 = -2.0 / 3.0 * v0 ** (-5.0 / 3.0)
    g2 = 10.0 / 9.0 * v0 ** (-8.0 / 3.0)
    e2 = p2 * g1 * g1
    e3 = p3 * g1 ** 3 + 3 * p2 * g1 * g2
    e0 = c0 + c1 * x0 + c2 * x0 ** 2 + c3 * x0 ** 3
    return v0, e0, v0 * e2, -1.0 - v0 * e3 / e2, res


def bm_energy(v, v0, b0, b1, e0=0.0):
    """Third-order Birch-Murnaghan E(V)."""
    eta = (v0 / np.asarray(v, float)) ** (2.0 / 3.0)
    return e0 + 9.0 * v0 * b0 / 16.0 * ((eta - 1.0) ** 3 * b1 + (eta - 1.0) ** 2 * (6.0 - 4.0 * eta))


# ---------------------------------------------------------------- metrics

_GL_X, _GL_W = np.polynomial.legendre.leggauss(64)


def metrics(pa, pb, upstream=False):
    """eps, nu, Delta (meV/atom) of two (V0 Å^3/atom, B0 eV/Å^3, B1) triples (module docstring)."""
    (va, ba, b1a), (vb, bb, b1b) = pa, pb
    vm = 0.5 * (va + vb)
    lo, hi = 0.94 * vm, 1.06 * vm
    v = 0.5 * (hi - lo) * _GL_X + 0.5 * (hi + lo)
    w = 0.5 * _GL_W  # weights of the average over the range (sum 1)
    ea = bm_energy(v, va, ba, b1a)
    eb = bm_energy(v, vb, bb, b1b)
    avg = lambda f: float(np.sum(w * f))  # noqa: E731
    d2 = avg((ea - eb) ** 2)
    ma, mb = avg(ea), avg(eb)
    vara = avg((ea - ma) ** 2)
    varb = avg((eb - (ma if upstream else mb)) ** 2)
    eps = math.sqrt(d2 / math.sqrt(vara * varb))
    eta = lambda x, y: 2.0 * (x - y) / (x + y)  # noqa: E731
    nu = 100.0 * math.sqrt(eta(va, vb) ** 2 + (eta(ba, bb) / 20.0) ** 2 + (eta(b1a, b1b) / 400.0) ** 2)
    return eps, nu, 1000.0 * math.sqrt(d2)


def per_atom(fit, natom):
    """(V0 Å^3/atom, B0 eV/Å^3, B1) of an upstream BM_fit_data entry."""
    return fit["min_volume"] / natom, fit["bulk_modulus_ev_ang3"], fit["bulk_deriv"]


# ---------------------------------------------------------------- collect

def collect(a):
    """Fit every case of the run directories; write one upstream-format file per set."""
    rows, cpu_share, cases, settings = {}, {}, {}, None
    for d in a.dirs:
        meta = json.load(open(os.path.join(d, "acwf.json")))
        st = {k: meta[k] for k in ("kspacing_inv_ang", "smearing_ry", "cutoff", "pseudopotentials")}
        settings = settings or st
        for name in meta["sweeps"]:
            h5 = os.path.join(d, name + ".h5")
            if not os.path.exists(h5):
                continue
            g = read_group(h5)
            for r in g:
                rows.setdefault((d, r[0]), []).append(r)
            cpufile = os.path.join(d, name + ".cpu")
            if os.path.exists(cpufile):
                total = float(open(cpufile).read())
                wall = sum(r[4] for r in g if np.isfinite(r[4])) or 1.0
                for r in g:
                    k = (d, r[0])
                    cpu_share[k] = cpu_share.get(k, 0.0) + total * (r[4] if np.isfinite(r[4]) else 0.0) / wall
        # a case in several directories (a denser mesh, a higher cutoff) takes the last one that
        # has all its volumes done
        for case, info in meta["cases"].items():
            done = sum(1 for x in rows.get((d, slug(case)), []) if x[5] == 3) >= len(VOLUME_FACTORS)
            if case not in cases or done:
                cases[case] = dict(info, dir=d, **st)
    outs = {}
    for case in sorted(cases):
        info = cases[case]
        kind = case_parts(case)[2]
        set_name = "%s-verification-PBE-v1" % kind
        out = outs.setdefault(kind, {
            "script_version": "0.0.3", "set_name": set_name, "BM_fit_data": {}, "eos_data": {},
            "num_atoms_in_sim_cell": {}, "missing_outputs": [], "failed_wfs": [], "completely_off": [],
            "furui": {"label": a.label, "cases": {}}})
        key = (info["dir"], slug(case))
        r = [x for x in rows.get(key, []) if x[5] == 3]
        if len(r) < len(VOLUME_FACTORS):
            (out["missing_outputs"] if not rows.get(key) else out["failed_wfs"]).append(case)
            continue
        r.sort(key=lambda t: t[1])
        v = [x[1] for x in r]
        e = [x[2] for x in r]
        try:
            v0, e0, b0, b1, res = bm_fit(v, e)
        except ValueError:
            out["failed_wfs"].append(case)
            continue
        out["BM_fit_data"][case] = {"E0": e0, "bulk_deriv": b1, "bulk_modulus_ev_ang3": b0, "min_volume": v0,
                                    "residuals": res}
        out["eos_data"][case] = [[x, y] for x, y in zip(v, e)]
        out["num_atoms_in_sim_cell"][case] = r[0][3]
        out["furui"]["cases"][case] = {
            "cpu_seconds": round(cpu_share[key], 2) if key in cpu_share else None,
            "wall_seconds": round(sum(x[4] for x in r), 2), "ecut_ha": info["ecut_ha"], "kgrid": info["kgrid"],
            "kspacing_inv_ang": info["kspacing_inv_ang"], "cutoff": info["cutoff"],
            "smearing_ry": info["smearing_ry"], "pseudopotentials": info["pseudopotentials"],
            "gap_ev_central": round(r[3][6], 4)}  # Kohn-Sham gap at the central volume (0: a metal)
    os.makedirs(a.output, exist_ok=True)
    for kind, out in outs.items():
        path = os.path.join(a.output, "results-%s-%s.json" % (out["set_name"], a.label))
        if a.merge and os.path.exists(path):
            merge_earlier(out, json.load(open(path)))
        json.dump(out, open(path, "w"), indent=1, sort_keys=True)
        print("%s: %d cases fitted, %d failed, %d missing -> %s" % (
            kind, len(out["BM_fit_data"]), len(out["failed_wfs"]), len(out["missing_outputs"]), path))


def merge_earlier(out, earlier):
    """Keep the cases of an earlier results file that the directories now collected do not fit
    (their run directories may be gone); a case fitted now replaces its earlier fit."""
    for case, fit in earlier.get("BM_fit_data", {}).items():
        if case in out["BM_fit_data"]:
            continue
        out["BM_fit_data"][case] = fit
        out["eos_data"][case] = earlier["eos_data"][case]
        out["num_atoms_in_sim_cell"][case] = earlier["num_atoms_in_sim_cell"][case]
        if case in earlier.get("furui", {}).get("cases", {}):
            out["furui"]["cases"][case] = earlier["furui"]["cases"][case]
    for key in ("missing_outputs", "failed_wfs", "completely_off"):
        keep = [c for c in earlier.get(key, []) if c not in out["BM_fit_data"] and c not in out[key]]
        out[key] = [c for c in out[key] if c not in out["BM_fit_data"]] + keep


# ---------------------------------------------------------------- ABINIT, same settings

def read_poscar(path):
    """(lattice rows Å, [(symbol, fractional)]) of a POSCAR written by write_poscar."""
    ln = open(path).read().split("\n")
    lat = np.array([[float(x) for x in ln[i].split()] for i in (2, 3, 4)]) * float(ln[1])
    species, counts = ln[5].split(), [int(x) for x in ln[6].split()]
    atoms, k = [], 8
    for sp, n in zip(species, counts):
        for _ in range(n):
            atoms.append((sp, np.array([float(x) for x in ln[k].split()[:3]])))
            k += 1
    return lat, atoms


def table_files(table):
    """{El: {"path": file relative to table, "Z_val": valence}} of a PseudoDojo table directory
    (standard.djson) or of a plain directory of El.psp8 / El-*.psp8 files (Debian's subsets)."""
    dj = os.path.join(table, "standard.djson")
    if os.path.exists(dj):
        meta = json.load(open(dj))["pseudos_metadata"]
        return {el: {"path": "%s/%s" % (el, m["basename"]), "Z_val": m["Z_val"]} for el, m in meta.items()}
    out = {}
    for f in sorted(glob.glob(os.path.join(table, "*.psp8")), key=lambda x: (len(x), x)):
        el = re.match(r"([A-Z][a-z]?)[.-]", os.path.basename(f)).group(1)
        zion = float(open(f).read().split("\n")[1].split()[1])  # line 2: zatom zion pspd
        out.setdefault(el, {"path": os.path.basename(f), "Z_val": zion})
    return out


def default_nband(nelec):
    """furui's fu_default_nband with smearing (src/dft/basis.c), so both codes occupy the same bands."""
    nocc = int(math.ceil(nelec / 2.0 - 1e-9))
    return max(int(math.ceil(0.6 * nelec)) + 4, nocc + 4)


def abinit(a):
    """Run ABINIT 9.6 on the cases of a prepared directory with its settings (7 volumes each: the
    same strained cells, cutoff, k-mesh, Fermi-Dirac width, psp8 files and band count), and write
    the results in the upstream format (label abinit-live)."""
    meta = json.load(open(os.path.join(a.dir, "acwf.json")))
    table = meta["pseudopotentials"]
    if not table.startswith("table:"):
        raise SystemExit("acwf.py abinit: only PseudoDojo table runs (table:DIR) are supported")
    table = table[len("table:"):]
    dj = table_files(table)
    root = os.path.join(a.dir, "abinit")
    out = {}
    for case in a.cases:
        info = meta["cases"][case]
        lat, atoms = read_poscar(os.path.join(a.dir, "structures", slug(case) + ".vasp"))
        species = []
        for sp, _ in atoms:
            if sp not in species:
                species.append(sp)
        nelec = sum(dj[sp]["Z_val"] for sp, _ in atoms)
        pts, cpu = [], 0.0
        for n, f in enumerate(VOLUME_FACTORS):
            d = os.path.join(root, slug(case), "v%d" % n)
            os.makedirs(d, exist_ok=True)
            cell = lat * f ** (1.0 / 3.0) / BOHR_ANG
            txt = ["acell 3*1.0", "rprim " + "\n      ".join(" ".join("%.12f" % x for x in v) for v in cell),
                   "ntypat %d" % len(species), "znucl " + " ".join(str(SYMBOLS.index(sp)) for sp in species),
                   "natom %d" % len(atoms), "typat " + " ".join(str(species.index(sp) + 1) for sp, _ in atoms),
                   "xred " + "\n     ".join(" ".join("%.12f" % c for c in x) for _, x in atoms),
                   "ixc -101130", "ecut %.6f" % info["ecut_ha"], "ngkpt %d %d %d" % tuple(info["kgrid"]),
                   "nshiftk 1", "shiftk 0 0 0", "nband %d" % default_nband(nelec),
                   "occopt 3", "tsmear %.10f" % (meta["smearing_ry"] / 2.0),
                   "toldfe 1e-10", "nstep 200", "chkprim 0", "chksymbreak 0", "prtwf 0", "prtden 0", "prteig 0",
                   "optforces 0", "optstress 0", 'pp_dirpath "%s"' % table,
                   'pseudos "%s"' % ", ".join(dj[sp]["path"] for sp in species)]
            abo = os.path.join(d, "run.abo")
            if not (os.path.exists(abo) and "etotal" in open(abo).read()):
                open(os.path.join(d, "run.abi"), "w").write("\n".join(txt) + "\n")
                for old in glob.glob(os.path.join(d, "run.abo*")) + glob.glob(os.path.join(d, "runo_*")):
                    os.remove(old)
                c0 = os.times()
                r = subprocess.run(["nice", "-n", str(a.nice), a.abinit, "run.abi"], cwd=d,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                   env=dict(os.environ, OMP_NUM_THREADS="1"))
                c1 = os.times()
                t = (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)
                open(os.path.join(d, "cpu"), "w").write("%.3f\n" % t)
                if r.returncode != 0:
                    raise SystemExit("abinit failed in %s: %s" % (d, r.stderr[-2000:]))
            cpu += float(open(os.path.join(d, "cpu")).read())
            m = re.findall(r"^\s+etotal\s+(\S+)", open(abo).read(), re.M)
            pts.append((abs(np.linalg.det(cell)) * BOHR_ANG ** 3, float(m[-1]) * HA_EV))
        v0, e0, b0, b1, res = bm_fit([p[0] for p in pts], [p[1] for p in pts])
        kind = case_parts(case)[2]
        o = out.setdefault(kind, {"script_version": "0.0.3", "set_name": "%s-verification-PBE-v1" % kind,
                                  "BM_fit_data": {}, "eos_data": {}, "num_atoms_in_sim_cell": {},
                                  "missing_outputs": [], "failed_wfs": [], "completely_off": [],
                                  "furui": {"label": "abinit-live", "cases": {}}})
        o["BM_fit_data"][case] = {"E0": e0, "bulk_deriv": b1, "bulk_modulus_ev_ang3": b0, "min_volume": v0,
                                  "residuals": res}
        o["eos_data"][case] = [[x, y] for x, y in pts]
        o["num_atoms_in_sim_cell"][case] = len(atoms)
        o["furui"]["cases"][case] = {"cpu_seconds": round(cpu, 2), "ecut_ha": info["ecut_ha"],
                                     "kgrid": info["kgrid"], "code": "ABINIT 9.6.2, ixc -101130"}
        print("%s: ABINIT %.1f s CPU" % (case, cpu), flush=True)
    os.makedirs(a.output, exist_ok=True)
    for kind, o in out.items():
        path = os.path.join(a.output, "results-%s-%s.json" % (o["set_name"], a.label))
        if os.path.exists(path):  # keep cases of earlier invocations
            old = json.load(open(path))
            for k in ("BM_fit_data", "eos_data", "num_atoms_in_sim_cell"):
                old[k].update(o[k])
            old["furui"]["cases"].update(o["furui"]["cases"])
            o = old
        json.dump(o, open(path, "w"), indent=1, sort_keys=True)
        print("-> " + path)


# ---------------------------------------------------------------- compare

PUBLISHED = {  # label in the table -> upstream file tail (code_results/)
    "ABINIT+PD0.5b1": "abinit-PseudoDojo-0.5b1-PBE-SR-standard-psp8",
    "QE+SSSP1.3": "quantum_espresso-SSSP-1.3-PBE-precision",
    "CP2K+GTH": "cp2k_TZV2P",
}


def load_results(paths):
    """{case: (V0 Å^3/atom, B0 eV/Å^3, B1)} and {case: furui info} from results files (both sets)."""
    fits, info = {}, {}
    for p in paths:
        d = json.load(open(p))
        for case, f in d["BM_fit_data"].items():
            if f is None:
                continue
            fits[case] = per_atom(f, d["num_atoms_in_sim_cell"][case])
        info.update(d.get("furui", {}).get("cases", {}))
    return fits, info


def reference_files(kind):
    return os.path.join(ACWF, "ae_reference", "results-%s-verification-PBE-v1-AE-average.json" % kind)


def published_files(kind, tail):
    return os.path.join(ACWF, "code_results", "results-%s-verification-PBE-v1-%s.json" % (kind, tail))


def compare_sets(a_fits, b_fits, upstream=False):
    out = {}
    for case, pa in a_fits.items():
        if case in b_fits:
            out[case] = metrics(pa, b_fits[case], upstream)
    return out


def fmt(x, nd=3):
    return "—" if x is None else ("%.*f" % (nd, x))


def auto_note(it):
    """Why a case may be worse than ABINIT + PseudoDojo 0.5b1 at 0.06 Å^-1, from its settings."""
    if not it:
        return ""
    gap = it.get("gap_ev_central")
    parts = []
    if gap is not None and gap < 0.05 and it.get("kspacing_inv_ang", 0.06) > 0.06:
        parts.append("metal at k-spacing %.2f Å⁻¹ (ACWF 0.06)" % it["kspacing_inv_ang"])
    elif gap is not None:
        parts.append("gap %.1f eV (k effect not measured here)" % gap)
    parts.append("PseudoDojo 0.4 (not 0.5b1) at the %s hint" % it.get("cutoff", "?"))
    return "; ".join(parts)


def compare(a):
    fits, info = load_results(a.results)
    kinds = sorted({case_parts(c)[2] for c in fits})
    ref = a.ref or [reference_files(k) for k in kinds]
    ref_fits, _ = load_results(ref)
    ours = compare_sets(fits, ref_fits, a.eps_upstream)
    others = {}
    if not a.no_published:
        for lab, tail in PUBLISHED.items():
            of, _ = load_results([published_files(k, tail) for k in kinds if os.path.exists(published_files(k, tail))])
            others[lab] = compare_sets(of, ref_fits, a.eps_upstream)
    cases = sorted(ours, key=lambda c: (case_parts(c)[2] != "unaries", case_parts(c)[1], c))
    eps = np.array([ours[c][0] for c in cases])
    nus = np.array([ours[c][1] for c in cases])
    summary = {"n": len(cases), "n_unaries": sum(case_parts(c)[2] == "unaries" for c in cases),
               "n_oxides": sum(case_parts(c)[2] == "oxides" for c in cases),
               "median_eps": float(np.median(eps)) if len(eps) else None,
               "max_eps": float(np.max(eps)) if len(eps) else None,
               "median_nu": float(np.median(nus)) if len(nus) else None,
               "n_eps_above_1": int(np.sum(eps > 1.0)),
               "median_delta_mev_per_atom": float(np.median([ours[c][2] for c in cases])) if cases else None,
               "cpu_seconds_total": float(sum(info.get(c, {}).get("cpu_seconds") or 0 for c in cases)),
               "eps_convention": "upstream (second variance about <E_a>)" if a.eps_upstream else
               "each variance about its own mean",
               "cases": {c: {"eps": ours[c][0], "nu": ours[c][1], "delta_mev_per_atom": ours[c][2]} for c in cases}}
    full = sorted({case_parts(c)[0] for c in cases
                   if all("%s-%s" % (case_parts(c)[0], u) in ours for u in UNARY)})
    summary["elements_with_4_unary_structures"] = full
    for name, sel in (("metals", lambda g: g is not None and g < 0.05), ("gapped", lambda g: g is not None and g >= 0.05)):
        sub = [ours[c][0] for c in cases if sel(info.get(c, {}).get("gap_ev_central"))]
        summary["n_" + name] = len(sub)
        summary["median_eps_" + name] = float(np.median(sub)) if sub else None
    for lab, m in others.items():
        common = [c for c in cases if c in m]
        summary["median_eps_" + lab] = float(np.median([m[c][0] for c in common])) if common else None
    print("%d cases (%d unaries, %d oxides): median eps %s, max %s, median nu %s, eps > 1: %d" % (
        summary["n"], summary["n_unaries"], summary["n_oxides"], fmt(summary["median_eps"], 4),
        fmt(summary["max_eps"], 4), fmt(summary["median_nu"], 4), summary["n_eps_above_1"]))
    print("  the 4 unary structures for %d elements: %s" % (len(full), " ".join(full)))
    print("  metals (no gap at the central volume): %d, median eps %s; gapped: %d, median eps %s" % (
        summary["n_metals"], fmt(summary["median_eps_metals"], 4), summary["n_gapped"],
        fmt(summary["median_eps_gapped"], 4)))
    for lab in others:
        print("  same cases, %s: median eps %s" % (lab, fmt(summary["median_eps_" + lab], 4)))
    if a.json:
        json.dump(summary, open(a.json, "w"), indent=1, sort_keys=True)
    if a.table_md:
        with open(a.table_md, "w") as f:
            cols = "".join(" %s ε | ν |" % lab for lab in others)
            f.write("| case | ε | ν | Δ meV/atom |%s E_cut Ha | k-mesh | Δk Å⁻¹ | CPU s | note |\n" % cols)
            f.write("|---|---|---|---|%s---|---|---|---|---|\n" % ("---|---|" * len(others)))
            for c in cases:
                e, n, dl = ours[c]
                it = info.get(c, {})
                o = "".join(" %s | %s |" % (fmt(others[lab].get(c, (None,))[0]), fmt(
                    others[lab][c][1] if c in others[lab] else None)) for lab in others)
                note = ""
                pd = others.get("ABINIT+PD0.5b1", {}).get(c)
                if pd and e > pd[0] + 0.03:
                    note = (a.notes or {}).get(c) or auto_note(it)
                f.write("| %s | %.3f | %.3f | %.3f |%s %s | %s | %s | %s | %s |\n" % (
                    c, e, n, dl, o, fmt(it.get("ecut_ha"), 0), "×".join(str(x) for x in it.get("kgrid", [])) or "—",
                    fmt(it.get("kspacing_inv_ang"), 2), fmt(it.get("cpu_seconds"), 0), note))
    if a.heatmap:
        heatmaps(ours, a.heatmap, a.title)


def vs_published(a):
    """Per case: eps vs AE of ours and of one published code, their difference, and eps/nu of ours
    against that code directly (the GTH check: same pseudopotentials, another basis)."""
    fits, info = load_results(a.results)
    kinds = sorted({case_parts(c)[2] for c in fits})
    ref_fits, _ = load_results(a.ref or [reference_files(k) for k in kinds])
    pub_fits, _ = load_results(a.published or [published_files(k, a.code) for k in kinds])
    ours = compare_sets(fits, ref_fits, a.eps_upstream)
    pub = compare_sets(pub_fits, ref_fits, a.eps_upstream)
    direct = compare_sets(fits, pub_fits, a.eps_upstream)
    cases = sorted((c for c in ours if c in pub), key=lambda c: (case_parts(c)[2] != "unaries", case_parts(c)[1], c))
    notes = a.notes or {}
    rows = {}
    for c in cases:
        it = info.get(c, {})
        rows[c] = {"eps_ours_ae": ours[c][0], "eps_published_ae": pub[c][0], "difference": ours[c][0] - pub[c][0],
                   "eps_ours_published": direct[c][0], "nu_ours_published": direct[c][1],
                   "delta_ours_published_mev_per_atom": direct[c][2], "nu_ours_ae": ours[c][1],
                   "nu_published_ae": pub[c][1], "ecut_ha": it.get("ecut_ha"), "kgrid": it.get("kgrid"),
                   "kspacing_inv_ang": it.get("kspacing_inv_ang"), "cpu_seconds": it.get("cpu_seconds"),
                   "gap_ev_central": it.get("gap_ev_central"), "within": abs(ours[c][0] - pub[c][0]) <= a.tolerance,
                   "v0_ours_minus_ae_pct": 100.0 * (fits[c][0] / ref_fits[c][0] - 1.0),
                   "v0_published_minus_ae_pct": 100.0 * (pub_fits[c][0] / ref_fits[c][0] - 1.0)}
    n_ok = sum(r["within"] for r in rows.values())
    summary = {"code": a.code, "tolerance": a.tolerance, "n": len(rows), "n_within": n_ok,
               "eps_convention": "upstream (second variance about <E_a>)" if a.eps_upstream else
               "each variance about its own mean", "cases": rows}
    print("%d cases against %s: %d with |eps(ours, AE) - eps(%s, AE)| <= %g" % (len(rows), a.code, n_ok, a.code,
                                                                               a.tolerance))
    if a.json:
        json.dump(summary, open(a.json, "w"), indent=1, sort_keys=True)
    lines = ["| case | ε furui vs AE | ε %s vs AE | difference | ε(furui, %s) | ν(furui, %s) | "
             "V0 − V0(AE) %% furui / %s | E_cut Ha | k-mesh | Δk Å⁻¹ | gap eV | CPU s | note |" % (
                 a.code_label, a.code_label, a.code_label, a.code_label),
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for c in cases:
        r = rows[c]
        lines.append("| %s | %.3f | %.3f | %+.3f | %.3f | %.3f | %+.2f / %+.2f | %s | %s | %s | %s | %s | %s |" % (
            c, r["eps_ours_ae"], r["eps_published_ae"], r["difference"], r["eps_ours_published"],
            r["nu_ours_published"], r["v0_ours_minus_ae_pct"], r["v0_published_minus_ae_pct"], fmt(r["ecut_ha"], 0), "×".join(str(x) for x in r["kgrid"] or []) or "—",
            fmt(r["kspacing_inv_ang"], 2), fmt(r["gap_ev_central"], 2), fmt(r["cpu_seconds"], 0),
            notes.get(c, "" if r["within"] else "outside %g" % a.tolerance)))
    text = "\n".join(lines) + "\n"
    if a.table_md:
        open(a.table_md, "w").write(text)
    sys.stdout.write(text)


# ---------------------------------------------------------------- GTH case selection

GTH_FILE = "/usr/share/cp2k/GTH_POTENTIALS"


def gth_radii(path, el, q):
    """r_loc and the projector radii (bohr) of the entry `el GTH-PBE-q<q>` of a CP2K GTH file:
    name line, electrons per shell, `r_loc n c1..`, `n_proj`, then per projector `r_i n_i h..`
    followed by n_i - 1 lines of the rest of the h matrix."""
    lines = open(path).read().splitlines()
    for i, line in enumerate(lines):
        w = line.split()
        if len(w) > 1 and w[0] == el and ("GTH-PBE-q%d" % q) in w[1:]:
            radii = [float(lines[i + 2].split()[0])]
            nproj, j = int(lines[i + 3].split()[0]), i + 4
            for _ in range(nproj):
                r, n = lines[j].split()[:2]
                radii.append(float(r))
                j += 1 + max(0, int(n) - 1)
            return radii
    return None


def gth_pick(a):
    """The rule that chose the second GTH campaign, before it ran (validation/README.md):
    a CP2K unary case qualifies if eps(CP2K + GTH, BigDFT + HGH-K) <= --max-basis (two unrelated
    bases, Gaussians and wavelets, on Krack's GTH/HGH-K potentials agree, so CP2K's basis error is
    likely small) and its element's GTH-PBE entry is soft: 9 / r_min^2 <= --max-ecut Ha, r_min the
    smallest of r_loc and the projector radii (a Gaussian of width r needs G^2 r^2 / 2 ~ 9 to decay
    to 1e-4; this gives 68, 106, 47, 51 Ha for B, C, Si, Kr, measured 60, 100, 30, 60). Cases in
    --done are left out; the rest in increasing eps(CP2K, BigDFT)."""
    ref, _ = load_results([reference_files("unaries")])
    cp2k, _ = load_results([published_files("unaries", "cp2k_TZV2P")])
    bigdft, _ = load_results([published_files("unaries", "bigdft")])
    done, _ = load_results(a.done) if a.done else ({}, {})
    rows = []
    for c in sorted(cp2k):
        el = case_parts(c)[0]
        if c not in ref or c not in bigdft or el not in CP2K_ACWF_Q:
            continue
        radii = gth_radii(a.gth_file, el, CP2K_ACWF_Q[el])
        est = 9.0 / min(radii) ** 2 if radii else float("inf")
        basis = metrics(cp2k[c], bigdft[c], a.eps_upstream)[0]
        rows.append({"case": c, "entry": "GTH-PBE-q%d" % CP2K_ACWF_Q[el], "eps_cp2k_bigdft": basis,
                     "eps_cp2k_ae": metrics(cp2k[c], ref[c], a.eps_upstream)[0], "ecut_estimate_ha": est,
                     "selected": basis <= a.max_basis and est <= a.max_ecut and c not in done,
                     "done": c in done})
    rows.sort(key=lambda r: r["eps_cp2k_bigdft"])
    for r in rows:
        if r["eps_cp2k_bigdft"] <= a.max_basis:
            print("%-14s %-12s eps(CP2K,BigDFT) %.3f  eps(CP2K,AE) %.3f  ecut est %4.0f Ha  %s" % (
                r["case"], r["entry"], r["eps_cp2k_bigdft"], r["eps_cp2k_ae"], r["ecut_estimate_ha"],
                "SELECTED" if r["selected"] else ("done" if r["done"] else "too hard")))
    if a.json:
        json.dump({"rule": gth_pick.__doc__.split("\n\n")[0].strip(), "max_basis": a.max_basis,
                   "max_ecut_ha": a.max_ecut, "cases": rows}, open(a.json, "w"), indent=1)


# ---------------------------------------------------------------- heat maps

def table_position(sym):
    """(row, column) of an element in the 18-column periodic table (lanthanides/actinides below)."""
    z = SYMBOLS.index(sym)
    if z <= 2:
        return 0, 0 if z == 1 else 17
    starts = [(3, 1), (11, 2), (19, 3), (37, 4), (55, 5), (87, 6)]
    for z0, row in reversed(starts):
        if z >= z0:
            k = z - z0
            break
    if row <= 2:
        return row, k if k < 2 else k + 10
    if row >= 5:
        if 2 <= k <= 16:
            return row + 3, k + 1  # f block row
        return row, k if k < 2 else k - 14
    return row, k


def heatmaps(metric_by_case, prefix, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm
    confs = [c for c in UNARY + OXIDES if any(case_parts(k)[1] == c for k in metric_by_case)]
    for idx, (name, lo, hi, good) in enumerate((("epsilon", 0.01, 2.0, 0.06), ("nu", 0.01, 3.0, 0.10))):
        fig, axes = plt.subplots(len(confs), 1, figsize=(8, 4.6 * len(confs)), squeeze=False)
        for ax, conf in zip(axes[:, 0], confs):
            grid = np.full((10, 18), np.nan)
            for case, m in metric_by_case.items():
                el, cf, _ = case_parts(case)
                if cf != conf:
                    continue
                r, c = table_position(el)
                grid[r, c] = max(m[idx], lo)
            im = ax.imshow(grid, cmap="RdYlGn_r", norm=LogNorm(vmin=lo, vmax=hi))
            for case, m in metric_by_case.items():
                el, cf, _ = case_parts(case)
                if cf == conf:
                    r, c = table_position(el)
                    ax.text(c, r - 0.18, el, ha="center", va="center", fontsize=7)
                    ax.text(c, r + 0.22, "%.2f" % m[idx], ha="center", va="center", fontsize=6)
            for z in range(1, len(SYMBOLS)):
                r, c = table_position(SYMBOLS[z])
                if np.isnan(grid[r, c]):
                    ax.add_patch(plt.Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, ec="0.85", lw=0.5))
            ax.set_title("%s: %s" % (conf, name), fontsize=10)
            ax.set_xticks([])
            ax.set_yticks([])
            fig.colorbar(im, ax=ax, fraction=0.02, pad=0.01)
        fig.suptitle("%s: %s against the all-electron average ('excellent' below %.2f)" % (title, name, good),
                     fontsize=11)
        fig.tight_layout(rect=(0, 0, 1, 0.985))
        fig.savefig("%s-%s.png" % (prefix, name), dpi=110)
        plt.close(fig)


# ---------------------------------------------------------------- self test

def selftest(_a=None):
    """Checks of the fit and the metrics against closed forms (no furui, no ../shared)."""
    # the BM3 equation is a cubic polynomial in V^(-2/3): the fit must return its parameters exactly
    v0, b0, b1 = 20.0, 0.6, 4.3
    vs = [f * v0 * 1.01 for f in VOLUME_FACTORS]
    fit = bm_fit(vs, bm_energy(vs, v0, b0, b1, e0=-3.0))
    assert abs(fit[0] - v0) < 1e-8 and abs(fit[1] + 3.0) < 1e-10, fit
    assert abs(fit[2] - b0) < 1e-8 and abs(fit[3] - b1) < 1e-6 and fit[4] < 1e-20, fit
    # identical curves: all metrics vanish
    assert metrics((v0, b0, b1), (v0, b0, b1)) == (0.0, 0.0, 0.0)
    # nu of two curves differing only in V0: 100 * 2|dV|/(Va + Vb)
    nu = metrics((10.0, b0, b1), (10.1, b0, b1))[1]
    assert abs(nu - 100 * 0.2 / 20.1) < 1e-12, nu
    # B1 = 4: E = 9/8 V0 B0 (eta - 1)^2, so a curve with B0(1 + r) is (1 + r) times the other and
    # eps = |r| / sqrt(1 + r) * sqrt(<E^2> / var(E)); the factor is the same for every r, so the ratio
    # of two eps values is closed-form, and Delta = |r| sqrt(<E^2>) (meV if E in eV)
    e1, _, d1 = metrics((v0, b0 * 1.1, 4.0), (v0, b0, 4.0))
    e2, _, d2 = metrics((v0, b0 * 1.3, 4.0), (v0, b0, 4.0))
    want = (0.1 / math.sqrt(1.1)) / (0.3 / math.sqrt(1.3))
    assert abs(e1 / e2 - want) < 1e-12, (e1 / e2, want)
    assert abs(d1 / d2 - 1.0 / 3.0) < 1e-12
    # and the absolute values against an independent quadrature of the definitions
    from scipy.integrate import quad
    lo, hi = 0.94 * v0, 1.06 * v0
    ea = lambda v: bm_energy(v, v0, b0 * 1.1, 4.0)  # noqa: E731
    eb = lambda v: bm_energy(v, v0, b0, 4.0)  # noqa: E731
    avg = lambda f: quad(f, lo, hi, epsabs=1e-16, epsrel=1e-13)[0] / (hi - lo)  # noqa: E731
    ma, mb = avg(ea), avg(eb)
    eps = math.sqrt(avg(lambda v: (ea(v) - eb(v)) ** 2) / math.sqrt(
        avg(lambda v: (ea(v) - ma) ** 2) * avg(lambda v: (eb(v) - mb) ** 2)))
    assert abs(e1 - eps) < 1e-10 * eps, (e1, eps)
    assert abs(d1 - 1000 * math.sqrt(avg(lambda v: (ea(v) - eb(v)) ** 2))) < 1e-9 * d1
    # the upstream convention (second variance about <E_a>) differs by the shift of the means
    eu = metrics((v0, b0 * 1.1, 4.0), (v0, b0, 4.0), upstream=True)[0]
    varb_up = avg(lambda v: (eb(v) - ma) ** 2)
    want_u = math.sqrt(avg(lambda v: (ea(v) - eb(v)) ** 2) / math.sqrt(avg(lambda v: (ea(v) - ma) ** 2) * varb_up))
    assert abs(eu - want_u) < 1e-10 * want_u
    print("selftest: BM fit exact on BM3 points, metrics agree with closed forms and quadrature")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("cases", nargs="+")
    p.add_argument("-o", "--out", required=True)
    p.add_argument("--table", default=os.path.join(SHARED, "pseudodojo", "nc-sr-04-pbe"))
    p.add_argument("--gth", default=None, help="a sweep pseudopotential family, e.g. cp2k:GTH-PBE")
    p.add_argument("--cutoff", default="high", help="high | normal | low (table hint) or Ha")
    p.add_argument("--element-cutoffs", default=None,
                   help="El=Ha,... per element (a case takes the largest of its elements'), e.g. for GTH")
    p.add_argument("--kspacing", type=float, default=0.06, help="Å^-1, 2 pi included")
    p.add_argument("--grid", type=int, nargs=3, default=None, help="one explicit mesh for every case")
    p.add_argument("--smearing-ry", type=float, default=0.0045)
    p.add_argument("--etol", type=float, default=1e-8, help="SCF energy tolerance, Ha per cell")
    p.add_argument("--dtol", type=float, default=1e-6, help="SCF density tolerance (furui's drho)")
    p.add_argument("--structures", default=None, help="directory of the XSF files (default: ../shared)")
    p.add_argument("--allow-unconverged", action="store_true")
    p.add_argument("--group", action="store_true",
                   help="one sweep per (cutoff, k-mesh) instead of one per case (fewer, larger campaigns)")
    p = sub.add_parser("run")
    p.add_argument("dir")
    p.add_argument("--furui", default=os.path.join(HERE, "..", "build", "furui"))
    p.add_argument("--nice", type=int, default=10)
    p.add_argument("--force", action="store_true", help="rerun sweeps that have a .cpu file")
    p.add_argument("--only", nargs="+", default=None, help="run just these sweeps (g000 ...)")
    p = sub.add_parser("collect")
    p.add_argument("dirs", nargs="+")
    p.add_argument("--label", required=True, help="code/table tag of the output file names")
    p.add_argument("-o", "--output", required=True, help="directory of the results-*.json files")
    p.add_argument("--merge", action="store_true",
                   help="keep the output file's cases that these directories do not fit (else it is rewritten)")
    p = sub.add_parser("compare")
    p.add_argument("results", nargs="+")
    p.add_argument("--ref", nargs="+", default=None, help="reference results files (default: the AE average)")
    p.add_argument("--eps-upstream", action="store_true")
    p.add_argument("--no-published", action="store_true", help="do not add the other codes' columns")
    p.add_argument("--json", default=None)
    p.add_argument("--table-md", default=None)
    p.add_argument("--heatmap", default=None, help="prefix of the PNG heat maps")
    p.add_argument("--title", default="furui")
    p.add_argument("--notes", default=None, help="JSON {case: note} for the table")
    sub.add_parser("selftest")
    p = sub.add_parser("vs")
    p.add_argument("results", nargs="+")
    p.add_argument("--code", default="cp2k_TZV2P", help="upstream file tail of the published code")
    p.add_argument("--code-label", default="CP2K+GTH")
    p.add_argument("--tolerance", type=float, default=0.05, help="on |eps(ours, AE) - eps(code, AE)|")
    p.add_argument("--ref", nargs="+", default=None, help="reference results files (default: the AE average)")
    p.add_argument("--published", nargs="+", default=None, help="the code's results files (default: --code's)")
    p.add_argument("--eps-upstream", action="store_true")
    p.add_argument("--json", default=None)
    p.add_argument("--table-md", default=None)
    p.add_argument("--notes", default=None, help="JSON {case: note} for the table")
    p = sub.add_parser("gthpick")
    p.add_argument("--max-basis", type=float, default=0.10, help="on eps(CP2K, BigDFT + HGH-K)")
    p.add_argument("--max-ecut", type=float, default=80.0, help="Ha, on the entry's 9 / r_min^2")
    p.add_argument("--done", nargs="*", default=None, help="results files of cases already run")
    p.add_argument("--gth-file", default=GTH_FILE)
    p.add_argument("--eps-upstream", action="store_true")
    p.add_argument("--json", default=None)
    p = sub.add_parser("abinit")
    p.add_argument("dir")
    p.add_argument("cases", nargs="+")
    p.add_argument("--abinit", default="/usr/bin/abinit")
    p.add_argument("--nice", type=int, default=10)
    p.add_argument("--label", default="abinit-PseudoDojo-0.4-PBE-SR-standard-psp8-live")
    p.add_argument("-o", "--output", required=True)
    a = ap.parse_args()
    if getattr(a, "notes", None):
        a.notes = json.load(open(a.notes))
    {"prepare": prepare, "run": run, "collect": collect, "compare": compare, "selftest": selftest,
     "abinit": abinit, "vs": vs_published, "gthpick": gth_pick}[a.cmd](a)


if __name__ == "__main__":
    main()

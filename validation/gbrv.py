#!/usr/bin/python3
"""GBRV compound tests of the PseudoDojo table recomputed by furui (rock salt, perovskite, half-Heusler).

    validation/gbrv.py prepare FORMULA... -o DIR [--hint normal] [--djson FILE]
    validation/gbrv.py run DIR [--furui PATH] [--nice N]      # acwf.py's runner: furui screen, resumable
    validation/gbrv.py collect DIR... [--json OUT] [--table-md OUT] [--merge]
    validation/gbrv.py selftest                               # the fit against a closed form

The PseudoDojo file `gbrv_compounds_standard.djson` (../shared/pseudodojo/nc-sr-04-pbe) holds, per
compound and cutoff hint, ABINIT's nine total energies (eV) at nine volumes (Å^3 per primitive cell,
0.99 ... 1.01 x its relaxed volume in steps of 0.25 %), the lattice constant a0 of a parabola fitted
to them and its error against the all-electron a0 of the GBRV paper. The settings of those runs are
those of the PseudoDojo workflow `GbrvCompoundRelaxAndEosWork` (pseudo_dojo/dojo/gbrv_compounds.py):
8x8x8 Monkhorst-Pack mesh with shift 0 (Gamma-centred), Fermi-Dirac smearing 0.001 Ha, no spin,
`fband 2`, `ecutsm 0.5` Ha, `toldfe 1e-10` Ha, ecut = the hint, PBE. `prepare` builds the same
cells (abipy's conventions: rock salt and half-Heusler on the fcc primitive cell, the formula's
species at (0,0,0), (1/2,1/2,1/2), (1/4,1/4,1/4); perovskite ABO3 in its 5-atom cubic cell, A at
the corner, B at the centre, the third species at the face centres) at exactly those nine volumes,
with the same mesh, smearing and cutoff; `collect` fits furui's E(V) with the same parabola
(E = c2 V^2 + c1 V + c0, V0 = -c1 / 2 c2; a0 = (4 V0)^(1/3) on the fcc cell, V0^(1/3) on the cubic
one) and compares a0 with ABINIT's (the djson value, and the same fit done here on the djson's
energies: the two agree, which checks the fit convention) and with the all-electron a0
(a0 - a0_abs_err of the djson). furui has no `ecutsm` (ABINIT's smoothed kinetic energy near the
cutoff): at the hints, where the normal and high rows of the djson agree to ~1e-5 in a0, its
effect on a0 is of that order.
"""
import argparse
import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import acwf  # noqa: E402

DJSON = os.path.join(acwf.SHARED, "pseudodojo", "nc-sr-04-pbe", "gbrv_compounds_standard.djson")
TABLE = os.path.join(acwf.SHARED, "pseudodojo", "nc-sr-04-pbe")
KGRID = (8, 8, 8)
SMEARING_HA = 0.001


def species(formula):
    """['Ca', 'Ca', 'Ca'] style list in formula order ('AsNCa3' -> As N Ca Ca Ca)."""
    out, i = [], 0
    while i < len(formula):
        j = i + 1
        while j < len(formula) and formula[j].islower():
            j += 1
        k = j
        while k < len(formula) and formula[k].isdigit():
            k += 1
        out += [formula[i:j]] * (int(formula[j:k]) if k > j else 1)
        i = k
    return out


def cell(struct_type, a, sp):
    """(lattice rows Å, [(symbol, cartesian Å)]) of abipy's GBRV structures."""
    if struct_type in ("rocksalt", "hH"):
        lat = 0.5 * a * np.array([[0.0, 1, 1], [1, 0, 1], [1, 1, 0]])
        frac = [(0, 0, 0), (0.5, 0.5, 0.5), (0.25, 0.25, 0.25)][:len(sp)]
    elif struct_type == "ABO3":
        lat = a * np.eye(3)
        frac = [(0, 0, 0), (0.5, 0.5, 0.5), (0.5, 0.5, 0), (0.5, 0, 0.5), (0, 0.5, 0.5)]
    else:
        raise SystemExit("gbrv.py: structure type %s not handled" % struct_type)
    if len(frac) != len(sp):
        raise SystemExit("gbrv.py: %d species for a %s cell" % (len(sp), struct_type))
    return lat, [(s, np.array(f) @ lat) for s, f in zip(sp, frac)]


def vol2a(struct_type, v):
    return (4.0 * v) ** (1.0 / 3.0) if struct_type in ("rocksalt", "hH") else v ** (1.0 / 3.0)


def find(dj, formula):
    for t in ("rocksalt", "ABO3", "hH"):
        if formula in dj[t]:
            return t, dj[t][formula]
    raise SystemExit("gbrv.py: %s is not in the djson file" % formula)


def quad_fit(v, e):
    """Parabola E(V): (V0, E0, B0 = V0 E''(V0)) in the units of v and e."""
    c2, c1, c0 = np.polyfit(np.asarray(v, float), np.asarray(e, float), 2)
    v0 = -c1 / (2.0 * c2)
    return v0, c0 + c1 * v0 + c2 * v0 * v0, 2.0 * c2 * v0


# ---------------------------------------------------------------- prepare

def prepare(a):
    dj = json.load(open(a.djson))
    std = json.load(open(os.path.join(TABLE, "standard.djson")))["pseudos_metadata"]
    os.makedirs(os.path.join(a.out, "structures"), exist_ok=True)
    meta = {"kgrid": list(KGRID), "smearing_ha": SMEARING_HA, "hint": a.hint, "djson": os.path.abspath(a.djson),
            "pseudopotentials": "table:" + os.path.abspath(TABLE), "cases": {}, "sweeps": []}
    for n, formula in enumerate(a.formulas):
        t, entry = find(dj, formula)
        if a.hint not in entry:
            raise SystemExit("gbrv.py: %s has no %s row" % (formula, a.hint))
        row = entry[a.hint]
        sp = species(formula)
        for base in row["pseudos"]:  # the djson's files must be the table's standard ones
            el = base.split("-")[0].split(".")[0]
            if std[el]["basename"] != base:
                raise SystemExit("gbrv.py: %s used %s, the standard table has %s" % (formula, base, std[el]["basename"]))
        vols = row["volumes"]
        vref = vols[len(vols) // 2]
        lat, atoms = cell(t, vol2a(t, vref), sp)
        pos = os.path.join("structures", formula + ".vasp")
        acwf.write_poscar(os.path.join(a.out, pos), lat, atoms, "GBRV %s %s (volume %.6f A^3)" % (t, formula, vref))
        name = "g%03d" % n
        strains = ", ".join("%.15f" % ((v / vref) ** (1.0 / 3.0)) for v in vols)
        with open(os.path.join(a.out, name + ".yaml"), "w") as f:
            f.write("# GBRV %s %s at the %s hint\n" % (t, formula, a.hint))
            f.write("name: %s\ncandidates:\n  - structure: {poscar: %s}\n    name: %s\n" % (name, pos, formula))
            f.write("pseudopotentials: {pbe: \"%s\"}\n" % meta["pseudopotentials"])
            f.write("xc: pbe\necut: %.6g Ha\n" % row["ecut"])
            f.write("kpoints: {grid: [%d, %d, %d]}\n" % KGRID)
            f.write("smearing: {kind: fermi-dirac, width: %.8g Ha}\n" % SMEARING_HA)
            f.write("strain: [%s]\n" % strains)
            f.write("scf: {max_iterations: 200, energy_tolerance: %g Ha, density_tolerance: %g}\n" % (a.etol, a.dtol))
            f.write("compute: {forces: false, stress: false}\nverbosity: 0\n")
        meta["cases"][formula] = {"struct_type": t, "ecut_ha": row["ecut"], "volumes_ang3": vols, "sweep": name}
        meta["sweeps"].append(name)
    json.dump(meta, open(os.path.join(a.out, "gbrv.json"), "w"), indent=1)
    # acwf.py's runner reads acwf.json for the sweep list
    json.dump({"sweeps": meta["sweeps"]}, open(os.path.join(a.out, "acwf.json"), "w"))
    print("%d compounds under %s" % (len(a.formulas), a.out))


# ---------------------------------------------------------------- collect

def collect(a):
    rows, out = [], {"settings": None, "cases": {}}
    for d in a.dirs:
        meta = json.load(open(os.path.join(d, "gbrv.json")))
        dj = json.load(open(meta["djson"]))
        out["settings"] = {k: meta[k] for k in ("kgrid", "smearing_ha", "hint", "pseudopotentials")}
        for formula, info in meta["cases"].items():
            h5 = os.path.join(d, info["sweep"] + ".h5")
            if not os.path.exists(h5):
                continue
            g = [r for r in acwf.read_group(h5) if r[5] == 3]
            if len(g) != len(info["volumes_ang3"]):
                print("%s: %d of %d volumes done" % (formula, len(g), len(info["volumes_ang3"])))
                continue
            g.sort(key=lambda r: r[1])
            v = [r[1] for r in g]
            e = [r[2] for r in g]
            t = info["struct_type"]
            row = find(dj, formula)[1][meta["hint"]]
            if max(abs(x - y) for x, y in zip(v, sorted(row["volumes"]))) > 1e-6 * v[0]:
                raise SystemExit("gbrv.py: %s: furui's volumes are not the djson's" % formula)
            v0, e0, b0 = quad_fit(v, e)
            a0 = vol2a(t, v0)
            ab = sorted(zip(row["volumes"], row["etotals"]))
            v0_ab = quad_fit([x for x, _ in ab], [y for _, y in ab])[0]
            a_ae = row["a0"] - row["a0_abs_err"]
            de = np.array(e) - np.array([y for _, y in ab])
            cpu = None
            cpufile = os.path.join(d, info["sweep"] + ".cpu")
            if os.path.exists(cpufile):
                cpu = float(open(cpufile).read())
            r = {"struct_type": t, "ecut_ha": info["ecut_ha"], "a0_furui_ang": a0, "a0_abinit_djson_ang": row["a0"],
                 "a0_abinit_refit_ang": vol2a(t, v0_ab), "a0_ae_ang": a_ae,
                 "rel_diff_furui_abinit_pct": 100.0 * (a0 - row["a0"]) / row["a0"],
                 "rel_err_furui_ae_pct": 100.0 * (a0 - a_ae) / a_ae, "rel_err_abinit_ae_pct": row["a0_rel_err"],
                 "b0_furui_ev_ang3": b0, "b0_abinit_ev_ang3": row["b0"],
                 "dE_mean_ev_cell": float(np.mean(de)), "dE_spread_ev_cell": float(np.ptp(de)),
                 "volumes_ang3": v, "energies_ev": e, "cpu_seconds": cpu}
            out["cases"][formula] = r
            rows.append((t, formula, r))
    if a.merge:
        if not (a.json and os.path.exists(a.json)):
            raise SystemExit("gbrv.py: --merge needs --json naming an earlier results file")
        earlier = json.load(open(a.json))
        out["settings"] = out["settings"] or earlier.get("settings")
        for formula in merge_cases(out["cases"], out["settings"], earlier, a.json):
            rows.append((out["cases"][formula]["struct_type"], formula, out["cases"][formula]))
    if a.json:
        json.dump(out, open(a.json, "w"), indent=1, sort_keys=True)
    lines = ["| compound | type | E_cut Ha | a0 furui Å | a0 ABINIT (djson) Å | furui − ABINIT % | "
             "a0 AE Å | furui − AE % | ABINIT − AE % | E furui − E ABINIT eV/cell (mean, spread) | CPU s |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for t, formula, r in sorted(rows):
        lines.append("| %s | %s | %g | %.5f | %.5f | %+.4f | %.4f | %+.3f | %+.3f | %+.1e, %.1e | %s |" % (
            formula, t, r["ecut_ha"], r["a0_furui_ang"], r["a0_abinit_djson_ang"], r["rel_diff_furui_abinit_pct"],
            r["a0_ae_ang"], r["rel_err_furui_ae_pct"], r["rel_err_abinit_ae_pct"], r["dE_mean_ev_cell"],
            r["dE_spread_ev_cell"], "%.0f" % r["cpu_seconds"] if r["cpu_seconds"] else "-"))
    if rows:
        worst = max(abs(r["rel_diff_furui_abinit_pct"]) for _, _, r in rows)
        lines.append("")
        lines.append("%d compounds; max |a0 furui − a0 ABINIT| = %.4f %%" % (len(rows), worst))
    text = "\n".join(lines) + "\n"
    if a.table_md:
        open(a.table_md, "w").write(text)
    sys.stdout.write(text)


def merge_cases(cases, settings, earlier, path):
    """Add to cases the earlier results' compounds they lack (their run directories may be gone);
    a compound fitted now replaces its earlier fit. The file has one settings record, so both
    must have the same (hint, mesh, smearing, table). Returns the names added."""
    if earlier.get("settings") not in (None, settings):
        raise SystemExit("gbrv.py: %s: --merge: its settings %s differ from these runs' %s"
                         % (path, earlier.get("settings"), settings))
    added = [f for f in earlier.get("cases", {}) if f not in cases]
    for f in added:
        cases[f] = earlier["cases"][f]
    return added


def selftest(_a=None):
    v = np.linspace(20.0, 21.0, 9)
    e = 0.3 * (v - 20.37) ** 2 - 5.0
    v0, e0, b0 = quad_fit(v, e)
    assert abs(v0 - 20.37) < 1e-9 and abs(e0 + 5.0) < 1e-9 and abs(b0 - 0.6 * 20.37) < 1e-8
    assert species("AsNCa3") == ["As", "N", "Ca", "Ca", "Ca"] and species("LiCl") == ["Li", "Cl"]
    lat, _ = cell("rocksalt", 4.0, ["Li", "Cl"])
    assert abs(abs(np.linalg.det(lat)) - 16.0) < 1e-12 and abs(vol2a("rocksalt", 16.0) - 4.0) < 1e-12
    st = {"hint": "normal", "kgrid": list(KGRID)}
    now, before = {"MgO": {"a": 1}}, {"settings": st, "cases": {"MgO": {"a": 0}, "LiF": {"a": 2}}}
    assert merge_cases(now, st, before, "x") == ["LiF"] and now == {"MgO": {"a": 1}, "LiF": {"a": 2}}
    try:
        merge_cases({}, dict(st, hint="high"), before, "x")
        raise AssertionError("merge across settings accepted")
    except SystemExit as e:
        assert "settings" in str(e)
    print("selftest: parabola fit, formula parsing, cell volumes exact; merge keeps earlier compounds, new fits win, other settings refused")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("formulas", nargs="+")
    p.add_argument("-o", "--out", required=True)
    p.add_argument("--hint", default="normal")
    p.add_argument("--djson", default=DJSON)
    p.add_argument("--etol", type=float, default=1e-9, help="SCF energy tolerance, Ha per cell")
    p.add_argument("--dtol", type=float, default=1e-7)
    p = sub.add_parser("run")
    p.add_argument("dir")
    p.add_argument("--furui", default=os.path.join(HERE, "..", "build", "furui"))
    p.add_argument("--nice", type=int, default=10)
    p.add_argument("--force", action="store_true")
    p.add_argument("--only", nargs="+", default=None)
    p = sub.add_parser("collect")
    p.add_argument("dirs", nargs="+")
    p.add_argument("--json", default=None)
    p.add_argument("--table-md", default=None)
    p.add_argument("--merge", action="store_true",
                   help="keep the compounds of the --json file that these directories do not fit")
    sub.add_parser("selftest")
    a = ap.parse_args()
    {"prepare": prepare, "run": acwf.run, "collect": collect, "selftest": selftest}[a.cmd](a)


if __name__ == "__main__":
    main()

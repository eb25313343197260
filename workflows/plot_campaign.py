#!/usr/bin/python3
"""Screening map and equation-of-state plots of a campaign.

    workflows/plot_campaign.py RESULTS.h5 RANKDIR [-o OUTDIR] [--eos N]
        [--x formation_energy_ev_per_atom] [--y band_gap_ev]

RANKDIR is the output of `furui rank RESULTS ... -o RANKDIR`: its candidates.csv
holds every considered candidate's catalog properties and whether it was
selected. Writes into OUTDIR (default RANKDIR):

  screening_map.png   y against x for every considered candidate (grey), the
                      shortlist in red with its rank and formula; candidates
                      without an x value (e.g. no elemental reference for a
                      formation energy) in a strip at the left
  eos_RANK_FORMULA.png  for the first N shortlisted candidates with an equation
                      of state (default 4): the computed E(V) points and the
                      stored Birch-Murnaghan fit, per atom (Å³, eV), V0 marked

The curves are evaluated from the stored fit parameters (V0, E0, B0, B0'), not
refitted. Needs Debian's python3-matplotlib, python3-h5py, python3-pandas.
"""
import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import h5py  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

HA_EV = 27.211386245988          # src/core/units.h
BOHR_ANG = 0.529177210903


def s(x):
    return x.decode() if isinstance(x, bytes) else str(x)


def bm3(v, v0, e0, b0, bp):
    """Third-order Birch-Murnaghan E(V) (any consistent units)."""
    eta = (v0 / v) ** (2.0 / 3.0)
    return e0 + 9.0 * v0 * b0 / 16.0 * ((eta - 1.0) ** 3 * bp + (eta - 1.0) ** 2 * (6.0 - 4.0 * eta))


def read_eos(path):
    """{id: dict(V, E, v0, e0, b0, bp, natom)} in bohr³ and Ha, for candidates with an EOS."""
    out = {}
    with h5py.File(path, "r") as f:
        c = f["candidates"]
        if "eos_offset" not in c:
            return out
        off = c["eos_offset"][()]
        for i, cid in enumerate(s(x) for x in c["id"][()]):
            if off[i + 1] > off[i]:
                out[cid] = dict(V=c["eos_volume"][off[i]:off[i + 1]], E=c["eos_energy"][off[i]:off[i + 1]],
                                v0=float(c["eos_v0"][i]), e0=float(c["eos_e0"][i]), b0=float(c["eos_b0"][i]),
                                bp=float(c["eos_b0_prime"][i]), natom=int(c["natom"][i]))
    return out


def axis_label(name):
    """band_gap_ev -> "band gap (eV)": the unit the catalog name carries."""
    for suffix, unit in (("_ev_per_atom", "eV/atom"), ("_ev", "eV"), ("_gpa", "GPa"), ("_per_atom", "/atom")):
        if name.endswith(suffix):
            return "%s (%s)" % (name[: -len(suffix)].replace("_", " "), unit)
    return name.replace("_", " ")


def screening_map(df, x, y, path):
    fig, ax = plt.subplots(figsize=(7.5, 5.5))
    has_x = np.isfinite(df[x])
    sel = df["selected"] == 1
    xs = df[x].to_numpy(dtype=float)
    span = (np.nanmax(xs) - np.nanmin(xs)) if has_x.any() else 1.0
    strip = (np.nanmin(xs) if has_x.any() else 0.0) - 0.25 * (span or 1.0)
    xplot = np.where(has_x, xs, strip)
    ax.scatter(xplot[~sel & has_x], df[y][~sel & has_x], c="0.6", s=22, label="computed")
    ax.scatter(xplot[~sel & ~has_x], df[y][~sel & ~has_x], c="0.6", s=22, marker="x",
               label=f"no {x} (left strip)")
    ax.scatter(xplot[sel], df[y][sel], c="tab:red", s=40, label="shortlisted", zorder=3)
    # formulas as chemists write them (SrO, CsPbI3); older results files lack the column
    fcol = "formula" if "formula" in df else "chemical_formula_reduced"
    for xi, yi, r, f in zip(xplot[sel], df[y][sel], df["rank"][sel], df[fcol][sel]):
        ax.annotate(f"{r}. {f}", (xi, yi), textcoords="offset points", xytext=(4, 3), fontsize=8, color="tab:red")
    if not has_x.all():
        ax.axvline(strip + 0.12 * (span or 1.0), color="0.8", lw=0.8, ls=":")
    ax.set_xlabel(axis_label(x))
    ax.set_ylabel(axis_label(y))
    ax.set_title(f"screening map: {int(sel.sum())} of {len(df)} candidates shortlisted")
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


def eos_plot(e, label, path):
    n = e["natom"]
    v = np.asarray(e["V"]) * BOHR_ANG ** 3 / n
    en = np.asarray(e["E"]) * HA_EV / n
    v0 = e["v0"] * BOHR_ANG ** 3 / n
    vv = np.linspace(min(v.min(), v0) * 0.99, max(v.max(), v0) * 1.01, 200)
    # per atom: E/n, V/n, B0 unchanged (an intensive pressure)
    fit = bm3(vv * n / BOHR_ANG ** 3, e["v0"], e["e0"], e["b0"], e["bp"]) * HA_EV / n
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    e0 = e["e0"] * HA_EV / n
    ax.plot(vv, (fit - e0) * 1e3, "-", color="tab:blue", label="Birch-Murnaghan fit")
    ax.plot(v, (en - e0) * 1e3, "o", color="k", label="computed")
    ax.axvline(v0, color="0.6", ls="--", lw=0.8)
    ax.set_xlabel("volume (Å³/atom)")
    ax.set_ylabel("E − E0 (meV/atom)")
    ax.set_title(f"{label}: V0 {v0:.3f} Å³/atom, B0 {e['b0'] * 29421.015697:.1f} GPa, B0' {e['bp']:.2f}",
                 fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("results")
    ap.add_argument("rankdir")
    ap.add_argument("-o", "--outdir")
    ap.add_argument("--eos", type=int, default=4)
    ap.add_argument("--x", default="formation_energy_ev_per_atom")
    ap.add_argument("--y", default="band_gap_ev")
    a = ap.parse_args()
    out = a.outdir or a.rankdir
    os.makedirs(out, exist_ok=True)
    df = pd.read_csv(os.path.join(a.rankdir, "candidates.csv"), dtype={"id": str})
    for col in (a.x, a.y):
        if col not in df.columns:
            print(f"plot_campaign: {a.rankdir}/candidates.csv: no column {col} (furui rank --list)", file=sys.stderr)
            return 1
    written = []
    p = os.path.join(out, "screening_map.png")
    screening_map(df, a.x, a.y, p)
    written.append(p)
    eos = read_eos(a.results)
    for _, r in df[df["selected"] == 1].sort_values("rank").iterrows():
        if sum(1 for w in written if "eos_" in w) >= a.eos:
            break
        if r["id"] in eos:
            f = r["formula"] if "formula" in r else r["chemical_formula_reduced"]
            p = os.path.join(out, "eos_%04d_%s.png" % (r["rank"], f))
            eos_plot(eos[r["id"]], f"{r['rank']}. {f}", p)
            written.append(p)
    print("plot_campaign: wrote " + ", ".join(written))
    return 0


if __name__ == "__main__":
    sys.exit(main())

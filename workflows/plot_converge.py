#!/usr/bin/env python3
"""Plot of a `furui converge` result: |dE| per atom, max |dF|, |dP| and |dgap| against the
cutoff and against the k-mesh, each relative to the ladder's densest rung, with the targets of
the protocols (fast, balanced, stringent) as horizontal lines.

    /usr/bin/python3 workflows/plot_converge.py PREFIX.converge.json [OUT.png]
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

QUANTITIES = [("d_energy_mev_per_atom", "target_d_energy_mev_per_atom", "|ΔE| (meV/atom)"),
              ("max_d_force_mev_per_angstrom", "target_max_d_force_mev_per_angstrom", "max |ΔF| (meV/Å)"),
              ("d_pressure_gpa", "target_d_pressure_gpa", "|ΔP| (GPa)"),
              ("d_gap_mev", "target_d_gap_mev", "|Δgap| (meV)")]
STYLE = {"fast": ":", "balanced": "--", "stringent": "-."}


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    src = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else src.replace(".json", ".png")
    c = json.load(open(src))
    ladders = [k for k in ("ecut", "kpoints") if k in c]
    fig, axes = plt.subplots(len(QUANTITIES), len(ladders), figsize=(5 * len(ladders), 10), squeeze=False)
    for j, lad in enumerate(ladders):
        # the reference itself has zero differences; unconverged rungs have no numbers
        rungs = [r for r in c[lad]["rungs"][:-1] if r["scf_converged"]]
        if lad == "ecut":
            x = [r["ecut_ha"] for r in rungs]
            labels = None
            xlabel = "cutoff (Ha), k-grid %s" % "x".join(map(str, c["ecut"]["kgrid"]))
        else:
            x = list(range(len(rungs)))
            labels = ["x".join(map(str, r["kgrid"])) for r in rungs]
            xlabel = "k-grid, cutoff %g Ha" % c["kpoints"]["ecut_ha"]
        for i, (key, tkey, ylabel) in enumerate(QUANTITIES):
            ax = axes[i][j]
            y = [max(abs(r[key]), 1e-6) for r in rungs]
            ax.semilogy(x, y, "o-", color="k")
            for name, p in c[lad]["first_meeting"].items():
                ax.axhline(p[tkey], ls=STYLE.get(name, "-"), color="tab:blue", lw=1, label=name)
            ax.set_ylabel(ylabel)
            if labels:
                ax.set_xticks(x)
                ax.set_xticklabels(labels, rotation=45, fontsize=7)
            if i == len(QUANTITIES) - 1:
                ax.set_xlabel(xlabel)
            if i == 0:
                ax.legend(fontsize=7, title="targets", title_fontsize=7)
    fig.suptitle("furui converge: %s (relative to the densest rung)" % c["input"], fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print("written", out)


if __name__ == "__main__":
    main()

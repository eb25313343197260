#!/usr/bin/python3
"""Band structure and DOS plots from `furui bands` output.

    workflows/plot_bands.py PREFIX.bands.h5 [-o OUTPREFIX] [--emin EV] [--emax EV]

Writes OUTPREFIX.bands.png (bands along the path, energies in eV relative to
the VBM for insulators or the Fermi level for metals, dashed line at 0, the
special points labelled, branches "|" joined as "U|K") and OUTPREFIX.dos.png
(total DOS in states/eV/cell, per spin channel when nspin = 2). OUTPREFIX
defaults to PREFIX. Needs Debian's python3-matplotlib and python3-h5py.
"""
import argparse
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import h5py  # noqa: E402
import numpy as np  # noqa: E402

HA_EV = 27.211386245988


def read(path):
    with h5py.File(path, "r") as f:
        for d in ("path/eigenvalues", "dos/dos", "dos/energy", "gap/vbm"):
            if f[d].attrs.get("units") is None:
                raise ValueError(f"{path}: {d} has no units attribute")
        out = dict(
            dist=np.array(f["path/distance"]), brk=np.array(f["path/break_before"]),
            labels=[x.decode() if isinstance(x, bytes) else str(x) for x in f["path/labels"][()]],
            eig=np.array(f["path/eigenvalues"]), metal=int(f["gap/metal"][()]),
            vbm=float(f["gap/vbm"][()]), gap=float(f["gap/gap"][()]),
            ef=float(f["dos/fermi_level"][()]), e=np.array(f["dos/energy"]),
            dos=np.array(f["dos/dos"]), path=f["path/path"][()].decode(),
            direct=int(f["gap/direct"][()]))
    return out


def tick_labels(d):
    """Positions and texts of the special points; a break joins two labels."""
    pos, txt = [], []
    for i, lab in enumerate(d["labels"]):
        if not lab:
            continue
        if d["brk"][i] and pos and abs(pos[-1] - d["dist"][i]) < 1e-12:
            txt[-1] = txt[-1] + "|" + lab
            continue
        pos.append(d["dist"][i])
        txt.append(lab)
    return pos, txt


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("h5")
    ap.add_argument("-o", dest="out")
    ap.add_argument("--emin", type=float, default=None, help="eV relative to the reference")
    ap.add_argument("--emax", type=float, default=None)
    a = ap.parse_args()
    out = a.out or (a.h5[:-len(".bands.h5")] if a.h5.endswith(".bands.h5") else a.h5)
    d = read(a.h5)
    ref = d["ef"] if d["metal"] else d["vbm"]
    eig = (d["eig"] - ref) * HA_EV          # [spin][k][band]
    emin = a.emin if a.emin is not None else max(eig.min() - 0.5, -15.0)
    emax = a.emax if a.emax is not None else min(eig.max() + 0.5, 10.0)

    fig, ax = plt.subplots(figsize=(7, 5))
    # split into branches so that a "|" is not drawn as a line
    starts = [0] + [i for i in range(len(d["dist"])) if d["brk"][i]] + [len(d["dist"])]
    colours = ["C0", "C3"]
    for s in range(eig.shape[0]):
        for b0, b1 in zip(starts[:-1], starts[1:]):
            ax.plot(d["dist"][b0:b1], eig[s, b0:b1, :], color=colours[s], lw=1.2,
                    label=(("spin up", "spin down")[s] if eig.shape[0] == 2 and b0 == 0 else None))
    pos, txt = tick_labels(d)
    for p in pos:
        ax.axvline(p, color="0.7", lw=0.6)
    ax.axhline(0, color="k", ls="--", lw=0.8)
    ax.set_xticks(pos)
    ax.set_xticklabels(txt)
    ax.set_xlim(d["dist"][0], d["dist"][-1])
    ax.set_ylim(emin, emax)
    ax.set_ylabel("E - %s (eV)" % ("E_F" if d["metal"] else "VBM"))
    title = d["path"] + ("  metal" if d["metal"] else "  gap %.3f eV (%s)" % (
        d["gap"] * HA_EV, "direct" if d["direct"] else "indirect"))
    ax.set_title(title, fontsize=9)
    if eig.shape[0] == 2:
        ax.legend()
    fig.tight_layout()
    fig.savefig(out + ".bands.png", dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 4))
    e = (d["e"] - ref) * HA_EV
    dos = d["dos"] / HA_EV                   # states/Ha/cell -> states/eV/cell
    if dos.shape[0] == 1:
        ax.plot(e, dos[0], color="C0")
    else:
        ax.plot(e, dos[0], color="C0", label="spin up")
        ax.plot(e, -dos[1], color="C3", label="spin down (negated)")
        ax.legend()
    ax.axvline(0, color="k", ls="--", lw=0.8)
    ax.set_xlim(emin, emax)
    ax.set_xlabel("E - %s (eV)" % ("E_F" if d["metal"] else "VBM"))
    ax.set_ylabel("DOS (states/eV/cell)")
    fig.tight_layout()
    fig.savefig(out + ".dos.png", dpi=120)
    plt.close(fig)
    print("wrote %s.bands.png and %s.dos.png" % (out, out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

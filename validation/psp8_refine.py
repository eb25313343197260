#!/usr/bin/python3
"""Resample a psp8 file onto a finer linear radial grid, to test the quadrature attribution.

    /usr/bin/python3 validation/psp8_refine.py IN.psp8 OUT.psp8 [FACTOR]

furui integrates a psp8 file's samples by the trapezoidal rule; ABINIT integrates a cubic
interpolant of them on a refined grid. The two disagree on the same file only through that
discretisation. Every column (projectors, local potential, model core and its derivative
columns, valence density) is interpolated here by a cubic spline onto a grid FACTOR times finer
(default 8), with the same radial extent: both codes then integrate (nearly) the same smooth
functions, and what remains between them is everything except the radial quadrature. Used by
`compare_with_abinit.py validation/systems/refined/*.json` (validation/README.md, "ONCV
pseudopotentials"). Lines after the tabulated blocks (the generator's input) are copied.
"""
import sys

import numpy as np
from scipy.interpolate import CubicSpline


def fmt(x):
    return ("%.13E" % x).replace("E", "D")


def main():
    src, dst = sys.argv[1], sys.argv[2]
    factor = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    lines = open(src).read().split("\n")
    head = lines[:6]
    w = head[2].split()
    lmax, lloc, mmax = int(w[2]), int(w[3]), int(w[4])
    fchrg = float(head[3].split()[1])
    nproj = [int(x) for x in head[4].split()[:lmax + 1]]
    ext = int(head[5].split()[0])
    if ext not in (0, 1):
        sys.exit("%s: extension_switch %d (fully relativistic) not handled" % (src, ext))
    mnew = (mmax - 1) * factor + 1
    out = list(head)
    out[2] = "  ".join(w[:4] + [str(mnew)] + w[5:])
    i = 6

    def block(ncols):
        nonlocal i
        a = np.array([[float(x.replace("D", "E")) for x in lines[i + k].split()]
                      for k in range(mmax)])
        i += mmax
        r = a[:, 1]
        rn = np.linspace(r[0], r[-1], mnew)
        cols = [CubicSpline(r, a[:, 2 + c])(rn) for c in range(ncols)]
        return ["%d  %s %s" % (k + 1, fmt(rn[k]), " ".join(fmt(c[k]) for c in cols))
                for k in range(mnew)]

    for l in range(lmax + 1):
        if nproj[l] == 0:
            continue
        out.append(lines[i])          # "l ekb1 ekb2 ..."
        i += 1
        out += block(nproj[l])
    if lloc <= lmax:
        sys.exit("%s: lloc <= lmax not handled" % src)
    out.append(lines[i])              # lloc line
    i += 1
    out += block(1)
    if fchrg > 0:
        out += block(5)               # model core and its four derivatives
    if ext == 1:
        out += block(1)               # valence density
    out += lines[i:]
    with open(dst, "w") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Radial quadrature of psp8 form factors: furui's trapezoid against ABINIT's construction.

    /usr/bin/python3 validation/psp8_quadrature.py [FILE.psp8]

furui (src/dft/psp_radial.c) integrates the file's samples by the trapezoidal rule;
ABINIT 9.6.2 (m_psptk.F90 psp8lo/psp8nl) integrates a cubic interpolant of them (a cubic
spline of r V + Z for the local part, 4-point Lagrange for projectors) on a grid refined
several times, with a corrected trapezoid (ctrap). Printed: both transforms of the file's
local potential and projectors at a few q, and both against the exact transform of an
analytic projector sampled on the same grid. Reading aid for validation/README.md
("ONCV pseudopotentials"); numpy and scipy from Debian.
"""
import sys

import numpy as np
from scipy.integrate import quad
from scipy.interpolate import CubicSpline
from scipy.special import erf, spherical_jn

PATH = sys.argv[1] if len(sys.argv) > 1 else \
    "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8/Zn-sp.psp8"
L = open(PATH).read().split("\n")
zion = float(L[1].split()[1])
lmax, mmax = int(L[2].split()[2]), int(L[2].split()[4])
nproj = [int(x) for x in L[4].split()[:lmax + 1]]


def rows(i, n):
    return np.array([[float(x.replace("D", "E")) for x in L[i + k].split()] for k in range(n)])


i, projs = 6, []
for l in range(lmax + 1):
    if nproj[l]:
        a = rows(i + 1, mmax)
        projs += [(l, a[:, 2 + k]) for k in range(nproj[l])]
        i += 1 + mmax
a = rows(i + 1, mmax)
r, vloc = a[:, 1], a[:, 2]
h = r[1] - r[0]
w = np.full(len(r), h)
w[0] = w[-1] = h / 2


def ctrap(f, hh):  # ABINIT's corrected trapezoid
    return f[5:-5].sum() * hh + hh * (23.75 * (f[0] + f[-1]) + 95.10 * (f[1] + f[-2]) + 55.20 * (
        f[2] + f[-3]) + 79.30 * (f[3] + f[-4]) + 70.65 * (f[4] + f[-5])) / 72.


def furui_v(q):
    vsr = vloc + zion * np.where(r > 0, erf(r) / np.where(r > 0, r, 1), 2 / np.sqrt(np.pi))
    return 4 * np.pi * np.sum(w * r * r * vsr * np.sinc(q * r / np.pi)) - \
        4 * np.pi * zion * np.exp(-q * q / 4) / q ** 2


def abinit_v(q, mult=20):
    cs = CubicSpline(r, r * vloc + zion)
    rn = np.linspace(0, r[-1], (len(r) - 1) * mult + 1)
    return 4 * np.pi / q * ctrap(np.sin(q * rn) * cs(rn), rn[1] - rn[0]) - 4 * np.pi * zion / q ** 2


def furui_p(l, u, q):
    return 4 * np.pi * np.sum(w * r * u * spherical_jn(l, q * r))


def abinit_p(l, u, q, mult=6):
    rn = np.linspace(0, r[-1], (len(r) - 1) * mult + 1)
    ir = np.clip((rn / h).astype(int), 1, len(r) - 3)
    x = (rn - r[ir]) / h
    un = (-x * (x - 1) * (x - 2) / 6 * u[ir - 1] + (x + 1) * (x - 1) * (x - 2) / 2 * u[ir]
          - x * (x + 1) * (x - 2) / 2 * u[ir + 1] + x * (x + 1) * (x - 1) / 6 * u[ir + 2])
    return 4 * np.pi * ctrap(spherical_jn(l, q * rn) * un * rn, rn[1] - rn[0])


print(PATH)
for q in (1, 4, 8, 12):
    print("V_loc    q=%4.1f  furui %.12e  ABINIT-like %.12e  rel. diff %.1e" %
          (q, furui_v(q), abinit_v(q), abs(furui_v(q) / abinit_v(q) - 1)))
for l, u in projs:
    for q in (1, 4, 7):
        f, g = furui_p(l, u, q), abinit_p(l, u, q)
        print("proj l=%d q=%4.1f  furui %.12e  ABINIT-like %.12e  diff %.1e" % (l, q, f, g, f - g))
a0 = 0.6
u = r ** 2 * np.exp(-(r / a0) ** 2)
for q in (1, 4, 7, 10):
    exact = 4 * np.pi * quad(lambda x: x ** 3 * np.exp(-(x / a0) ** 2) * spherical_jn(1, q * x), 0, 10,
                             epsabs=1e-14, epsrel=1e-13, limit=400)[0]
    print("analytic l=1 q=%2d  furui - exact %.1e   ABINIT-like - exact %.1e" %
          (q, furui_p(1, u, q) - exact, abinit_p(1, u, q) - exact))

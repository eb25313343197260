"""Quantum ESPRESSO (pw.x) inputs for the cases of abinit_case.py, for the speed benchmark.

pw.x reads analytic GTH/HGH pseudopotentials only in ABINIT's pspcod-10 layout (full h
matrices). The reference cases use HGH-1998 tables (pspcod 3, diagonal h only), so
`hgh_to_psp10` writes the same potential as pspcod 10, with the off-diagonal h from the
diagonal by the HGH relations (furui's src/dft/psp.c, ABINIT's psp3nl); the spin-orbit k
terms are dropped (neither code uses them in a scalar-relativistic run).

Functional: Debian's pw.x 6.7 is built without libxc, so LDA is Perdew-Zunger, not Teter93
(ABINIT ixc 1, furui "lda"); energies then differ by ~1e-4 Ha/atom from ABINIT's, which says
nothing about either code's accuracy. PBE is the same functional in all three.
pw.x must be started through mpirun even on one rank (as a singleton it aborts here).
"""
import math
import re

RY_HA = 0.5


def _floats(line, n):
    out = []
    for tok in line.split():
        try:
            out.append(float(tok))
        except ValueError:
            break
    return out[:n]


def hgh_to_psp10(text):
    """pspcod-3 HGH file text -> pspcod-10 text (same potential)."""
    lines = text.splitlines()
    z = lines[1].split()
    zatom, zion = int(float(z[0])), int(float(z[1]))
    head = lines[2].split()
    pspxc, lmax = int(head[1]), int(head[2])
    loc = _floats(lines[3], 5)
    rloc, cs = loc[0], loc[1:5]
    chans, i = [], 4
    for l in range(lmax + 1):
        v = _floats(lines[i], 4)
        i += 1
        if l > 0:
            i += 1  # the k (spin-orbit) line
        r, hd = v[0], v[1:4]
        n = 0
        for k in range(3):
            if abs(hd[k]) > 1e-10:
                n = k + 1
        h = [[0.0] * 3 for _ in range(3)]
        for k in range(3):
            h[k][k] = hd[k]
        if n >= 2:
            h[0][1] = -0.5 * math.sqrt((2.0 * l + 3) / (2.0 * l + 5)) * h[1][1]
        if n >= 3:
            if l == 0:
                h[0][2], h[1][2] = 0.5 * math.sqrt(5 / 21) * h[2][2], -0.5 * math.sqrt(100 / 63) * h[2][2]
            elif l == 1:
                h[0][2], h[1][2] = math.sqrt(35 / 11) / 6 * h[2][2], -14 / (6 * math.sqrt(11)) * h[2][2]
            else:
                h[0][2], h[1][2] = 0.5 * math.sqrt(63 / 143) * h[2][2], -0.5 * 18 / math.sqrt(143) * h[2][2]
        if r > 0 and n > 0:
            chans.append((r, n, h))
    nloc = 0
    for k in range(4):
        if abs(cs[k]) > 0:
            nloc = k + 1
    out = ["converted from pspcod 3 by furui validation/qe_case.py",
           "%d %d 000000 zatom,zion,pspdat" % (zatom, zion),
           "10 %d %d 0 2001 0 pspcod,pspxc,lmax,lloc,mmax,r2well" % (pspxc, max(len(chans) - 1, 0)),
           "%.10f %d %s rloc nloc c1..." % (rloc, nloc, " ".join("%.10f" % c for c in cs[:nloc])),
           "%d nnonloc" % len(chans)]
    for l, (r, n, h) in enumerate(chans):
        out.append("%.10f %d %s" % (r, n, " ".join("%.10f" % h[0][j] for j in range(n))))
        for k in range(1, n):
            out.append(" ".join("%.10f" % h[k][j] for j in range(k, n)))
        if l > 0:  # pspcod 10 has k (spin-orbit) rows for l > 0: zero here
            for k in range(n):
                out.append(" ".join("0.0" for _ in range(k, n)))
    return "\n".join(out) + "\n"


def qe_input(case, ngfft, psp_names, outdir="qe_tmp"):
    """pw.x input for an abinit_case case on ABINIT's FFT grid (ngfft), fixed occupations or
    the case's smearing mapped to QE's, forces and stress on."""
    symbols = case.get("symbols") or [re.sub(r"^\d+", "", s.split(".")[0]).capitalize()
                                      for s in case["species"]]
    occ = case.get("occopt", 1)
    smear = {3: "fd", 4: "mv", 5: "mv", 6: "mp", 7: "gaussian"}.get(occ)
    xc = "PBE" if case.get("ixc", 1) in (11, -101130) else "PZ"
    sysl = ["ibrav=0", "nat=%d" % len(case["xred"]), "ntyp=%d" % len(case["species"]),
            "ecutwfc=%.10g" % (2 * case["ecut"]), "input_dft='%s'" % xc,
            "nr1=%d, nr2=%d, nr3=%d" % tuple(ngfft[:3]), "nbnd=%d" % case["nband"]]
    if smear:
        sysl += ["occupations='smearing'", "smearing='%s'" % smear, "degauss=%.10g" % (2 * case["tsmear"])]
    s = ["&control", " calculation='scf', pseudo_dir='.', outdir='%s', tprnfor=.true., tstress=.true." % outdir,
         "/", "&system", " " + ", ".join(sysl), "/", "&electrons", " conv_thr=1e-11", "/", "ATOMIC_SPECIES"]
    for sym, name in zip(symbols, psp_names):
        s.append("%s 1.0 %s" % (sym, name))
    s.append("CELL_PARAMETERS bohr")
    for row in case["lattice"]:
        s.append("%.12f %.12f %.12f" % tuple(row))
    s.append("ATOMIC_POSITIONS crystal")
    for t, x in zip(case["typat"], case["xred"]):
        s.append("%s %.12f %.12f %.12f" % (symbols[t - 1], x[0], x[1], x[2]))
    s.append("K_POINTS automatic")
    sh = case.get("shift", [0, 0, 0])
    s.append("%d %d %d %d %d %d" % (tuple(case["kgrid"]) + tuple(1 if v else 0 for v in sh)))
    return "\n".join(s) + "\n"


def qe_energy_iters(out_text):
    """(total energy in Ha, SCF iterations) from pw.x output."""
    e = re.findall(r"^!\s+total energy\s+=\s+(-?\d+\.\d+) Ry", out_text, re.M)
    it = re.findall(r"convergence has been achieved in\s+(\d+) iterations", out_text)
    if not e or not it:
        raise RuntimeError("pw.x output has no converged total energy")
    return float(e[-1]) * RY_HA, int(it[-1])

#!/usr/bin/python3
"""Irreducible k-point sets from ABINIT 9.6.2 for the cases hardcoded in
tests/unit/test_kpoints.c (the "extended" cases beyond shared/reference/abinit).

For each case this writes a minimal ABINIT input (ecut 2, nstep 1, kptopt 1 =
full space group + time reversal), runs /usr/bin/abinit in a temporary
directory, reads nkpt, kpt and wtk from the echo of the preprocessed variables
in run.abo and prints them, with the weights also as multiplicities
(weight * number of mesh points), which is what the C test compares.

    /usr/bin/python3 validation/kpoints_vs_abinit.py [--c] [case ...]

(--c also prints each case as the C initializer used in test_kpoints.c.)

ABINIT stops on a mesh that breaks a symmetry (chksymbreak 1, the default);
the cases whose mesh only part of the group keeps set chksymbreak 0, and then
ABINIT (m_symkpt.F90) merges any two mesh points that some operation relates,
which gives fewer points than reducing with the mesh-keeping ops alone
(si_diamond_442_s001: 5 vs 6, gaas_zb_234_s100: 11 vs 12, na_bcc_443_s001:
14 vs 17). Runs in about 10 s.
"""
import math
import os
import re
import subprocess
import sys
import tempfile

S3 = math.sqrt(3.0)

# Lattice rows in bohr, xred, typat (1-based), psp files, grid, shift, extra input.
CASES = {
    # hcp Mg, a = 6.0, c = 9.75 bohr, atoms at (1/3,2/3,1/4), (2/3,1/3,3/4).
    "mg_hcp_443": dict(
        lattice=[[6.0, 0.0, 0.0], [-3.0, 3.0 * S3, 0.0], [0.0, 0.0, 9.75]],
        xred=[[1 / 3, 2 / 3, 0.25], [2 / 3, 1 / 3, 0.75]], typat=[1, 1],
        species=["12mg.2.hgh"], kgrid=[4, 4, 3], shift=[0, 0, 0], extra="occopt 3\ntsmear 0.01\n"),
    "mg_hcp_443_s001": dict(
        lattice=[[6.0, 0.0, 0.0], [-3.0, 3.0 * S3, 0.0], [0.0, 0.0, 9.75]],
        xred=[[1 / 3, 2 / 3, 0.25], [2 / 3, 1 / 3, 0.75]], typat=[1, 1],
        species=["12mg.2.hgh"], kgrid=[4, 4, 3], shift=[0, 0, 0.5],
        extra="occopt 3\ntsmear 0.01\n"),
    # Si diamond (reference lattice), 4x4x4 shifted by 1/2: the shift breaks Oh.
    "si_diamond_444_s555": dict(
        lattice=[[0, 5.1315, 5.1315], [5.1315, 0, 5.1315], [5.1315, 5.1315, 0]],
        xred=[[0, 0, 0], [0.25, 0.25, 0.25]], typat=[1, 1], species=["14si.4.hgh"],
        kgrid=[4, 4, 4], shift=[0.5, 0.5, 0.5], extra="chksymbreak 0\n"),
    # Meshes that only part of the group keeps: ABINIT (chksymbreak 0) still
    # merges the points whose images are mesh points, so it finds fewer points
    # than a reduction with the mesh-keeping subgroup (5 vs 6, 11 vs 12,
    # 14 vs 17 for these three).
    "si_diamond_442_s001": dict(
        lattice=[[0, 5.1315, 5.1315], [5.1315, 0, 5.1315], [5.1315, 5.1315, 0]],
        xred=[[0, 0, 0], [0.25, 0.25, 0.25]], typat=[1, 1], species=["14si.4.hgh"],
        kgrid=[4, 4, 2], shift=[0, 0, 0.5], extra="chksymbreak 0\n"),
    "gaas_zb_234_s100": dict(
        lattice=[[0, 5.3415, 5.3415], [5.3415, 0, 5.3415], [5.3415, 5.3415, 0]],
        xred=[[0, 0, 0], [0.25, 0.25, 0.25]], typat=[1, 2],
        species=["31ga.3.hgh", "33as.5.hgh"], kgrid=[2, 3, 4], shift=[0.5, 0, 0],
        extra="chksymbreak 0\n"),
    "na_bcc_443_s001": dict(
        lattice=[[-4.0, 4.0, 4.0], [4.0, -4.0, 4.0], [4.0, 4.0, -4.0]],
        xred=[[0, 0, 0]], typat=[1], species=["11na.1.hgh"], kgrid=[4, 4, 3],
        shift=[0, 0, 0.5], extra="occopt 3\ntsmear 0.01\nchksymbreak 0\n"),
    # GaAs zinc blende (reference lattice), 3x3x3 Gamma-centred.
    "gaas_zb_333": dict(
        lattice=[[0, 5.3415, 5.3415], [5.3415, 0, 5.3415], [5.3415, 5.3415, 0]],
        xred=[[0, 0, 0], [0.25, 0.25, 0.25]], typat=[1, 2],
        species=["31ga.3.hgh", "33as.5.hgh"], kgrid=[3, 3, 3], shift=[0, 0, 0], extra=""),
    # Monoclinic P2 (unique axis b): Si and C both on the 2-fold axis, no inversion.
    "sic_monoclinic_322": dict(
        lattice=[[5.5, 0, 0], [0, 11.0, 0], [1.3, 0, 7.2]],
        xred=[[0, 0, 0], [0, 0.3, 0]], typat=[1, 2],
        species=["14si.4.hgh", "6c.4.hgh"], kgrid=[3, 2, 2], shift=[0, 0, 0], extra=""),
    # The same with a mesh on which the 2-fold axis acts beyond k -> -k.
    "sic_monoclinic_443": dict(
        lattice=[[5.5, 0, 0], [0, 11.0, 0], [1.3, 0, 7.2]],
        xred=[[0, 0, 0], [0, 0.3, 0]], typat=[1, 2],
        species=["14si.4.hgh", "6c.4.hgh"], kgrid=[4, 4, 3], shift=[0, 0, 0], extra=""),
    # Triclinic P1: general lattice, two different species.
    "sic_triclinic_322": dict(
        lattice=[[5.0, 0, 0], [0.8, 5.6, 0], [0.6, 1.1, 6.3]],
        xred=[[0, 0, 0], [0.31, 0.22, 0.45]], typat=[1, 2],
        species=["14si.4.hgh", "6c.4.hgh"], kgrid=[3, 2, 2], shift=[0, 0, 0], extra=""),
    # bcc Na, conventional a = 8.0 bohr, primitive rows a/2 (-1,1,1), ...
    "na_bcc_555": dict(
        lattice=[[-4.0, 4.0, 4.0], [4.0, -4.0, 4.0], [4.0, 4.0, -4.0]],
        xred=[[0, 0, 0]], typat=[1], species=["11na.1.hgh"], kgrid=[5, 5, 5],
        shift=[0, 0, 0], extra="occopt 3\ntsmear 0.01\n"),
}


def abinit_input(c):
    znucl = [int(re.match(r"^(\d+)", s).group(1)) for s in c["species"]]
    lines = ["acell 3*1.0",
             "rprim " + "\n      ".join(" ".join("%.15f" % x for x in v) for v in c["lattice"]),
             f"ntypat {len(c['species'])}", "znucl " + " ".join(map(str, znucl)),
             f"natom {len(c['xred'])}", "typat " + " ".join(map(str, c["typat"])),
             "xred " + "\n     ".join(" ".join("%.15f" % x for x in v) for v in c["xred"]),
             "ecut 2", "nstep 1", "toldfe 1e-6", "kptopt 1",
             "ngkpt %d %d %d" % tuple(c["kgrid"]), "nshiftk 1",
             "shiftk %s %s %s" % tuple(c["shift"]),
             "prtwf 0", "prtden 0", "prteig 0", "chkprim 0",
             'pp_dirpath "/usr/share/abinit/psp"', 'pseudos "%s"' % ", ".join(c["species"])]
    return "\n".join(lines) + "\n" + c["extra"]


def echo_values(text, key, count):
    """`count` numbers following `key` in the first echo of the input variables."""
    start = text.find("-outvars: echo values of preprocessed input variables")
    if start < 0:
        raise RuntimeError("no echo of preprocessed variables in run.abo")
    m = re.search(r"^\s+%s\s" % re.escape(key), text[start:], re.M)
    if not m:
        raise RuntimeError(f"{key} not found in run.abo")
    toks = text[start + m.end():].split()
    vals = []
    for t in toks:
        try:
            vals.append(float(t.replace("D", "E")))
        except ValueError:
            break
        if len(vals) == count:
            break
    if len(vals) != count:
        raise RuntimeError(f"{key}: expected {count} numbers, read {len(vals)}")
    return vals


def run(name, c):
    with tempfile.TemporaryDirectory(prefix="kpt_abinit_") as d:
        with open(os.path.join(d, "run.abi"), "w") as f:
            f.write(abinit_input(c))
        with open(os.path.join(d, "log"), "w") as log:
            p = subprocess.run(["/usr/bin/abinit", "run.abi"], cwd=d, stdout=log,
                               stderr=subprocess.STDOUT)
        with open(os.path.join(d, "run.abo")) as f:
            text = f.read()
        if p.returncode != 0 and "nkpt" not in text:
            raise RuntimeError(f"{name}: abinit failed with status {p.returncode}")
    nkpt = int(echo_values(text, "nkpt", 1)[0])
    kpt = echo_values(text, "kpt", 3 * nkpt)
    wtk = echo_values(text, "wtk", nkpt)
    nsym = int(echo_values(text, "nsym", 1)[0])
    spgroup = int(echo_values(text, "spgroup", 1)[0])
    nfull = c["kgrid"][0] * c["kgrid"][1] * c["kgrid"][2]
    mult = [round(w * nfull) for w in wtk]
    # wtk is printed with 5 decimals
    bad = [w for w, m in zip(wtk, mult) if abs(w - m / nfull) > 6e-6]
    if bad or sum(mult) != nfull:
        raise RuntimeError(f"{name}: weights {wtk} are not multiples of 1/{nfull}")
    print(f"== {name}: grid {c['kgrid']} shift {c['shift']}  nkpt {nkpt}  (mesh {nfull})"
          f"  nsym {nsym} spgroup {spgroup}")
    print("   mult  " + " ".join(map(str, mult)))
    print("   sorted mult {" + ", ".join(map(str, sorted(mult))) + "}")
    for i in range(nkpt):
        print("   k %2d  % .8f % .8f % .8f   w %.5f" % (i + 1, *kpt[3 * i:3 * i + 3], wtk[i]))
    if C_OUTPUT:
        print(c_initializer(name, c, nkpt, mult, kpt))
    return nkpt, mult


def c_initializer(name, c, nkpt, mult, kpt):
    """The case as an abinit_case initializer of tests/unit/test_kpoints.c."""
    f = lambda v: "{" + ", ".join(repr(float(x)) for x in v) + "}"
    znucl = [int(re.match(r"^(\d+)", s).group(1)) for s in c["species"]]
    out = ['    {"%s",' % name,
           "     {" + ", ".join(f(v) for v in c["lattice"]) + "},",
           "     %d, {%s}, {%s}, %d, {%s}," % (len(c["xred"]), ", ".join(f(v) for v in c["xred"]),
                                            ", ".join(str(t - 1) for t in c["typat"]),
                                            len(znucl), ", ".join(map(str, znucl))),
           "     {%d, %d, %d}, %s, %d," % (*c["kgrid"], f(c["shift"]), nkpt),
           "     {%s}," % ", ".join(map(str, mult)),
           "     {" + ", ".join("{%.8f, %.8f, %.8f}" % tuple(kpt[3 * i:3 * i + 3])
                               for i in range(nkpt)) + "}},"]
    return "\n".join(out)


C_OUTPUT = False


def main(argv):
    global C_OUTPUT
    if "--c" in argv:  # also print the initializers pasted into test_kpoints.c
        C_OUTPUT = True
        argv = [a for a in argv if a != "--c"]
    names = argv[1:] or list(CASES)
    for n in names:
        if n not in CASES:
            sys.exit(f"unknown case {n}; known: {', '.join(CASES)}")
        run(n, CASES[n])


if __name__ == "__main__":
    main(sys.argv)

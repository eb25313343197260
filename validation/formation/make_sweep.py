#!/usr/bin/python3
"""Writes the validation campaign's sweep (binaries.yaml): every compound in a prototype furui
has, at its experimental room-temperature lattice constant (conventional a, Å; rounded handbook
values, CRC Handbook / Wyckoff, *Crystal Structures*; ratios and internal parameters are the
prototype's, src/crystal/prototypes.h). `hull_only` compounds are the hull study's polymorphs and ternaries (not
compared with experiment). Run once; the YAML is committed."""
import os

# (formula, prototype, sites, a in Å, role)   role: "exp" = compared with experiment,
# "hull" = only for the hull study (validation/formation/README.md)
COMPOUNDS = [
    ("MgO", "rocksalt", ("Mg", "O"), 4.212, "exp"), ("CaO", "rocksalt", ("Ca", "O"), 4.811, "exp"),
    ("SrO", "rocksalt", ("Sr", "O"), 5.160, "exp"), ("BaO", "rocksalt", ("Ba", "O"), 5.523, "exp"),
    ("Li2O", "antifluorite", ("Li", "O"), 4.611, "exp"), ("Na2O", "antifluorite", ("Na", "O"), 5.55, "exp"),
    ("ZnO", "wurtzite", ("Zn", "O"), 3.250, "exp"), 
    ("TiO2", "rutile", ("Ti", "O"), 4.594, "exp"),
    ("AlN", "wurtzite", ("Al", "N"), 3.112, "exp"), ("TiN", "rocksalt", ("Ti", "N"), 4.24, "exp"),
    ("ZrN", "rocksalt", ("Zr", "N"), 4.58, "exp"),
    ("LiF", "rocksalt", ("Li", "F"), 4.027, "exp"), ("NaF", "rocksalt", ("Na", "F"), 4.634, "exp"),
    ("KF", "rocksalt", ("K", "F"), 5.347, "exp"), 
    ("CaF2", "fluorite", ("Ca", "F"), 5.463, "exp"), ("SrF2", "fluorite", ("Sr", "F"), 5.800, "exp"),
    ("BaF2", "fluorite", ("Ba", "F"), 6.200, "exp"),
    ("LiCl", "rocksalt", ("Li", "Cl"), 5.130, "exp"), ("NaCl", "rocksalt", ("Na", "Cl"), 5.640, "exp"),
    ("KCl", "rocksalt", ("K", "Cl"), 6.293, "exp"), ("CsCl", "cscl", ("Cs", "Cl"), 4.123, "exp"),
    ("LiBr", "rocksalt", ("Li", "Br"), 5.501, "exp"), 
    ("KBr", "rocksalt", ("K", "Br"), 6.600, "exp"), ("CsBr", "cscl", ("Cs", "Br"), 4.286, "exp"),
    ("LiI", "rocksalt", ("Li", "I"), 6.000, "exp"), ("NaI", "rocksalt", ("Na", "I"), 6.473, "exp"),
    ("KI", "rocksalt", ("K", "I"), 7.066, "exp"), ("CsI", "cscl", ("Cs", "I"), 4.567, "exp"),
    ("ZnSe", "zincblende", ("Zn", "Se"), 5.668, "exp"), ("Li2Se", "antifluorite", ("Li", "Se"), 6.017, "exp"),
    ("PbSe", "rocksalt", ("Pb", "Se"), 6.124, "exp"),
    ("ZnTe", "zincblende", ("Zn", "Te"), 6.104, "exp"), 
    ("Li2Te", "antifluorite", ("Li", "Te"), 6.517, "exp"),
    ("LiH", "rocksalt", ("Li", "H"), 4.083, "exp"), ("NaH", "rocksalt", ("Na", "H"), 4.880, "exp"),
    ("KH", "rocksalt", ("K", "H"), 5.700, "exp"),
    ("AlAs", "zincblende", ("Al", "As"), 5.661, "exp"), ("AlSb", "zincblende", ("Al", "Sb"), 6.136, "exp"),
    ("Mg2Si", "antifluorite", ("Mg", "Si"), 6.351, "exp"), ("Mg2Pb", "antifluorite", ("Mg", "Pb"), 6.836, "exp"),
    ("SiC", "zincblende", ("Si", "C"), 4.360, "exp"), ("TiC", "rocksalt", ("Ti", "C"), 4.328, "exp"),
    # added when the first part ran faster than feared (phase C of the run)
    ("CsF", "rocksalt", ("Cs", "F"), 6.014, "exp"), ("NaBr", "rocksalt", ("Na", "Br"), 5.977, "exp"),
    ("K2O", "antifluorite", ("K", "O"), 6.436, "exp"), ("MgF2", "rutile", ("Mg", "F"), 4.621, "exp"),
    ("Al2O3", "corundum", ("Al", "O"), 4.759, "exp"), ("ScN", "rocksalt", ("Sc", "N"), 4.50, "exp"),
    ("HfN", "rocksalt", ("Hf", "N"), 4.52, "exp"), ("SnTe", "rocksalt", ("Sn", "Te"), 6.32, "exp"),
    ("CaSe", "rocksalt", ("Ca", "Se"), 5.916, "exp"),
    # Si and Sb anion terms (2026-12-07, second part; see STRUCTURES below)
    ("Mg3Sb2", "cif", None, None, "exp"), ("V3Si", "cif", None, None, "exp"),
    ("CaSi", "cif", None, None, "exp"), ("NbSi2", "cif", None, None, "exp"),
    ("TaSi2", "cif", None, None, "exp"),
    # C and Pb anion terms (2026-12-07, third part; PART3 below says how they were chosen)
    ("ZrC", "rocksalt", ("Zr", "C"), 4.698, "exp"), ("HfC", "rocksalt", ("Hf", "C"), 4.638, "exp"),
    ("NbC", "rocksalt", ("Nb", "C"), 4.470, "exp"), ("TaC", "rocksalt", ("Ta", "C"), 4.456, "exp"),
    ("Be2C", "antifluorite", ("Be", "C"), 4.342, "exp"),
    ("WC", "cif", None, None, "exp"), ("Ta2C", "cif", None, None, "exp"),
    ("CaC2", "cif", None, None, "exp"), ("Al4C3", "cif", None, None, "exp"),
    ("PtPb", "cif", None, None, "exp"),
    # As (third part, second step: after Ga and In got reference states, aa51020)
    ("GaAs", "zincblende", ("Ga", "As"), 5.653, "exp"), ("InAs", "zincblende", ("In", "As"), 6.058, "exp"),
    # hull study: polymorphs known to be above the hull, and the Sr-Ti-O ternaries
    ("AlN", "zincblende", ("Al", "N"), 4.38, "hull"), ("AlN", "rocksalt", ("Al", "N"), 4.045, "hull"),
    ("ZnO", "zincblende", ("Zn", "O"), 4.58, "hull"), ("ZnO", "rocksalt", ("Zn", "O"), 4.28, "hull"),
    ("SrO", "cscl", ("Sr", "O"), 3.14, "hull"),
    ("SrTiO3", "perovskite", ("Sr", "Ti", "O"), 3.905, "hull"),
]

# Compounds in structure types no prototype of furui has: written as CIF files (structures/,
# primitive cell, P1, by pymatgen from the space group and the Wyckoff positions below) and
# read by furui's CIF reader. (space group, lattice a, b or c in Å, sites) at room temperature
# (Pearson's Handbook / Villars-Calvert values, rounded); all elements of these compounds have a
# PseudoDojo `low` hint at most 39 Ha, so the campaign cutoff stays Se's 39 Ha.
#   V3Si   A15 (Cr3Si), Pm-3n, no free parameter
#   CaSi   CrB type, Cmcm, Ca and Si on 4c (0, y, 1/4)
#   NbSi2, TaSi2  C40 (CrSi2), P6_222, M on 3d, Si on 6j (x, 2x, 1/2), x = 1/6 (ideal; measured
#          0.165-0.167)
#   Mg3Sb2 anti-La2O3, P-3m1, Mg 1a, Mg 2d z 0.631, Sb 2d z 0.226
STRUCTURES = {
    "V3Si": ("a15", 223, ("cubic", 4.724), ("Si", "V"), ((0, 0, 0), (0.25, 0, 0.5))),
    "CaSi": ("crb", 63, ("orthorhombic", 4.561, 10.75, 3.888), ("Ca", "Si"),
             ((0, 0.1393, 0.25), (0, 0.4320, 0.25))),
    "NbSi2": ("c40", 180, ("hexagonal", 4.797, 6.592), ("Nb", "Si"), ((0.5, 0, 0.5), (1 / 6, 1 / 3, 0.5))),
    "TaSi2": ("c40", 180, ("hexagonal", 4.783, 6.567), ("Ta", "Si"), ((0.5, 0, 0.5), (1 / 6, 1 / 3, 0.5))),
    "Mg3Sb2": ("la2o3", 164, ("hexagonal", 4.573, 7.229), ("Mg", "Mg", "Sb"),
               ((0, 0, 0), (1 / 3, 2 / 3, 0.631), (1 / 3, 2 / 3, 0.226))),
    # third part (PART3)
    #   WC     Bh (WC type), P-6m2, W 1a, C 1d, no free parameter
    #   Ta2C   anti-CdI2 (C6), P-3m1, C 1a, Ta 2d z = 1/4 (ideal, as the cdi2 prototype)
    #   CaC2   C11a (tetragonal CaC2-I), I4/mmm, Ca 2a, C 4e z 0.4063 (C-C 1.20 A)
    #   Al4C3  D7_1, R-3m (hexagonal axes), Al 6c z 0.29422 and 0.12967, C 3a, C 6c z 0.21737
    #          (Gesing and Jeitschko 1995)
    #   PtPb   B8_1 (NiAs type) with its own c/a: Pt 2a, Pb 2c
    "WC": ("bh", 187, ("hexagonal", 2.906, 2.837), ("W", "C"), ((0, 0, 0), (1 / 3, 2 / 3, 0.5))),
    "Ta2C": ("c6", 164, ("hexagonal", 3.103, 4.938), ("C", "Ta"), ((0, 0, 0), (1 / 3, 2 / 3, 0.25))),
    "CaC2": ("c11a", 139, ("tetragonal", 3.89, 6.38), ("Ca", "C"), ((0, 0, 0), (0, 0, 0.4063))),
    "Al4C3": ("d71", 166, ("hexagonal", 3.3338, 24.996), ("Al", "Al", "C", "C"),
              ((0, 0, 0.29422), (0, 0, 0.12967), (0, 0, 0), (0, 0, 0.21737))),
    "PtPb": ("b81", 194, ("hexagonal", 4.259, 5.467), ("Pt", "Pb"), ((0, 0, 0), (1 / 3, 2 / 3, 0.25))),
}

# The third part (2026-12-07), fixed and committed before any of it was computed. The held-out
# compounds without a term were AlAs, Mg2Pb, SiC and TiC (anions As, Pb, C: MP2020 has no term
# for them). The rule of the second part, applied to C, Pb and As: every binary of pymatgen's
# exp_compounds.json.gz whose most electronegative element is that anion, with a relative
# uncertainty <= 10 % or unknown, a stoichiometric ordered structure of at most 9 atoms in the
# primitive cell (the largest cell of the second part, C40), every element with a reference
# state in src/crystal/refstate.c and a PseudoDojo `low` hint <= 39 Ha (so the campaign cutoff
# and every earlier candidate ID stay the same), structure type and parameters from the
# handbook. Passing: C: Al4C3, Be2C, CaC2, HfC, NbC, Ta2C, TaC, WC, ZrC; Pb: PtPb; As: GaAs, InAs
# (second step, committed before they were computed: Ga and In first had no reference state;
# alpha-Ga and In were added to refstate.c for them, aa51020). The rule is applied to the
# anions without a term only; Ga and In compounds of anions that have one (GaN, InN, GaSb,
# InSb, Ga2O3, ...) are not added.
# Left out, and why (none of them computed):
#   C   Y2C, Li2C2 (LiC), MgC2: parameters not at hand (no structure database here);
#       Sc2C, Nb2C, W2C: no agreed ordered structure (C sublattice disorder);
#       Al57C43, V57C43, Nb50C49: not stoichiometric; B4C, Mg2C3: more than 9 atoms;
#       BaC2, SrC2, Fe3C, Mo2C, Cr3C2, Cr23C6, Mn7C3: relative uncertainty > 10 %;
#       Cr7C3, Mn71C29: Cr/Mn hint > 39 Ha; lanthanide/actinide carbides: no table entry
#   Pb  Ca2Pb (12 atoms), M5Pb3 (16 atoms); Pd3Pb, Nb3Pb, RhPb, Ti4Pb: relative uncertainty
#       > 10 %; Lu5Pb3: Lu hint
#   As  Zn3As2 (80 atoms); MnAs, NiAs: Mn/Ni hints > 39 Ha; Cd3As2: 22 %
# Split (analyze.py, fixed with this list): the 56 compounds of the first two parts keep the
# split they had (no compound seen in a result moves); the new compounds of each anion, in
# alphabetical order of their reduced formula, every third starting from the second, are held
# out (the rule of the first part, applied to the new ones): Be2C, NbC, WC, InAs held out;
# Al4C3, CaC2, HfC, Ta2C, TaC, ZrC train the C term, PtPb the Pb term, GaAs the As term.
PART3 = ["ZrC", "HfC", "NbC", "TaC", "Be2C", "WC", "Ta2C", "CaC2", "Al4C3", "PtPb", "GaAs", "InAs"]


def write_cif(here, formula):
    """structures/FORMULA.cif: the primitive cell of STRUCTURES[formula] in P1."""
    from pymatgen.core import Lattice, Structure
    from pymatgen.io.cif import CifWriter
    name, sg, lat, species, coords = STRUCTURES[formula]
    lattice = getattr(Lattice, lat[0])(*lat[1:])
    s = Structure.from_spacegroup(sg, lattice, list(species), [list(c) for c in coords]).get_primitive_structure()
    os.makedirs(os.path.join(here, "structures"), exist_ok=True)
    path = os.path.join("structures", formula + ".cif")
    CifWriter(s).write_file(os.path.join(here, path))
    return name, path


# 1.0: the experimental structures are computed as they are (no relaxation: README.md, "Protocol")
START = 1.0

HEAD = """# Formation energies against experiment and three hulls (validation/formation/README.md).
# Written by make_sweep.py; %d compounds (%d compared with experiment) and, by references: auto,
# every element's ground-state phase (molecules for H, N, O, F, Cl, Br, I; O2 triplet).
# Protocol fast (Marzari-Vanderbilt 0.01375 Ha) with a coarser k spacing, 0.50 1/angstrom, on the
# full PseudoDojo v0.4 PBE standard table; one campaign cutoff, the largest low hint (39 Ha, Se's);
# single points at the experimental room-temperature structures (no relaxation: the machine is
# shared, README.md "Protocol" says what that costs in accuracy; the stress is stored, so the
# pressure at the experimental volume is known per compound).
name: formation-pbe-dojo-fast
candidates:
"""
TAIL = """references: auto
xc: pbe
pseudopotentials: {pbe: "table:../../../shared/pseudodojo/nc-sr-04-pbe"}
protocol: fast
kpoints: {spacing: 0.5 1/angstrom}
compute: {forces: true, stress: true}
"""


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    lines = []
    for f, proto, sites, a, role in COMPOUNDS:
        if proto == "cif":
            name, path = write_cif(here, f)
            lines.append("  - name: %s   # %s" % (name, f))
            lines.append("    structure: {poscar: %s}" % path)
            continue
        lines.append("  - prototype: %s   # %s%s" % (proto, f, "" if role == "exp" else " (hull)"))
        for key, el in zip("ABX", sites):
            lines.append("    %s: %s" % (key, el))
        lines.append("    a: %.3f angstrom" % (a * START))
    nexp = sum(1 for c in COMPOUNDS if c[4] == "exp")
    with open(os.path.join(here, "binaries.yaml"), "w") as fh:
        fh.write(HEAD % (len(COMPOUNDS), nexp) + "\n".join(lines) + "\n" + TAIL)


if __name__ == "__main__":
    main()

"""Prototypes against pymatgen (Debian python3-pymatgen).

Each furui prototype (structure_driver proto ...) is compared with the same
structure type built by pymatgen from its literature definition: space group,
lattice ratios and the Wyckoff generators of the International Tables, with
pymatgen's own symmetry-operation tables (Structure.from_spacegroup), so the
hand-written atom lists of src/crystal/prototypes.c are checked against an
independent expansion. StructureMatcher (scale=True: furui's lattice
parameter comes from its covalent-radius rule) must match, and pymatgen's
SpacegroupAnalyzer must find the literature space group.
Usage: prototypes_pymatgen.py STRUCTURE_DRIVER. Exit 0 pass, 1 fail, 77 no pymatgen.
"""
import subprocess
import sys

try:
    from pymatgen.core import Lattice, Structure
    from pymatgen.analysis.structure_matcher import StructureMatcher
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer
except ImportError:
    print("pymatgen missing: skip")
    sys.exit(77)

DRIVER = sys.argv[1]
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def furui(name, *els):
    p = subprocess.run([DRIVER, "proto", name, *els], capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError(p.stderr)
    return Structure.from_str(p.stdout, fmt="poscar")


def tet(a, c):
    return Lattice.tetragonal(a, c)


def hexa(a, c):
    return Lattice.hexagonal(a, c)


# name, elements, space group (symbol, number), pymatgen lattice, species, Wyckoff generators.
# Settings: pymatgen's tables use origin choice 1 for Fd-3m and I4_1/amd, so the
# spinel generators are the origin-2 values of the literature shifted by 1/8.
CASES = [
    ("antifluorite", ["Li", "O"], "Fm-3m", 225, Lattice.cubic(4.61), ["Li", "O"],
     [[0.25, 0.25, 0.25], [0, 0, 0]]),
    ("rutile", ["Ti", "O"], "P4_2/mnm", 136, tet(4.5937, 2.9587), ["Ti", "O"],
     [[0, 0, 0], [0.3048, 0.3048, 0]]),
    ("anatase", ["Ti", "O"], "I4_1/amd", 141, tet(3.7842, 9.5146), ["Ti", "O"],
     [[0, 0, 0], [0, 0, 0.2081]]),
    ("cdi2", ["Cd", "I"], "P-3m1", 164, hexa(4.24, 6.84), ["Cd", "I"],
     [[0, 0, 0], [1 / 3, 2 / 3, 0.25]]),
    ("nias", ["Ni", "As"], "P6_3/mmc", 194, hexa(3.619, 5.034), ["Ni", "As"],
     [[0, 0, 0], [1 / 3, 2 / 3, 0.25]]),
    ("corundum", ["Al", "O"], "R-3c", 167, hexa(4.7589, 12.991), ["Al", "O"],
     [[0, 0, 0.35216], [0.30624, 0, 0.25]]),
    ("cotunnite", ["Pb", "Cl"], "Pnma", 62, Lattice.orthorhombic(7.6222, 4.5348, 9.0448),
     ["Pb", "Cl", "Cl"], [[0.2624, 0.25, 0.0952], [0.8597, 0.25, 0.0730], [0.4728, 0.25, 0.8380]]),
    ("spinel", ["Mg", "Al", "O"], "Fd-3m", 227, Lattice.cubic(8.0831), ["Mg", "Al", "O"],
     [[0, 0, 0], [0.625, 0.625, 0.625], [0.3874, 0.3874, 0.3874]]),
    ("heusler", ["Cu", "Mn", "Al"], "Fm-3m", 225, Lattice.cubic(5.95), ["Cu", "Mn", "Al"],
     [[0.25, 0.25, 0.25], [0, 0, 0], [0.5, 0.5, 0.5]]),
    ("half-heusler", ["Ti", "Ni", "Sn"], "F-43m", 216, Lattice.cubic(5.93), ["Ti", "Ni", "Sn"],
     [[0, 0, 0], [0.25, 0.25, 0.25], [0.5, 0.5, 0.5]]),
    ("rp1", ["Sr", "Ti", "O"], "I4/mmm", 139, tet(3.884, 12.60), ["Sr", "Ti", "O", "O"],
     [[0, 0, 0.3553], [0, 0, 0], [0, 0.5, 0], [0, 0, 0.1608]]),
    ("delafossite", ["Cu", "Fe", "O"], "R-3m", 166, hexa(3.0351, 17.166), ["Cu", "Fe", "O"],
     [[0, 0, 0], [0, 0, 0.5], [0, 0, 0.1066]]),
    ("graphite", ["C"], "P6_3/mmc", 194, hexa(2.464, 6.711), ["C", "C"],
     [[0, 0, 0.25], [1 / 3, 2 / 3, 0.25]]),
    ("beta-sn", ["Sn"], "I4_1/amd", 141, tet(5.8318, 3.1819), ["Sn"], [[0, 0, 0]]),
    ("alpha-as", ["As"], "R-3m", 166, hexa(3.7598, 10.5475), ["As"], [[0, 0, 0.22705]]),
    ("gamma-se", ["Se"], "P3_121", 152, hexa(4.3662, 4.9536), ["Se"], [[0.2254, 0, 1 / 3]]),
    ("diamond", ["Sn"], "Fd-3m", 227, Lattice.cubic(6.49), ["Sn"], [[0, 0, 0]]),
    # alpha-S: pymatgen's Fddd:2 (origin choice 2) expansion of the four sites
    ("alpha-s", ["S"], "Fddd:2", 70, Lattice.orthorhombic(10.4646, 12.8660, 24.4860), ["S"] * 4,
     [[0.8554, 0.9526, 0.9516], [0.7844, 0.0301, 0.0763], [0.7069, 0.9795, 0.0040], [0.7862, 0.9073, 0.1290]]),
    # alpha-Ga (Donohue): Cmce 8f; In: I4/mmm 2a
    ("alpha-ga", ["Ga"], "Cmce", 64, Lattice.orthorhombic(4.5192, 7.6586, 4.5258), ["Ga"], [[0, 0.1549, 0.0810]]),
    ("indium", ["In"], "I4/mmm", 139, tet(3.2523, 4.9461), ["In"], [[0, 0, 0]]),
]

matcher = StructureMatcher(ltol=1e-4, stol=1e-4, angle_tol=1e-3, primitive_cell=True, scale=True,
                           attempt_supercell=False)
for name, els, sg, num, lat, species, coords in CASES:
    ref = Structure.from_spacegroup(sg, lat, species, coords)
    got = furui(name, *els)
    sga = SpacegroupAnalyzer(got, symprec=1e-3)
    check(sga.get_space_group_number() == num,
          "%s: pymatgen finds space group %d (got %d %s)" % (name, num, sga.get_space_group_number(),
                                                              sga.get_space_group_symbol()))
    check(len(got) == len(ref.get_primitive_structure()),
          "%s: %d atoms = pymatgen's primitive cell (%d)" % (name, len(got),
                                                              len(ref.get_primitive_structure())))
    check(got.composition.reduced_formula == ref.composition.reduced_formula,
          "%s: formula %s" % (name, ref.composition.reduced_formula))
    check(matcher.fit(got, ref), "%s: same structure as pymatgen's %s expansion" % (name, sg))

# the dimer: two atoms at the bond length in a cubic box
o2 = furui("dimer", "O")
check(abs(o2.get_distance(0, 1) - 1.20752) < 1e-6, "dimer O2: bond 1.20752 A (Huber-Herzberg r_e)")
check(abs(o2.lattice.a - 10) < 1e-9 and abs(o2.lattice.volume - 1000) < 1e-6, "dimer: 10 A box")
check(SpacegroupAnalyzer(o2, symprec=1e-3).get_space_group_number() == 123, "dimer: P4/mmm")

print("%d failures" % len(failures))
sys.exit(1 if failures else 0)

"""Display helpers against pymatgen (Debian python3-pymatgen).

- formula (crystal/formula.h) = pymatgen's Composition.reduced_formula on
  curated cases (SrO, CsPbI3, Li2O2, O2, Ca(NO3)2, LiFePO4) and 400 random
  compositions of 1-4 elements (noble gases excluded: pymatgen sorts their
  NaN electronegativity arbitrarily);
- conventional lattice constants (fu_symmetry_conventional) = the lattice of
  pymatgen's SpacegroupAnalyzer.get_conventional_standard_structure() for
  primitive cells of cubic, hexagonal, tetragonal, rhombohedral and
  orthorhombic prototypes (orthorhombic: the same lengths; pymatgen sorts
  them, spglib keeps the International Tables setting);
- is_molecule (crystal/molecule.h) = dimensionality 0 of pymatgen's
  get_dimensionality_larsen on the same bonds (cutoff 1.25 x the sum of
  pymatgen's Cordero covalent radii), for molecules in boxes, 3D, layered and
  chain structures.
Usage: display_pymatgen.py STRUCTURE_DRIVER WORKDIR. Exit 0 pass, 1 fail, 77 no pymatgen.
"""
import itertools
import os
import random
import shutil
import subprocess
import sys
import warnings

try:
    from pymatgen.core import Composition, Element, Lattice, Structure
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer
    from pymatgen.analysis.dimensionality import get_dimensionality_larsen
    from pymatgen.analysis.local_env import CutOffDictNN
    from pymatgen.analysis.molecule_structure_comparator import CovalentRadius
except ImportError as e:
    print("missing module (%s): skip" % e)
    sys.exit(77)

warnings.filterwarnings("ignore")
DRIVER, WORK = sys.argv[1], sys.argv[2]
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
failures = []


def check(ok, what):
    if not ok:
        print("FAIL " + what)
        failures.append(what)


def drv(*args):
    p = subprocess.run([DRIVER, *args], capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError(p.stderr)
    return p.stdout.strip()


# --- formula
cases = [{"Sr": 1, "O": 1}, {"Cs": 1, "Pb": 1, "I": 3}, {"Li": 2, "O": 2}, {"O": 2}, {"N": 2},
         {"Ca": 1, "N": 2, "O": 6}, {"Li": 1, "Fe": 1, "P": 1, "O": 4}, {"Ti": 2, "O": 4},
         {"Na": 4, "Cl": 4}, {"K": 1, "O": 2}, {"H": 2, "O": 1}]
rng = random.Random(21)
pool = [z for z in range(1, 95) if not (Element.from_Z(z).X != Element.from_Z(z).X)]
for _ in range(400):
    els = rng.sample(pool, rng.randint(1, 4))
    cases.append({Element.from_Z(z).symbol: rng.randint(1, 8) for z in els})
n_ok = 0
for c in cases:
    args = list(itertools.chain(*[(el, str(n)) for el, n in c.items()]))
    got, want = drv("formula", *args), Composition(c).reduced_formula
    check(got == want, "formula %s: furui %s, pymatgen %s" % (c, got, want))
    n_ok += got == want
print("formula: %d/%d equal to pymatgen's reduced_formula" % (n_ok, len(cases)))


def proto(name, *els):
    path = os.path.join(WORK, "%s_%s.vasp" % (name, "".join(els)))
    with open(path, "w") as f:
        f.write(drv("proto", name, *els) + "\n")
    return path


# --- conventional lattice
CONV = [("fcc", "Al"), ("bcc", "Fe"), ("rocksalt", "Na", "Cl"), ("spinel", "Mg", "Al", "O"),
        ("hcp", "Mg"), ("corundum", "Al", "O"), ("delafossite", "Cu", "Fe", "O"),
        ("rp1", "Sr", "Ti", "O"), ("anatase", "Ti", "O"), ("rutile", "Ti", "O"),
        ("cotunnite", "Pb", "Cl"), ("alpha-as", "As"), ("wurtzite", "Zn", "O")]
for c in CONV:
    path = proto(*c)
    got = [float(x) for x in drv("conv", path).split()]
    s = Structure.from_file(path)
    ref = SpacegroupAnalyzer(s, symprec=0.01).get_conventional_standard_structure().lattice
    abc, want = got[:3], list(ref.abc)
    if c[0] == "cotunnite":
        # orthorhombic: pymatgen orders a < b < c, spglib (furui) keeps the
        # International Tables setting (Pnma); the same three lengths
        abc, want = sorted(abc), sorted(want)
    ok = all(abs(a - b) < 1e-6 for a, b in zip(abc, want)) and \
        all(abs(a - b) < 1e-5 for a, b in zip(got[3:], ref.angles))
    check(ok, "%s: conventional %s vs pymatgen %s %s" % (c[0], got, ref.abc, ref.angles))
    print("conventional %-12s %s" % (c[0], "ok" if ok else "FAIL"))

# --- is_molecule
cut = {}
radii = CovalentRadius.radius
for a, b in itertools.combinations_with_replacement(radii, 2):
    cut[(a, b)] = cut[(b, a)] = 1.25 * (radii[a] + radii[b])
nn = CutOffDictNN(cut_off_dict=cut)
MOL = [("dimer", "O"), ("dimer", "H"), ("dimer", "I"), ("rocksalt", "Na", "Cl"), ("diamond", "Si"),
       ("graphite", "C"), ("cdi2", "Cd", "I"), ("gamma-se", "Se"), ("fcc", "Cu"), ("perovskite", "Cs", "Pb", "Br")]
files = [proto(*m) for m in MOL]
# a molecular crystal: two N2 molecules in an orthorhombic cell, 3.5 A apart
mc = os.path.join(WORK, "n2_crystal.vasp")
Structure(Lattice.orthorhombic(5.0, 5.0, 6.0), ["N"] * 4,
          [[0, 0, 0], [0, 0, 1.0977 / 6], [0.5, 0.5, 0.5], [0.5, 0.5, 0.5 + 1.0977 / 6]]).to(filename=mc, fmt="poscar")
files.append(mc)
for path in files:
    s = Structure.from_file(path)
    dim = get_dimensionality_larsen(nn.get_bonded_structure(s))
    got = int(drv("molecule", path))
    check(got == (dim == 0), "%s: is_molecule %d, pymatgen dimensionality %d" % (os.path.basename(path), got, dim))
    print("is_molecule %-24s %d (pymatgen dimensionality %d)" % (os.path.basename(path), got, dim))

print("%d failures" % len(failures))
sys.exit(1 if failures else 0)

"""CIF input against pymatgen and ASE (Debian python3-pymatgen, python3-ase).

Structures are written as CIF by pymatgen (CifWriter with symprec: the
asymmetric unit plus the space group's operations, so furui must expand
them) and by ASE (ase.io.write), read by furui (structure_driver read, the
same crystal/structfile.h path the SCF input and the sweep use), and compared
with what pymatgen's CifParser and ASE's reader make of the same files:
cell, atom count, and the structure (StructureMatcher, tight tolerances,
no rescaling). Then bad files: each refused with one line naming the file,
the line where there is one, and the problem; and a sweep whose poscar_dir
holds a CIF lists it (furui screen --dry-run).
Usage: cif_test.py STRUCTURE_DRIVER WORKDIR [FURUI]. Exit 0 pass, 1 fail, 77 missing modules.
"""
import os
import shutil
import subprocess
import sys
import warnings

try:
    import numpy as np
    from pymatgen.core import Lattice, Structure
    from pymatgen.io.cif import CifParser, CifWriter
    from pymatgen.io.ase import AseAtomsAdaptor
    from pymatgen.analysis.structure_matcher import StructureMatcher
    import ase.io
    from ase.build import bulk
    from ase.spacegroup import crystal
except ImportError as e:
    print("missing module (%s): skip" % e)
    sys.exit(77)

warnings.filterwarnings("ignore")
DRIVER, WORK = sys.argv[1], sys.argv[2]
FURUI = os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 else None
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def furui_read(path):
    p = subprocess.run([DRIVER, "read", path], capture_output=True, text=True, timeout=60)
    return p, (Structure.from_str(p.stdout, fmt="poscar") if p.returncode == 0 else None)


MATCH = StructureMatcher(ltol=1e-5, stol=1e-4, angle_tol=1e-4, primitive_cell=False, scale=False,
                         attempt_supercell=False)


def same_cell(a, b, tol=1e-6):
    return (np.allclose(a.lattice.abc, b.lattice.abc, atol=tol) and
            np.allclose(a.lattice.angles, b.lattice.angles, atol=1e-5))


def compare(tag, path, ref):
    p, got = furui_read(path)
    check(p.returncode == 0, "%s: read (%s)" % (tag, p.stderr.strip()))
    if got is None:
        return
    check(len(got) == len(ref), "%s: %d atoms after expansion (reference %d)" % (tag, len(got), len(ref)))
    check(same_cell(got, ref), "%s: cell %s / %s" % (tag, got.lattice.parameters, ref.lattice.parameters))
    check(got.composition == ref.composition, "%s: composition %s" % (tag, ref.composition))
    check(MATCH.fit(got, ref), "%s: same structure as the reference reader's" % tag)


# --- written by pymatgen, symmetrised: furui applies the operations -----------
PMG = [
    ("corundum", Structure.from_spacegroup("R-3c", Lattice.hexagonal(4.7589, 12.991), ["Al", "O"],
                                           [[0, 0, 0.35216], [0.30624, 0, 0.25]])),
    ("spinel", Structure.from_spacegroup("Fd-3m", Lattice.cubic(8.0831), ["Mg", "Al", "O"],
                                         [[0, 0, 0], [0.625, 0.625, 0.625], [0.3874] * 3])),
    ("wurtzite", Structure.from_spacegroup("P6_3mc", Lattice.hexagonal(3.25, 5.207), ["Zn", "O"],
                                           [[1 / 3, 2 / 3, 0], [1 / 3, 2 / 3, 0.382]])),
    ("cotunnite", Structure.from_spacegroup("Pnma", Lattice.orthorhombic(7.6222, 4.5348, 9.0448),
                                            ["Pb", "Cl", "Cl"],
                                            [[0.2624, 0.25, 0.0952], [0.8597, 0.25, 0.073],
                                             [0.4728, 0.25, 0.838]])),
    # monoclinic (beta != 90): the cell-vector convention
    ("monoclinic", Structure.from_spacegroup("C2/m", Lattice.monoclinic(6.1, 3.9, 5.7, 104.3),
                                             ["Au", "Te"], [[0, 0, 0], [0.689, 0, 0.29]])),
]
for tag, s in PMG:
    path = os.path.join(WORK, tag + "_pymatgen.cif")
    CifWriter(s, symprec=0.01).write_file(path)
    text = open(path).read()
    nops = text.count("'") // 2
    check("_symmetry_equiv_pos_as_xyz" in text and nops > 1,
          "%s: pymatgen wrote the asymmetric unit and its operations" % tag)
    ref = CifParser(path).get_structures(primitive=False)[0]
    compare(tag + " (pymatgen CIF)", path, ref)

# --- written by ASE (all atoms, P1; non-orthogonal and triclinic cells) ------
rng = np.random.default_rng(21)
tri = crystal(["Si", "O"], basis=[(0.1, 0.2, 0.3), (0.6, 0.7, 0.15)], spacegroup=1,
              cellpar=[5.1, 6.3, 7.2, 81.0, 97.5, 112.0])
ASE = [
    ("rutile", crystal(["Ti", "O"], basis=[(0, 0, 0), (0.3048, 0.3048, 0)], spacegroup=136,
                       cellpar=[4.5937, 4.5937, 2.9587, 90, 90, 90])),
    ("fcc Cu primitive", bulk("Cu", "fcc", a=3.61)),
    ("NaCl", bulk("NaCl", "rocksalt", a=5.64, cubic=True)),
    ("triclinic", tri),
]
for tag, atoms in ASE:
    path = os.path.join(WORK, tag.replace(" ", "_") + "_ase.cif")
    ase.io.write(path, atoms)
    ref = AseAtomsAdaptor.get_structure(ase.io.read(path))
    compare(tag + " (ASE CIF)", path, ref)

# --- hand-written: s.u. in numbers, 4-digit special positions, P1 without ops --
hand = os.path.join(WORK, "wurtzite_4digits.cif")
open(hand, "w").write("""data_ZnO
_cell_length_a 3.2500(1)
_cell_length_b 3.2500(1)
_cell_length_c 5.2070(2)
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 120
_symmetry_space_group_name_H-M 'P 63 m c'
loop_
_symmetry_equiv_pos_as_xyz
x,y,z
-y,x-y,z
-x+y,-x,z
-x,-y,1/2+z
y,-x+y,1/2+z
x-y,x,1/2+z
-y,-x,z
-x+y,y,z
x,x-y,z
y,x,1/2+z
x-y,-y,1/2+z
-x,-x+y,1/2+z
loop_
_atom_site_label
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Zn1 0.3333 0.6667 0.0000
O1 0.3333 0.6667 0.3820
""")
ref = Structure.from_spacegroup("P6_3mc", Lattice.hexagonal(3.25, 5.207), ["Zn", "O"],
                                [[1 / 3, 2 / 3, 0], [1 / 3, 2 / 3, 0.382]])
p, got = furui_read(hand)
check(p.returncode == 0 and len(got) == 4,
      "4-digit special positions: images merged to 4 atoms (%s)" % (p.stderr.strip() or len(got)))
if got is not None:
    check(MATCH.fit(got, ref), "4-digit special positions: the wurtzite structure")
    check(np.allclose(got.frac_coords[0][:2], [1 / 3, 2 / 3], atol=2e-5) or
          np.allclose(got.frac_coords[0][:2], [2 / 3, 1 / 3], atol=2e-5),
          "merged images sit at their mean (1/3, 2/3 to the digits given)")

# --- bad input: one line, file and line named, non-zero exit ------------------
GOOD_HEAD = """data_bad
_cell_length_a 4.0
_cell_length_b 4.0
_cell_length_c 4.0
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
"""
SITES = """loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
_atom_site_occupancy
Na1 Na 0 0 0 1
Cl1 Cl 0.5 0.5 0.5 1
"""
BAD = [
    ("unknown_op", GOOD_HEAD + "loop_\n_symmetry_equiv_pos_as_xyz\n'x, y, z'\n'-x, q, z'\n" + SITES,
     ":11:", "unknown term 'q'"),
    ("partial", GOOD_HEAD + SITES.replace("Cl1 Cl 0.5 0.5 0.5 1", "Cl1 Cl 0.5 0.5 0.5 0.5"),
     ":16:", "partial occupancy"),
    ("no_b", GOOD_HEAD.replace("_cell_length_b 4.0\n", "") + SITES, "data block 'bad'",
     "missing _cell_length_b"),
    ("sg_without_ops", GOOD_HEAD + "_symmetry_space_group_name_H-M 'F m -3 m'\n" + SITES, ":8:",
     "without its symmetry operations"),
    ("syntax", GOOD_HEAD + "_chemical_name 'unterminated\n" + SITES, ":8:", "syntax error"),
    ("mixed", GOOD_HEAD + SITES.replace("Cl1 Cl 0.5 0.5 0.5 1", "Cl1 Cl 0 0 0 1"), ":", "mixed occupancy"),
    ("no_sites", GOOD_HEAD, "data block 'bad'", "missing _atom_site_fract_x"),
    ("bad_number", GOOD_HEAD.replace("_cell_length_c 4.0", "_cell_length_c four"), ":4:",
     "is not a number"),
    ("not_cif", "\x00\x01binary", "", ""),
]
for tag, text, where, what in BAD:
    path = os.path.join(WORK, "bad_" + tag + ".cif")
    open(path, "w").write(text)
    p, _ = furui_read(path)
    err = p.stderr.strip()
    check(p.returncode == 1 and p.stdout == "" and err.count("\n") == 0 and path in err and
          where in err and what in err,
          "bad %s: one line naming %s%s and '%s' (got rc %d: %s)" % (tag, path, where, what,
                                                                     p.returncode, err))
fifo = os.path.join(WORK, "fifo.cif")
os.mkfifo(fifo)
p, _ = furui_read(fifo)
check(p.returncode == 1 and "not a regular file" in p.stderr, "a FIFO named .cif is refused, no hang")

# --- the sweep reads CIFs wherever it reads POSCARs ---------------------------
if FURUI:
    d = os.path.join(WORK, "sweep")
    os.makedirs(os.path.join(d, "structures"))
    shutil.copy(os.path.join(WORK, "corundum_pymatgen.cif"), os.path.join(d, "structures"))
    open(os.path.join(d, "sweep.yaml"), "w").write("""name: cif
candidates:
  - poscar_dir: structures
  - structure: {poscar: structures/corundum_pymatgen.cif}
xc: lda
pseudopotentials: {lda: "cp2k:GTH-PADE"}
ecut: 6 Ha
kpoints: {grid: [1, 1, 1]}
""")
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMP_NUM_THREADS="1")
    p = subprocess.run([FURUI, "screen", "sweep.yaml", "--dry-run", "-o", "x"], cwd=d, env=env,
                       capture_output=True, text=True, timeout=120)
    out = p.stdout + p.stderr
    # the two are one structure: one candidate, the other dropped as its duplicate
    check(p.returncode == 0 and "1 valid, 0 invalid, 1 duplicates dropped" in out and
          "Al2O3/corundum_pymatgen.cif" in out,
          "screen --dry-run reads the CIF of poscar_dir and of structure.poscar (rc %d)\n%s" %
          (p.returncode, out[-800:]))

    # SCF input: the CIF (symmetrised, 2 operations' worth of expansion) and a
    # POSCAR pymatgen writes of the same structure give the same energy
    d = os.path.join(WORK, "scf")
    os.makedirs(d)
    si = Structure.from_spacegroup("Fd-3m", Lattice.cubic(5.43), ["Si"], [[0, 0, 0]])
    si = si.get_primitive_structure()
    CifWriter(si, symprec=0.01).write_file(os.path.join(d, "si.cif"))
    ref_cif = CifParser(os.path.join(d, "si.cif")).get_structures(primitive=False)[0]
    ref_cif.to(filename=os.path.join(d, "si.vasp"), fmt="poscar")
    energies = {}
    for name in ("si.cif", "si.vasp"):
        stem = name.replace(".", "_")
        open(os.path.join(d, stem + ".yaml"), "w").write("""structure: {poscar: %s}
pseudopotentials: {Si: "abinit:14si.4.hgh"}
xc: lda
ecut: 5 Ha
kpoints: {grid: [1, 1, 1], shift: [0, 0, 0]}
""" % name)
        p = subprocess.run([FURUI, "scf", stem + ".yaml"], cwd=d, env=env, capture_output=True,
                           text=True, timeout=300)
        check(p.returncode == 0, "scf with %s (%s)" % (name, p.stderr.strip()[-300:]))
        if p.returncode == 0:
            import json
            energies[name] = json.load(open(os.path.join(d, stem + ".json")))["energy_ha"]["total"]
    if len(energies) == 2:
        check(abs(energies["si.cif"] - energies["si.vasp"]) < 1e-9,
              "scf: CIF and POSCAR of one structure, same total energy (%r, %r Ha)" %
              (energies["si.cif"], energies["si.vasp"]))

print("%d failures" % len(failures))
sys.exit(1 if failures else 0)

#!/usr/bin/python3
"""Generates src/export/element_data.c: the elemental property table behind
the Magpie-style composition features (src/export/features.h).

    /usr/bin/python3 src/export/gen_element_data.py > src/export/element_data.c

Source: Debian's python3-pymatgen (its bundled periodic_table.json and the
Cordero covalent radii in pymatgen.analysis.molecule_structure_comparator).
Property names are matminer's Magpie labels; units follow Magpie's tables
(CovalentRadius in pm). Values pymatgen does not give are NaN in the table:
the exporter never writes a NaN, it drops the property (see README.md).

Magpie properties not generated, and why: GSvolume_pa, GSbandgap, GSmagmom,
SpaceGroupNumber are OQMD T=0 DFT ground-state data shipped only with
matminer/Magpie (not packaged in Debian); no Debian source provides them.
"""
import importlib.metadata
import math
import re
import sys
import warnings

warnings.simplefilter("ignore")  # pymatgen warns on NaN electronegativity of noble gases
from pymatgen.core.periodic_table import Element  # noqa: E402
from pymatgen.analysis.molecule_structure_comparator import CovalentRadius  # noqa: E402

ZMAX = 103  # FU_MAX_Z in src/crystal/elements.h
PMG = importlib.metadata.version("pymatgen")

ORB = re.compile(r"(\d+)([spdf])<sup>(\d+)</sup>")


def valence(el):
    """Electrons per l outside the noble-gas core, from pymatgen's
    'Electronic structure' string, e.g. "[Ar].3d<sup>6</sup>.4s<sup>2</sup>":
    filled d and f shells outside the core count, as in Magpie's tables."""
    s = el.data["Electronic structure"]
    s = re.sub(r"^\[[A-Za-z]+\]\.?", "", s)
    n = {"s": 0, "p": 0, "d": 0, "f": 0}
    for _, l, k in ORB.findall(s):
        n[l] += int(k)
    return n


def unfilled(n, l):
    """Empty states of an occupied shell l: 2(2l+1) - N_l if N_l > 0 else 0."""
    cap = {"s": 2, "p": 6, "d": 10, "f": 14}[l]
    return cap - n[l] if n[l] > 0 else 0


def num(x):
    try:
        v = float(x)
    except (TypeError, ValueError):
        return math.nan
    return v


def melting(el):
    v = el.data.get("Melting point")
    if not isinstance(v, str):
        return math.nan
    m = re.search(r"([0-9.]+)\s*K", v)  # "(white P) 317.3 K", "about 1800 K"
    return float(m.group(1)) if m else math.nan


PMG_SRC = "pymatgen %s periodic_table.json" % PMG
# name, unit, source, description, function of Element
PROPS = [
    ("Number", "1", "atomic number (pymatgen Element.Z)", "atomic number Z", lambda e: e.Z),
    ("MendeleevNumber", "1", PMG_SRC + " 'Mendeleev no' (Pettifor's chemical scale as tabulated by pymatgen; "
     "Magpie's table follows Villars et al. 2004, another scale: values differ)",
     "Mendeleev number (position in Pettifor's chemical scale)", lambda e: num(e.mendeleev_no)),
    ("AtomicWeight", "amu", PMG_SRC + " 'Atomic mass'", "atomic weight", lambda e: float(e.atomic_mass)),
    ("MeltingT", "K", PMG_SRC + " 'Melting point'", "melting temperature of the element",
     melting),
    ("Column", "1", "pymatgen %s Element.group (IUPAC group; lanthanides and actinides 3)" % PMG,
     "periodic-table group", lambda e: e.group),
    ("Row", "1", "pymatgen %s Element.row" % PMG, "periodic-table period", lambda e: e.row),
    ("CovalentRadius", "pm", "Cordero et al., Dalton Trans. 2008, 2832, doi:10.1039/b801115j, as tabulated in "
     "pymatgen %s molecule_structure_comparator.CovalentRadius (Å, converted to pm; Magpie's table is "
     "Mathematica's)" % PMG,
     "single-bond covalent radius", lambda e: round(100.0 * CovalentRadius.radius[e.symbol], 6)
     if e.symbol in CovalentRadius.radius else math.nan),
    ("Electronegativity", "1", PMG_SRC + " 'X' (Pauling scale; Magpie's is Mathematica's, Eu/Yb/Tb/Pm filled by neighbour averages)", "Pauling electronegativity",
     lambda e: num(e.data.get("X"))),
]
for l in "spdf":
    PROPS.append(("N%sValence" % l, "electrons",
                  PMG_SRC + " 'Electronic structure': %s electrons outside the noble-gas core" % l,
                  "valence %s electrons" % l, (lambda l: lambda e: valence(e)[l])(l)))
PROPS.append(("NValence", "electrons", PMG_SRC + " 'Electronic structure': all electrons outside the noble-gas core",
              "valence electrons", lambda e: sum(valence(e).values())))
for l in "spdf":
    PROPS.append(("N%sUnfilled" % l, "states",
                  PMG_SRC + " 'Electronic structure': 2(2l+1) - N_l for an occupied %s shell, else 0" % l,
                  "unfilled %s states of the valence shell" % l, (lambda l: lambda e: unfilled(valence(e), l))(l)))
PROPS.append(("NUnfilled", "states", PMG_SRC + " 'Electronic structure': sum of the four unfilled counts",
              "unfilled valence states", lambda e: sum(unfilled(valence(e), l) for l in "spdf")))

OMITTED = "GSvolume_pa, GSbandgap, GSmagmom, SpaceGroupNumber (OQMD ground-state data, only in matminer/Magpie's own tables, not in Debian)"


def c_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def fmt(v):
    if isinstance(v, float) and math.isnan(v):
        return "NAN"
    return repr(float(v))


def main():
    out = sys.stdout
    out.write("/* GENERATED by src/export/gen_element_data.py from Debian python3-pymatgen %s:\n" % PMG)
    out.write(" * do not edit; rerun the generator. Sources per property:\n")
    for name, unit, src, _, _ in PROPS:
        out.write(" *   %s [%s]: %s\n" % (name, unit, src))
    out.write(" * Not provided: %s.\n" % OMITTED)
    out.write(" * NAN = pymatgen has no value for that element. */\n")
    out.write('#include "export/element_data.h"\n\n#include <math.h>\n\n')
    out.write("#define NPROP %d\n\n" % len(PROPS))
    out.write("static const fu_elprop_def defs[NPROP] = {\n")
    for name, unit, src, desc, _ in PROPS:
        out.write("    {%s, %s, %s,\n     %s},\n" % (c_str(name), c_str(unit), c_str(desc), c_str(src)))
    out.write("};\n\n")
    out.write("/* [property][Z], Z = 0 unused */\n")
    out.write("static const double values[NPROP][FU_MAX_Z + 1] = {\n")
    for name, _, _, _, f in PROPS:
        vals = ["NAN"] + [fmt(f(Element.from_Z(z))) for z in range(1, ZMAX + 1)]
        out.write("    /* %s */ {" % name)
        for i in range(0, len(vals), 8):
            out.write(("\n        " if i else "") + ", ".join(vals[i:i + 8]) + ",")
        out.write("},\n")
    out.write("};\n\n")
    out.write("const char *fu_elprop_generator(void) {\n    return %s;\n}\n\n"
              % c_str("src/export/gen_element_data.py, pymatgen " + PMG))
    out.write("const char *fu_elprop_omitted(void) {\n    return %s;\n}\n\n" % c_str(OMITTED))
    out.write("const fu_elprop_def *fu_elprop_defs(size_t *n) {\n    *n = NPROP;\n    return defs;\n}\n\n")
    out.write("double fu_elprop_value(size_t prop, int z) {\n"
              "    if (prop >= NPROP || z < 1 || z > FU_MAX_Z) return NAN;\n"
              "    return values[prop][z];\n}\n")


if __name__ == "__main__":
    main()

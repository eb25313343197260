#!/usr/bin/python3
"""Shared glue between ABINIT reference cases and furui inputs.

A "case" is the dict stored under "case" in shared/reference/abinit/*.json
(lattice rows in bohr, xred, typat (1-based), species = HGH file names under
/usr/share/abinit/psp, ecut in Ha, kgrid, shift, nband, occopt, tsmear).
Collinear spin (optional): nsppol 2 and spin_moments, one initial moment in
Bohr magnetons per species (same order as species); ABINIT gets nsppol 2 and
spinat (0, 0, moment) per atom, furui spin: {polarized: true, moments: ...}.
"""
import json
import os
import re

ELEMENT_OF_PSP = re.compile(r"^(\d+)([a-zA-Z]+)")
# PseudoDojo/SG15 names: Si.psp8, Zn-sp.psp8, Mg-low.psp8, O_ONCV_PBE-1.0.upf
ELEMENT_OF_TABLE_PSP = re.compile(r"^([A-Z][a-z]?)[._-]")
OCCOPT_SMEARING = {1: "none", 3: "fermi-dirac", 4: "cold-abinit-bump", 5: "cold-abinit-mono",
                   6: "methfessel-paxton", 7: "gaussian"}


def load_reference(path):
    with open(path) as f:
        return json.load(f)


def element_symbol(psp_file):
    base = os.path.basename(psp_file)
    m = ELEMENT_OF_PSP.match(base)
    if m:
        sym = m.group(2)
        return sym[0].upper() + sym[1:].lower()
    m = ELEMENT_OF_TABLE_PSP.match(base)
    if not m:
        raise ValueError(f"{psp_file}: cannot tell the element from the file name")
    return m.group(1)


def atomic_number(psp_file):
    m = ELEMENT_OF_PSP.match(os.path.basename(psp_file))
    if m:
        return int(m.group(1))
    from ase.data import atomic_numbers  # Debian python3-ase
    return atomic_numbers[element_symbol(psp_file)]


def spin_moments(case):
    """Initial moments per species (μB) of a collinear-spin case, or None if unpolarised."""
    nsppol = case.get("nsppol", 1)
    if nsppol not in (1, 2):
        raise ValueError(f"nsppol {nsppol}: only 1 and 2 (collinear) are supported")
    if nsppol == 1:
        if any(case.get("spin_moments", [])):
            raise ValueError("spin_moments given but nsppol is 1")
        return None
    mom = [float(m) for m in case.get("spin_moments", [0.0] * len(case["species"]))]
    if len(mom) != len(case["species"]):
        raise ValueError("spin_moments needs one moment per species")
    return mom


def furui_input(case, fft=None, prefix=None, forces=True, stress=True, tol_energy=1e-10,
                tol_density=1e-9, xc="lda"):
    """YAML text of a furui scf input reproducing an ABINIT case."""
    species = [element_symbol(s) for s in case["species"]]
    lines = ["structure:", "  lattice:", "    unit: bohr", "    vectors:"]
    for v in case["lattice"]:
        lines.append("      - [%s]" % ", ".join(repr(float(x)) for x in v))
    lines += ["  coordinates: fractional", "  atoms:"]
    for t, x in zip(case["typat"], case["xred"]):
        lines.append("    - [%s, %s]" % (species[t - 1], ", ".join(repr(float(c)) for c in x)))
    lines.append("pseudopotentials:")
    for sym, psp in zip(species, case["species"]):
        lines.append(f"  {sym}: abinit:{psp}")
    lines.append(f"xc: {xc}")
    mom = spin_moments(case)
    if mom is not None:
        lines.append("spin: {polarized: true, moments: {%s}}" %
                     ", ".join("%s: %r" % (sym, m) for sym, m in zip(species, mom)))
    lines.append(f"ecut: {case['ecut']} Ha")
    lines.append("kpoints: {grid: [%d, %d, %d], shift: [%s, %s, %s]}" %
                 (*case["kgrid"], *[repr(float(s)) for s in case["shift"]]))
    lines.append(f"bands: {case['nband']}")
    if fft:
        lines.append("fft_grid: [%d, %d, %d]" % tuple(fft))
    occopt = case.get("occopt", 1)
    if occopt not in OCCOPT_SMEARING:
        raise ValueError(f"occopt {occopt} has no furui equivalent here")
    if occopt != 1:
        lines.append("smearing: {kind: %s, width: %r Ha}" % (OCCOPT_SMEARING[occopt],
                                                              float(case["tsmear"])))
    lines.append("scf: {max_iterations: 100, energy_tolerance: %g Ha, density_tolerance: %g}" %
                 (tol_energy, tol_density))
    lines.append("compute: {forces: %s, stress: %s}" % (str(forces).lower(), str(stress).lower()))
    if prefix:
        lines.append(f"output: {{prefix: {prefix}}}")
    return "\n".join(lines) + "\n"


def abinit_input(case, ixc=1, extra="", nband=None, prteig=False, pp_dirpath=None):
    """ABINIT input text for a case (same variables as the reference files).

    The keyword arguments only change the text when given: nband overrides
    case["nband"] (validation/compare_with_abinit.py asks ABINIT for a few more
    bands than it compares), prteig=True writes the _EIG file, pp_dirpath
    replaces /usr/share/abinit/psp (for psp files kept elsewhere)."""
    out = ["acell 3*1.0", "rprim " + "\n      ".join(" ".join("%.12f" % x for x in v)
                                                     for v in case["lattice"])]
    znucl = [atomic_number(s) for s in case["species"]]
    out += [f"ntypat {len(case['species'])}", "znucl " + " ".join(map(str, znucl)),
            f"natom {len(case['xred'])}", "typat " + " ".join(map(str, case["typat"])),
            "xred " + "\n     ".join(" ".join("%.12f" % c for c in x) for x in case["xred"]),
            f"ixc {ixc}", f"ecut {case['ecut']}", "ngkpt %d %d %d" % tuple(case["kgrid"]),
            "nshiftk 1", "shiftk %s %s %s" % tuple(case["shift"]),
            f"nband {case['nband'] if nband is None else nband}",
            f"occopt {case.get('occopt', 1)}"]
    if case.get("occopt", 1) != 1:
        out.append(f"tsmear {case['tsmear']}")
    mom = spin_moments(case)
    if mom is not None:
        out += ["nsppol 2", "spinat " + "\n       ".join("0 0 %.10f" % mom[t - 1]
                                                         for t in case["typat"])]
    out += ["toldfe 1e-11", "nstep 100", "chkprim 0", "chksymtnons 0", "prtwf 0", "prtden 0",
            "prteig %d" % (1 if prteig else 0), "optforces 1", "optstress 1",
            'pp_dirpath "%s"' % (pp_dirpath or "/usr/share/abinit/psp"),
            'pseudos "%s"' % ", ".join(case["species"])]
    return "\n".join(out) + "\n" + extra

#!/usr/bin/env python3
"""furui converge on Si (PseudoDojo PW-LDA from Debian's abinit package), checked against
calculations outside its ladders:
- the cutoff it reports for 1 meV/atom (balanced, energy) is within 1 meV/atom of an SCF at a
  much higher cutoff (40 Ha), and the rung below it is not (so it is the first);
- the k-mesh it reports (Gamma-centred) for 1 meV/atom is within 1 meV/atom of an SCF on a denser mesh than any
  of the ladder's;
- dP at the lowest cutoff has the sign of a Pulay stress (too few plane waves: the cell wants to
  shrink, P < P_ref);
- bad ladders are refused in one line (exit 64) before any file is made.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from testlib import check, failures, run, setup  # noqa: E402

HA_EV = 27.211386245988
PSP = "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pw_standard_psp8/Si.psp8"
INPUT = """structure:
  lattice: {unit: angstrom, vectors: [[0, 2.7155, 2.7155], [2.7155, 0, 2.7155], [2.7155, 2.7155, 0]]}
  coordinates: fractional
  atoms:
    - [Si, 0, 0, 0]
    - [Si, 0.25, 0.25, 0.25]
pseudopotentials: {Si: %s}
xc: lda_x+lda_c_pw
ecut: %s
kpoints: {grid: [%d, %d, %d]}
scf: {energy_tolerance: 1e-9 Ha, density_tolerance: 1e-8}
"""


def scf_energy(furui, wd, name, ecut, grid):
    path = os.path.join(wd, name + ".yaml")
    open(path, "w").write(INPUT % (PSP, ecut, *grid))
    p = run([furui, "scf", path, "-o", name], wd)
    check(p.returncode == 0, "%s: furui scf failed: %s" % (name, p.stderr))
    return json.load(open(os.path.join(wd, name + ".json")))["energy_ha"]["total_per_atom"] * HA_EV


def main():
    furui, wd = setup(__doc__)
    if not os.path.exists(PSP):
        print("SKIP: %s missing (Debian package abinit)" % PSP)
        return 77
    inp = os.path.join(wd, "si.yaml")
    open(inp, "w").write(INPUT % (PSP, "12 Ha", 2, 2, 2))

    # bad ladders: one line, exit 64, nothing written
    for args, what in ((["--ecut", "20:10:2 Ha"], "FROM > TO"), (["--ecut", "10:20:2"], "no unit"),
                       (["--kspacing", "0.5,0 1/angstrom"], "spacing 0"),
                       (["--kspacing", "0.5,-0.2 1/angstrom"], "spacing < 0"),
                       (["--ecut", "10:20:2 bohr"], "length unit for an energy"),
                       (["--only", "bands"], "unknown ladder")):
        p = run([furui, "converge", inp, "-o", "bad"] + args, wd)
        check(p.returncode == 64, "%s: exit %d, expected 64" % (what, p.returncode))
        check(len(p.stderr.strip().splitlines()) == 1 and "converge" in p.stderr,
              "%s: not one line: %r" % (what, p.stderr))
    check(not any(f.startswith("bad") for f in os.listdir(wd)), "a refused run left files: %s" % os.listdir(wd))

    p = run([furui, "converge", inp, "-o", "si", "--ecut", "8:24:4 Ha",
             "--kspacing", "0.6,0.4,0.3,0.2,0.15 1/angstrom"], wd)
    check(p.returncode == 0, "converge failed: %s" % p.stderr)
    if p.returncode:
        return 1
    print(p.stdout)
    c = json.load(open(os.path.join(wd, "si.converge.json")))
    check(c["pseudopotentials"]["Si"]["sha256"] and len(c["pseudopotentials"]["Si"]["sha256"]) == 64,
          "no sha256 of the pseudopotential")

    # cutoff: against 40 Ha, far above the ladder
    e40 = scf_energy(furui, wd, "si_40ha", "40 Ha", (2, 2, 2))
    first = c["ecut"]["first_meeting"]["balanced"]["energy"]
    check(first is not None, "no cutoff for 1 meV/atom within 8-24 Ha")
    rungs = c["ecut"]["rungs"]
    i = next(j for j, r in enumerate(rungs) if r["ecut_ha"] == first["ecut_ha"])
    d = abs(rungs[i]["energy_ev_per_atom"] - e40) * 1e3
    # 1 meV/atom against the ladder's top, plus what the top itself misses (< 0.1 meV/atom)
    check(d <= 1.1, "E(%g Ha) is %.3f meV/atom from E(40 Ha)" % (first["ecut_ha"], d))
    check(i > 0, "the ladder's lowest cutoff already met 1 meV/atom: ladder too high to test")
    if i > 0:
        dbelow = abs(rungs[i - 1]["energy_ev_per_atom"] - e40) * 1e3
        check(dbelow > 1.0, "E(%g Ha) is already %.3f meV/atom from E(40 Ha): not the first"
              % (rungs[i - 1]["ecut_ha"], dbelow))
    check(rungs[0]["d_pressure_gpa"] < 0, "dP at the lowest cutoff %g GPa: not a Pulay stress"
          % rungs[0]["d_pressure_gpa"])

    # k-mesh: against 20x20x20, denser than the ladder's densest
    kfirst = c["kpoints"]["first_meeting"]["balanced"]["energy"]
    check(kfirst is not None, "no k-mesh for 1 meV/atom")
    if kfirst:
        ek = next(r["energy_ev_per_atom"] for r in c["kpoints"]["rungs"] if r["kgrid"] == kfirst["kgrid"])
        edense = scf_energy(furui, wd, "si_k20", "12 Ha", (20, 20, 20))
        dk = abs(ek - edense) * 1e3
        check(dk <= 1.1, "k-grid %s is %.3f meV/atom from 20x20x20" % (kfirst["kgrid"], dk))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

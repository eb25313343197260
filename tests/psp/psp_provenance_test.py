#!/usr/bin/python3
"""A campaign on a pseudopotential table keeps what produced its numbers (issue 17).

    psp_provenance_test.py FURUI WORKDIR

A table directory made here (Debian's PseudoDojo PBE Si.psp8 and a standard.djson whose hints
are this test's own numbers, 12/16/20 Ha) is screened as `table:DIR`. Checked against those
inputs: the results file's per-species columns (file read, format, valence, hints), the export's
dataset.json settings groups, and the SCF input that `furui rank` writes next to the shortlist,
which must name the file read (not `cp2k:Si.psp8`, as it did while the store kept only the file
name) and run as it stands. Exit 77 when Debian's PseudoDojo files are absent.
"""
import glob
import json
import os
import shutil
import sys

import h5py

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from testlib import check, failures, run  # noqa: E402

PD = "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8"
HINTS = {"low": 12.0, "normal": 16.0, "high": 20.0}
SWEEP = """name: psp-provenance
candidates:
  - prototype: diamond
    A: Si
    a: 5.43 angstrom
xc: pbe
pseudopotentials: {Si: "table:table"}
ecut: 10 Ha
allow_unconverged: true
kpoints: {grid: [2, 2, 2]}
scf: {max_iterations: 60, energy_tolerance: 1e-8 Ha, density_tolerance: 1e-7}
"""


def main():
    furui, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    if not os.path.isfile(os.path.join(PD, "Si.psp8")):
        print("SKIP: Debian's PseudoDojo PBE files are not at", PD)
        return 77
    shutil.rmtree(work, ignore_errors=True)
    table = os.path.join(work, "table")
    os.makedirs(table)
    shutil.copy(os.path.join(PD, "Si.psp8"), table)
    with open(os.path.join(table, "standard.djson"), "w") as f:
        json.dump({"pseudos_metadata": {"Si": {"basename": "Si.psp8", "Z_val": 4.0, "hints": {
            k: {"ecut": v} for k, v in HINTS.items()}}}}, f)
    with open(os.path.join(work, "s.yaml"), "w") as f:
        f.write(SWEEP)
    p = run([furui, "screen", "s.yaml", "-o", "s"], work)
    if not check(p.returncode == 0, "screen: " + p.stderr.strip()[-300:]):
        return 1
    want_file = os.path.join(table, "Si.psp8")
    with h5py.File(os.path.join(work, "s.h5"), "r") as h:
        g = h["candidates"]
        path = [x.decode() if isinstance(x, bytes) else x for x in g["pseudopotential_path"][:]]
        fmt = [x.decode() if isinstance(x, bytes) else x for x in g["pseudopotential_format"][:]]
        check(path == [want_file], "results file: file read %s, want %s" % (path, want_file))
        check(fmt == ["psp8"], "results file: format %s" % fmt)
        check(list(g["pseudopotential_valence"][:]) == [4.0], "results file: valence")
        check([list(x) for x in g["pseudopotential_cutoff_hints"][:]] == [[12.0, 16.0, 20.0]],
              "results file: hints %s" % g["pseudopotential_cutoff_hints"][:])
    p = run([furui, "export", "s.h5", "-o", "ds"], work)
    if check(p.returncode == 0, "export: " + p.stderr.strip()[-300:]):
        card = json.load(open(os.path.join(work, "ds", "dataset.json")))
        psps = [q for g in card["provenance"].get("settings_groups", [])
                for q in g.get("pseudopotentials", [])]
        check(len(psps) == 1, "dataset.json: one pseudopotential in the settings groups (%s)" % psps)
        if psps:
            q = psps[0]
            check(q.get("file") == want_file and q.get("format") == "psp8" and
                  q.get("valence_electrons") == 4.0 and q.get("cutoff_hints_ha") == HINTS,
                  "dataset.json pseudopotential: %s" % q)
    p = run([furui, "rank", "s.h5", "--sort", "energy_per_atom_ev", "--force", "-o", "sl"], work)
    if check(p.returncode == 0, "rank: " + p.stderr.strip()[-300:]):
        inputs = [f for f in glob.glob(os.path.join(work, "sl", "**", "*.yaml"), recursive=True)
                  if "pseudopotentials" in open(f).read()]
        check(len(inputs) == 1, "rank writes one SCF input (%s)" % inputs)
        if inputs:
            text = open(inputs[0]).read()
            check('Si: "%s"' % want_file in text, "the SCF input names the file read:\n" + text)
            p = run([furui, "scf", os.path.basename(inputs[0])], os.path.dirname(inputs[0]))
            check(p.returncode == 0, "furui scf on rank's input: " + p.stderr.strip()[-300:])
    print("%d failed check(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

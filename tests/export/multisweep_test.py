#!/usr/bin/python3
"""A campaign of several sweeps (issue 18 item 6), merged, then exported.

    multisweep_test.py --furui BIN --workdir DIR

Three sweeps (alpha: Si and C; beta: NaCl; gamma: MgO at another cutoff) are screened and
merged with one --sweep per sweep. Proves, against the sweep files themselves:
  - merge takes several --sweep: no candidate "unexpected", none missing, exit 0 (a second
    --sweep was a usage error; the other sweeps' candidates were reported unexpected);
  - the results file keeps every sweep's text verbatim (provenance/sweeps), the first
    also as provenance/sweep;
  - dataset.json lists every sweep's text and name, names the campaign after all of them
    ("alpha + beta + gamma", not the first), gives each candidate the convergence criteria
    of its own sweep, and has one settings group per set of settings that differ (2 here:
    gamma's cutoff), not one per composition (4);
  - the MDR title and the RDE invoice name the whole campaign.
"""
import json
import os
import sys
import zipfile

import h5py
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from testlib import check, finish, run, setup, text  # noqa: E402

COMMON = """xc: lda
pseudopotentials: {lda: "cp2k:GTH-PADE"}
kpoints: {grid: [2, 2, 2]}
smearing: {kind: fermi-dirac, width: 0.01 Ha}
scf: {max_iterations: 60, energy_tolerance: 1e-9 Ha, density_tolerance: 1e-8}
"""
SWEEPS = {
    "a": "name: alpha\ncandidates:\n  - prototype: diamond\n    A: [Si, C]\necut: 6 Ha\n" + COMMON,
    "b": "name: beta\ncandidates:\n  - prototype: rocksalt\n    A: Na\n    B: Cl\necut: 6 Ha\n" + COMMON,
    "g": "name: gamma\ncandidates:\n  - prototype: rocksalt\n    A: Mg\n    B: O\necut: 7 Ha\n" + COMMON,
}


def main():
    furui, w = setup()
    furui = os.path.abspath(furui)
    for k, t in SWEEPS.items():
        with open(os.path.join(w, k + ".yaml"), "w") as f:
            f.write(t)
        p = run([furui, "screen", k + ".yaml", "-o", k], w)
        check(p.returncode == 0 and "0 left" in p.stdout, "screen %s: %s %s" % (k, p.stdout, p.stderr))
    ids = {}
    for k in SWEEPS:
        with h5py.File(os.path.join(w, k + ".h5"), "r") as f:
            ids[k] = {text(x) for x in f["candidates/id"][()]}

    p = run([furui, "merge", "--sweep", "a.yaml", "--sweep", "b.yaml", "--sweep", "g.yaml", "all.h5",
             "a.journal", "b.journal", "g.journal"], w)
    print(p.stdout, p.stderr)
    check(p.returncode == 0, "merge with three --sweep exits 0: %d %s" % (p.returncode, p.stderr.strip()))
    check("unexpected" not in p.stdout and "missing" not in p.stdout,
          "no candidate of the three sweeps reported unexpected or missing")
    # one sweep of the three: the others' candidates are unexpected (exit 0), none missing
    p = run([furui, "merge", "--sweep", "a.yaml", "one.h5", "a.journal", "b.journal", "g.journal"], w)
    check(p.returncode == 0 and "unexpected" in p.stdout, "with one --sweep the others are unexpected")

    with h5py.File(os.path.join(w, "all.h5"), "r") as f:
        pv = f["provenance"]
        texts = [text(x) for x in pv["sweeps"][()]] if "sweeps" in pv else []
        first = text(pv["sweep"][()])
        n = len(f["candidates/id"][()])
    check(n == sum(len(v) for v in ids.values()), "all.h5 holds every candidate once: %d" % n)
    check(sorted(texts) == sorted(SWEEPS.values()), "provenance/sweeps keeps every sweep text verbatim")
    check(first in SWEEPS.values(), "provenance/sweep is one of the sweeps")

    p = run([furui, "export", "all.h5", "-o", "ds", "--rde"], w)
    check(p.returncode == 0, "export: %s" % p.stderr.strip())
    ds = os.path.join(w, "ds")
    card = json.load(open(os.path.join(ds, "dataset.json"), encoding="utf-8"))
    pv = card["provenance"]
    check(sorted(s["text"] for s in pv.get("sweeps", [])) == sorted(SWEEPS.values()),
          "dataset.json: provenance.sweeps has every sweep text")
    check(sorted(s["name"] for s in pv.get("sweeps", [])) == ["alpha", "beta", "gamma"], "and every name")
    campaign = pv.get("campaign", "")
    check(sorted(campaign.split(" + ")) == ["alpha", "beta", "gamma"], "campaign named after all sweeps: %r" % campaign)
    groups = pv["settings_groups"]
    print("settings groups:", [(g["group"], g["ecut_ev"], [p["element"] for p in g["pseudopotentials"]]) for g in groups])
    check(len(groups) == 2, "2 settings groups (6 Ha and 7 Ha), not one per composition: %d" % len(groups))
    by_id = {c["id"]: c for c in pv["candidates"]}
    ha_ev = 27.211386245988
    for k, want_ecut in (("a", 6), ("b", 6), ("g", 7)):
        for cid in ids[k]:
            c = by_id.get(cid)
            if not c:
                continue  # a candidate that is not exported (none here)
            g = groups[c["settings_group"]]
            check(abs(g["ecut_ev"] - want_ecut * ha_ev) < 1e-9, "%s of sweep %s in a %g Ha group" % (cid, k, want_ecut))
            check("convergence_criteria" in c, "%s: convergence criteria from its own sweep" % cid)
    check(len(by_id) >= 4, "the four compositions are exported: %d" % len(by_id))

    mdr = yaml.safe_load(open(os.path.join(ds, "mdr", "metadata.yaml"), encoding="utf-8"))
    title = mdr["titles"][0]["title"]
    check(all(x in title for x in ("alpha", "beta", "gamma")), "MDR title names the campaign: %r" % title)
    zips = sorted(x for x in os.listdir(os.path.join(ds, "rde")) if x.endswith(".zip"))
    with zipfile.ZipFile(os.path.join(ds, "rde", zips[0])) as z:
        inv = json.loads(z.read("invoice/invoice.json"))
    check(inv["custom"]["campaign"] == campaign, "RDE invoice campaign: %r" % inv["custom"]["campaign"])
    check(campaign in inv["basic"]["dataName"], "RDE dataName: %r" % inv["basic"]["dataName"])
    return finish()


if __name__ == "__main__":
    sys.exit(main())

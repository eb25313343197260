#!/usr/bin/python3
"""`furui rank` end to end (src/rank/shortlist.h, language in src/rank/rank_expr.h).

    rank_test.py --furui BIN --workdir DIR

Screens tests/rank/rank.yaml (Si, C, SiC, NaCl, MgO, Al at a small cutoff) and
ranks the results. Every selection is checked against one recomputed here
from the raw results file with h5py, without furui's catalog:
  - band gaps from the stored eigenvalues (band nelec/2 vs nelec/2 + 1 over
    the k-mesh; 0 for an odd electron count), formation energies from the
    stored total energies and the pure-element candidates, by hand;
  - the selected set and its order (gap descending), the limit, has_element,
    Kleene logic (no elemental reference = unknown, never selected, counted);
  - shortlist.csv = shortlist.h5 (h5py, units attributes, query and source
    SHA-256 recorded); candidates.csv flags exactly the selected rows;
  - every POSCAR and CIF read by ASE has the stored cell, species and positions; the
    SCF input written beside them, run by `furui scf`, gives the stored energy (1e-6 Ha);
  - bad expressions and sort keys: exit 1, one line naming the column, no
    output directory and no temporary directory left; a missing results file;
    an existing non-empty DIR is refused and left intact, --force replaces it.
"""
import glob
import hashlib
import math
import os
import sys

import ase.io
import h5py
import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
HA_EV = 27.211386245988          # src/core/units.h
BOHR_ANG = 0.529177210903
sys.path.insert(0, os.path.dirname(HERE))
from testlib import check, finish, no_temporaries, run, setup, text as s  # noqa: E402


def read_raw(path):
    """Per candidate: state, energy per atom (eV), gap (eV) from eigenvalues, structure."""
    out = {}
    with h5py.File(path, "r") as f:
        c = f["candidates"]
        names = dict(h5py.check_enum_dtype(c["state"].dtype) or {})
        done = names.get("done", 3)
        ao, ko, bo = c["atom_offset"][()], c["k_offset"][()], c["band_offset"][()]
        for i, cid in enumerate(s(x) for x in c["id"][()]):
            r = dict(state=int(c["state"][i]), label=s(c["label"][i]))
            out[cid] = r
            if r["state"] != done:
                continue
            nat, nk, nb = int(c["natom"][i]), int(c["nk"][i]), int(c["nband"][i])
            eig = c["eigenvalues"][bo[i]:bo[i + 1]].reshape(nk, nb)
            occ = c["occupations"][bo[i]:bo[i + 1]].reshape(nk, nb)
            w = c["kweights"][ko[i]:ko[i + 1]]
            nelec = float(np.sum(w[:, None] * occ) / np.sum(w))
            ne = int(round(nelec))
            if ne % 2:
                gap = 0.0
            else:
                gap = max(0.0, float(eig[:, ne // 2].min() - eig[:, ne // 2 - 1].max())) * HA_EV
            r.update(done=True, natom=nat, e_atom=float(c["energy/total"][i]) * HA_EV / nat, gap=gap,
                     z=list(c["atomic_numbers"][ao[i]:ao[i + 1]]), xred=c["xred"][ao[i]:ao[i + 1]],
                     lattice=c["lattice"][i] * BOHR_ANG)
    # formation energy per atom against the lowest pure candidate of each element
    mu = {}
    for r in out.values():
        if r.get("done") and len(set(r["z"])) == 1:
            z = r["z"][0]
            mu[z] = min(mu.get(z, math.inf), r["e_atom"])
    for r in out.values():
        if r.get("done"):
            zs = r["z"]
            r["ef"] = (r["e_atom"] - sum(mu[z] for z in zs) / len(zs)) if all(z in mu for z in zs) else math.nan
    return out


def main():
    F, w = setup()

    p = run([F, "screen", os.path.join(HERE, "rank.yaml"), "-o", "rk"], w)
    if not check(p.returncode == 0, "screen runs"):
        return 1
    raw = read_raw(os.path.join(w, "rk.h5"))
    done = {k: r for k, r in raw.items() if r.get("done")}
    check(len(done) == 6, "6 candidates done (got %d)" % len(done))
    src_sha = hashlib.sha256(open(os.path.join(w, "rk.h5"), "rb").read()).hexdigest()

    # 1. gap window on compounds, gap descending
    expr = "band_gap_ev > 0.5 and nelements == 2"
    p = run([F, "rank", "rk.h5", "--where", expr, "--sort", "-band_gap_ev", "-o", "gap"], w)
    check(p.returncode == 0, "rank exits 0")
    want = sorted((k for k, r in done.items() if r["gap"] > 0.5 and len(set(r["z"])) == 2),
                  key=lambda k: (-done[k]["gap"], k))
    sl = pd.read_csv(os.path.join(w, "gap", "shortlist.csv"), dtype={"id": str}, float_precision="round_trip")
    check(list(sl["id"]) == want, "gap selection and order equal the independent one: %s vs %s"
          % (list(sl["id"]), want))
    check(len(want) >= 2, "the test selects several candidates")
    check(list(sl["rank"]) == list(range(1, len(want) + 1)), "rank column 1..n")
    for _, row in sl.iterrows():
        check(abs(row["band_gap_ev"] - done[row["id"]]["gap"]) <= 1e-9,
              "gap of %s from eigenvalues (%.12g vs %.12g eV)" % (row["id"], row["band_gap_ev"], done[row["id"]]["gap"]))
    cand = pd.read_csv(os.path.join(w, "gap", "candidates.csv"), dtype={"id": str})
    check(set(cand["id"]) == set(done), "candidates.csv holds every done candidate")
    check(set(cand[cand["selected"] == 1]["id"]) == set(want), "candidates.csv flags exactly the shortlist")
    check(all((cand["rank"] > 0) == (cand["selected"] == 1)), "rank > 0 exactly for selected rows")

    # shortlist.h5 equals the CSV
    with h5py.File(os.path.join(w, "gap", "shortlist.h5"), "r") as f:
        g = f["shortlist"]
        check([s(x) for x in g["id"][()]] == list(sl["id"]), "HDF5 ids = CSV ids")
        check(np.array_equal(g["band_gap_ev"][()], sl["band_gap_ev"].to_numpy()), "HDF5 gaps = CSV gaps, bit for bit")
        check(s(g["band_gap_ev"].attrs["units"]) == "eV", "gap units attribute eV")
        check(s(g["volume"].attrs["units"]) == "angstrom^3", "volume units attribute")
        check(s(f.attrs["where"]) == expr and s(f.attrs["sort"]) == "-band_gap_ev", "query recorded")
        check(s(f.attrs["source_sha256"]) == src_sha, "source SHA-256 recorded")
        check(s(f.attrs["format"]) == "furui.shortlist", "format attribute")

    # structures: one POSCAR and one CIF per selected candidate, read by ASE
    for k, cid in enumerate(want, 1):
        files = sorted(glob.glob(os.path.join(w, "gap", "structures", "%04d_*" % k)))
        check([os.path.splitext(x)[1] for x in files] == [".cif", ".vasp", ".yaml"],
              "POSCAR, CIF and SCF input for rank %d" % k)
        r = done[cid]
        for path in files:
            if path.endswith(".yaml"):
                continue
            at = ase.io.read(path, format="vasp" if path.endswith(".vasp") else "cif")
            check(sorted(at.numbers) == sorted(r["z"]), "species of " + path)
            check(abs(at.get_volume() - abs(np.linalg.det(r["lattice"]))) <= 1e-6, "volume of " + path)
            if path.endswith(".vasp"):
                check(np.allclose(at.cell[:], r["lattice"], atol=1e-12), "POSCAR cell of " + cid)
                check(np.allclose(at.get_scaled_positions(wrap=False), r["xred"], atol=1e-12), "POSCAR positions")
                check(list(at.numbers) == r["z"], "POSCAR atom order")

    # the SCF input written beside each structure reproduces the stored calculation
    first = sorted(glob.glob(os.path.join(w, "gap", "structures", "0001_*.yaml")))
    if check(len(first) == 1, "an SCF input for rank 1"):
        p = run([F, "scf", first[0], "-o", "rerun1"], w)
        e_stored = done[want[0]]["e_atom"] * done[want[0]]["natom"] / HA_EV
        if check(p.returncode == 0, "furui scf runs the written input"):
            import json
            e = json.load(open(os.path.join(w, "rerun1.json")))["energy_ha"]
            e = e["total"] if isinstance(e, dict) else e
            check(abs(e - e_stored) < 1e-6, "its energy equals the stored one: %.3e Ha" % (e - e_stored))

    # 2. formation energy: missing references make the comparison unknown
    p = run([F, "rank", "rk.h5", "--where", "formation_energy_ev_per_atom < 100", "--sort",
             "formation_energy_ev_per_atom,id", "-o", "ef"], w)
    want = sorted((k for k, r in done.items() if not math.isnan(r["ef"])), key=lambda k: (done[k]["ef"], k))
    ef = pd.read_csv(os.path.join(w, "ef", "shortlist.csv"), dtype={"id": str}, float_precision="round_trip")
    check(p.returncode == 0 and list(ef["id"]) == want, "formation-energy selection: %s vs %s" % (list(ef["id"]), want))
    check(len(want) == 4 and sum(math.isnan(r["ef"]) for r in done.values()) == 2,
          "Si, C, SiC, Al have references; NaCl and MgO do not")
    for _, row in ef.iterrows():
        check(abs(row["formation_energy_ev_per_atom"] - done[row["id"]]["ef"]) <= 1e-9,
              "formation energy of %s by hand" % row["id"])
    check("2 undecided" in p.stdout, "candidates without references are counted as undecided")
    p = run([F, "rank", "rk.h5", "--where", "not (formation_energy_ev_per_atom < 100)", "-o", "notef"], w)
    n = len(pd.read_csv(os.path.join(w, "notef", "shortlist.csv")))
    check(p.returncode == 0 and n == 0, "not(unknown) selects nothing")

    # 3. has_element and limit
    p = run([F, "rank", "rk.h5", "--where", 'has_element("C")', "-o", "carbon"], w)
    got = set(pd.read_csv(os.path.join(w, "carbon", "shortlist.csv"), dtype={"id": str})["id"])
    check(got == {k for k, r in done.items() if 6 in r["z"]}, "has_element('C') = candidates with Z=6")
    p = run([F, "rank", "rk.h5", "--sort", "energy_per_atom_ev", "--limit", "2", "-o", "lim"], w)
    got = list(pd.read_csv(os.path.join(w, "lim", "shortlist.csv"), dtype={"id": str})["id"])
    check(got == sorted(done, key=lambda k: (done[k]["e_atom"], k))[:2], "limit 2 of the lowest energies per atom")
    check("(6 matched, --limit 2)" in p.stdout, "report says how many matched before the limit")

    # 4. errors: one line with the position, nothing written
    for args, needle in [(["--where", "band_gap > 1"], "column 1: unknown property 'band_gap' (did you mean 'band_gap_ev'?)"),
                         (["--where", "band_gap_ev >> 1"], "column 14:"),
                         (["--where", "state == 3"], "column 7: '==' compares text with a number"),
                         (["--sort", "band_gap_ev,volum"], "position 13: unknown property 'volum'")]:
        p = run([F, "rank", "rk.h5"] + args + ["-o", "bad"], w)
        err = p.stderr.strip()
        check(p.returncode == 1 and needle in err and "\n" not in err, "one-line error with position: " + needle)
        check(not os.path.exists(os.path.join(w, "bad")) and not glob.glob(os.path.join(w, "bad.tmp.*")),
              "no output after a bad query")
    p = run([F, "rank", "rk.h5", "--limit", "0", "-o", "bad"], w)
    check(p.returncode == 64 and "--limit needs a positive integer" in p.stderr and "\n" not in p.stderr.strip()
          and not os.path.exists(os.path.join(w, "bad")), "--limit 0 is a one-line usage error")
    p = run([F, "rank", "missing.h5", "-o", "bad"], w)
    check(p.returncode == 3 and "missing.h5" in p.stderr and not os.path.exists(os.path.join(w, "bad")),
          "missing results file named (exit 3: I/O, as the README says), nothing written")
    before = open(os.path.join(w, "gap", "shortlist.csv"), "rb").read()
    p = run([F, "rank", "rk.h5", "-o", "gap"], w)
    check(p.returncode == 1 and "--force" in p.stderr, "existing DIR refused without --force")
    check(open(os.path.join(w, "gap", "shortlist.csv"), "rb").read() == before, "refused DIR left intact")
    p = run([F, "rank", "rk.h5", "-o", "gap", "--force"], w)
    check(p.returncode == 0 and len(pd.read_csv(os.path.join(w, "gap", "shortlist.csv"))) == len(done),
          "--force replaces DIR (no --where: every done candidate)")
    check(no_temporaries(w), "no temporary directories left")
    return finish()


if __name__ == "__main__":
    sys.exit(main())

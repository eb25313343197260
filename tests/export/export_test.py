#!/usr/bin/python3
"""Round trip of `furui export` (src/export/README.md).

    export_test.py --furui BIN --workdir DIR

Screens tests/screen/tiny.yaml (5 candidates done, 1 invalid) and
tests/screen/fail.yaml (2 SCFs that fail: 2 iterations, --recovery-rungs 1),
merges them into one results file and exports it. Then proves:
  - features.csv read by pandas and by the csv module (same header, same
    values), features.h5 by h5py, structures.extxyz by ASE, all equal to the
    results file read with h5py (energies, gap, volume, cell, positions,
    forces, Magpie mean Number from the atomic numbers) to 1e-12 relative;
  - X and Y hold no NaN and agree with the CSV bit for bit (%.17g);
  - skipped.csv lists exactly the candidates not exported, each with a
    reason; failed/invalid ones with their recorded cause and message;
  - dataset.json gives every CSV column a unit and a role, the source file's
    SHA-256, the verbatim sweep, the pseudopotential checksums;
  - SHA256SUMS verifies with `sha256sum -c` (and fails on a tampered copy);
  - an existing non-empty DIR is refused (exit 1, one line) and left intact;
    --force replaces it;
  - a truncated and a garbage results file give a one-line error, exit 1,
    and no DIR (and no temporary directory).
"""
import argparse
import csv
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np
import pandas as pd
import ase.io

HERE = os.path.dirname(os.path.abspath(__file__))
SCREEN = os.path.join(os.path.dirname(HERE), "screen")
HA_EV = 27.211386245988          # src/core/units.h
BOHR_ANG = 0.529177210903
sys.path.insert(0, os.path.dirname(HERE))
from testlib import check, finish, no_temporaries, run, text as s  # noqa: E402


def close(a, b, what, rel=1e-12, atol=0.0):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ok = a.shape == b.shape and bool(np.all(np.abs(a - b) <= rel * np.abs(b) + atol))
    if not ok:
        print("  got", a, "\n  want", b)
    return check(ok, what)


def read_results(path):
    """Per candidate id: everything the export must reproduce."""
    out = {}
    with h5py.File(path, "r") as f:
        c = f["candidates"]
        ids = [s(x) for x in c["id"][()]]
        ao = c["atom_offset"][()]
        so = c["species_offset"][()]
        for i, cid in enumerate(ids):
            a, b = ao[i], ao[i + 1]
            out[cid] = dict(
                state=int(c["state"][i]), converged=int(c["converged"][i]), label=s(c["label"][i]),
                cause=s(c["cause"][i]), message=s(c["message"][i]), etotal=float(c["energy/total"][i]),
                gap=float(c["band_gap"][i]), volume=float(c["volume"][i]), natom=int(c["natom"][i]),
                lattice=c["lattice"][i], z=c["atomic_numbers"][a:b], xred=c["xred"][a:b],
                forces=c["forces"][a:b], formula=s(c["formula"][i]),
                psp_sha=[s(x) for x in c["pseudopotential_sha256"][so[i]:so[i + 1]]])
        sweep = s(f["provenance"]["sweep"][()]) if "sweep" in f["provenance"] else None
    return out, sweep


def tree_digest(d):
    h = hashlib.sha256()
    for name in sorted(os.listdir(d)):
        h.update(name.encode())
        with open(os.path.join(d, name), "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--furui", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    w = a.workdir
    shutil.rmtree(w, ignore_errors=True)
    os.makedirs(w)

    # a campaign with done, invalid and failed candidates
    p = run([a.furui, "screen", os.path.join(SCREEN, "tiny.yaml"), "-o", "tiny"], w)
    check(p.returncode == 0, "tiny screen runs")
    p = run([a.furui, "screen", os.path.join(SCREEN, "fail.yaml"), "-o", "fail", "--recovery-rungs", "1"], w)
    check(p.returncode == 0, "failing screen records failures and exits 0")
    p = run([a.furui, "merge", "all.h5", "tiny.h5", "fail.h5"], w)
    check(p.returncode == 0, "merge")
    res, sweep = read_results(os.path.join(w, "all.h5"))
    states = [r["state"] for r in res.values()]
    check(states.count(4) == 2 and states.count(5) == 1, "results hold 2 failed and 1 invalid candidate")

    p = run([a.furui, "export", "all.h5", "-o", "ds"], w)
    check(p.returncode == 0, "export exits 0: " + p.stderr.strip())
    ds = os.path.join(w, "ds")
    card = json.load(open(os.path.join(ds, "dataset.json"), encoding="utf-8"))
    roles = {c["name"]: c for c in card["columns"]}

    # features.csv: pandas and csv module
    # pandas' default float parser may be off in the last bit; "round_trip" reads %.17g exactly
    df = pd.read_csv(os.path.join(ds, "features.csv"), dtype={"id": str}, float_precision="round_trip")
    df_default = pd.read_csv(os.path.join(ds, "features.csv"), dtype={"id": str})
    with open(os.path.join(ds, "features.csv"), newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    check(list(df.columns) == header, "pandas and csv module read the same header")
    check(len(body) == len(df) == card["n_rows"], "row count agrees with dataset.json")
    check(len(df) >= 2, "some rows exported")
    check(all(h in roles for h in header), "every CSV column is described in dataset.json")
    check(all(roles[h]["unit"] for h in header if roles[h]["role"] != "meta"),
          "every feature/target column has a unit")
    feat = [h for h in header if roles[h]["role"] == "feature"]
    targ = [h for h in header if roles[h]["role"] == "target"]
    # code-specific absolute values and diagnostics stay in the dataset, as metadata only;
    # a target with one value in every row is metadata too (read from the CSV itself)
    for h in ("energy_per_atom_ev", "vbm_ev", "cbm_ev", "fermi_level_ev", "pressure_gpa", "max_force_ev_per_angstrom"):
        check(h in header and roles[h]["role"] == "meta", "%s kept as metadata, not a target: %s"
              % (h, roles.get(h, {}).get("role")))
    check(targ and "band_gap_ev" in targ and "formation_energy_ev_per_atom" in targ, "targets: %s" % targ)
    for h in targ:
        check(len(set(row[header.index(h)] for row in body)) > 1, "target %s has one value in every row" % h)
    for i, row in enumerate(body):
        for h, v in zip(header, row):
            if roles[h]["role"] != "meta":
                x = float(v)
                check(math.isfinite(x), "CSV %s row %d finite" % (h, i))
                check(x == df[h].iloc[i], "csv module and pandas agree on %s row %d" % (h, i))
                close(df_default[h].iloc[i], x, "default pandas parser within 1e-15 on %s row %d" % (h, i), rel=1e-15)
    ids = list(df["id"])
    check(all(res[i]["state"] == 3 and res[i]["converged"] == 1 for i in ids), "only done, converged rows")
    for i, cid in enumerate(ids):
        r = res[cid]
        n = r["natom"]
        close(df["energy_per_atom_ev"].iloc[i], r["etotal"] * HA_EV / n, "energy per atom of " + cid)
        close(df["band_gap_ev"].iloc[i], r["gap"] * HA_EV, "band gap of " + cid)
        close(df["volume"].iloc[i], r["volume"] * BOHR_ANG ** 3, "volume of " + cid)
        check(df["nsites"].iloc[i] == n, "nsites of " + cid)
        check(df["chemical_formula_reduced"].iloc[i] == r["formula"], "formula of " + cid)
        zs, cnt = np.unique(r["z"], return_counts=True)
        close(df["MagpieData mean Number"].iloc[i], float(np.sum(zs * cnt) / np.sum(cnt)), "mean Number of " + cid)
        close(df["MagpieData minimum Number"].iloc[i], float(zs.min()), "minimum Number of " + cid)

    # features.h5 with h5py
    with h5py.File(os.path.join(ds, "features.h5"), "r") as f:
        X, Y = f["X"][()], f["Y"][()]
        check(X.dtype == np.float64 and X.shape == (len(df), len(feat)), "X is float64 [rows x features]")
        check(Y.shape == (len(df), len(targ)), "Y is [rows x targets]")
        check(not np.isnan(X).any() and not np.isnan(Y).any(), "no NaN in X or Y")
        check([s(x) for x in f["feature_names"][()]] == feat, "feature_names = CSV feature columns")
        check([s(x) for x in f["target_names"][()]] == targ, "target_names = CSV target columns")
        check([s(x) for x in f["ids"][()]] == ids, "ids in CSV order")
        check([s(x) for x in f["formulas"][()]] == list(df["chemical_formula_reduced"]), "formulas")
        check([s(x) for x in f["X"].attrs["units"]] == [roles[h]["unit"] for h in feat], "X units attribute")
        check(len(f["Y"].attrs["descriptions"]) == len(targ), "Y descriptions attribute")
        check(np.array_equal(X, df[feat].to_numpy(dtype=float)), "X equals the CSV bit for bit")
        check(np.array_equal(Y, df[targ].to_numpy(dtype=float)), "Y equals the CSV bit for bit")
        check(s(f.attrs["source_results_sha256"]) == hashlib.sha256(open(os.path.join(w, "all.h5"), "rb").read()).hexdigest(),
              "features.h5 names the source results file's SHA-256")

    # structures.extxyz with ASE
    frames = ase.io.read(os.path.join(ds, "structures.extxyz"), index=":")
    check(len(frames) == len(ids), "one extxyz frame per exported row")
    for fr, cid in zip(frames, ids):
        r = res[cid]
        lat = r["lattice"] * BOHR_ANG
        check(s(fr.info.get("id")) == "furui:" + cid, "frame id " + cid)
        check(list(fr.numbers) == list(r["z"]), "species of " + cid)
        close(fr.cell[:], lat, "cell (angstrom) of " + cid, atol=1e-15)
        close(fr.positions, r["xred"] @ lat, "positions (angstrom) of " + cid, atol=1e-14)
        close(fr.get_forces(), r["forces"] * (HA_EV / BOHR_ANG), "forces (eV/angstrom) of " + cid, atol=1e-15)
        close(fr.get_potential_energy(), r["etotal"] * HA_EV, "energy (eV) of " + cid)
        check(all(fr.pbc), "periodic")

    # skipped.csv: exactly the others, with reasons
    sk = pd.read_csv(os.path.join(ds, "skipped.csv"), dtype=str, keep_default_na=False)
    check(set(sk["id"]) == set(res) - set(ids), "skipped.csv lists exactly the candidates not exported")
    check(len(sk) + len(ids) == len(res) == card["n_candidates"], "every candidate once")
    for _, row in sk.iterrows():
        r = res[row["id"]]
        check(row["reason"] != "", "reason given for " + row["id"])
        if r["state"] in (4, 5):
            check(row["cause"] == r["cause"] and row["message"] == r["message"] and r["message"] in row["reason"],
                  "failed/invalid %s keeps its cause and message" % row["id"])
    check(any("no elemental reference" in x for x in sk["reason"]), "missing-reference rows skipped with the note")
    check(any(x.startswith("failed (no-convergence)") for x in sk["reason"]), "SCF failure reason")

    # dataset.json provenance
    pv = card["provenance"]
    check(pv["source_results"]["sha256"] == hashlib.sha256(open(os.path.join(w, "all.h5"), "rb").read()).hexdigest(),
          "dataset.json: source SHA-256")
    check(sweep is not None and pv["sweep"]["text"] == sweep, "dataset.json: verbatim sweep")
    check(pv["sweep"]["sha256"] == hashlib.sha256(sweep.encode()).hexdigest(), "dataset.json: sweep SHA-256")
    pspsha = {p["sha256"] for g in pv["settings_groups"] for p in g["pseudopotentials"]}
    check(all(set(res[i]["psp_sha"]) <= pspsha for i in ids), "pseudopotential checksums recorded")
    check({c["id"] for c in pv["candidates"]} == set(ids), "per-row provenance for every row")
    check("PLACEHOLDER" in card["license"] and "PLACEHOLDER" in card["citation"], "license/citation placeholders")
    check(pv["exported_by"]["hdf5_version"] and pv["screening_runs"][0]["mpi_library"], "versions recorded")

    # SHA256SUMS
    p = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=ds, capture_output=True, text=True)
    check(p.returncode == 0, "sha256sum -c SHA256SUMS: " + p.stdout + p.stderr)
    listed = sorted(l.split("  ", 1)[1].strip() for l in open(os.path.join(ds, "SHA256SUMS")))
    check(listed == sorted(x for x in os.listdir(ds) if x != "SHA256SUMS"), "SHA256SUMS covers every file")
    bad = os.path.join(w, "tampered")
    shutil.copytree(ds, bad)
    with open(os.path.join(bad, "features.csv"), "a") as fh:
        fh.write("x\r\n")
    p = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=bad, capture_output=True, text=True)
    check(p.returncode != 0, "sha256sum -c detects a modified file")

    # an existing DIR: refused and intact; --force replaces it
    before = tree_digest(ds)
    p = run([a.furui, "export", "all.h5", "-o", "ds"], w)
    check(p.returncode == 1 and len(p.stderr.strip().splitlines()) == 1 and "--force" in p.stderr,
          "existing DIR refused with one line: " + p.stderr)
    check(tree_digest(ds) == before, "refused DIR left intact")
    open(os.path.join(ds, "stale.txt"), "w").write("old")
    p = run([a.furui, "export", "all.h5", "-o", "ds", "--force"], w)
    check(p.returncode == 0, "--force replaces DIR")
    check(not os.path.exists(os.path.join(ds, "stale.txt")), "old contents gone after --force")
    check(subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=ds).returncode == 0,
          "replaced DIR verifies")
    os.makedirs(os.path.join(w, "empty"))
    p = run([a.furui, "export", "all.h5", "-o", "empty"], w)
    check(p.returncode == 0 and os.path.exists(os.path.join(w, "empty", "SHA256SUMS")), "an empty DIR is filled")

    # broken inputs
    data = open(os.path.join(w, "all.h5"), "rb").read()
    open(os.path.join(w, "trunc.h5"), "wb").write(data[: len(data) // 3])
    open(os.path.join(w, "garbage.h5"), "wb").write(b"\x89HDF\r\n\x1a\n" + os.urandom(3000))
    for name in ("trunc.h5", "garbage.h5"):
        p = run([a.furui, "export", name, "-o", "out_" + name], w)
        check(p.returncode == 1, name + ": exit 1")
        check(len(p.stderr.strip().splitlines()) == 1 and p.stderr.startswith("furui: error:"),
              name + ": one-line error: " + p.stderr)
        check(not os.path.exists(os.path.join(w, "out_" + name)), name + ": no DIR created")
    check(no_temporaries(w), "no temporary directories left")
    return finish()


if __name__ == "__main__":
    sys.exit(main())

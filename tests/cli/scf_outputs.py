#!/usr/bin/python3
"""Positive end-to-end test of `furui scf`: the shipped example runs and its outputs are right.

    scf_outputs.py --furui build/furui --workdir DIR [--input input/examples/si_diamond.yaml]

Runs `furui scf INPUT` (no -o: the prefix comes from the input's output.prefix, or from the
input file's name) in a fresh DIR and checks:
  * exit status 0, nothing on stderr, the report on stdout;
  * exactly PREFIX.log, PREFIX.json and PREFIX.h5 are written (no temporaries left);
  * the JSON parses; schema "furui.scf", integer schema_version, units (energy Ha, length
    bohr, ...), converged true, every energy finite, total = sum of its terms,
    total_per_atom = total / natoms, eigenvalues/occupations of the right shape, k-weights
    summing to 1, forces summing to zero, a symmetric stress; input = the file's text;
  * the HDF5 opens with h5py; root attribute schema = furui.scf; every dataset under /energy
    has a "units" attribute (= Ha); /provenance/input equals the input file byte for byte;
    /energy/* (in particular total), eigenvalues, forces and stress equal the JSON's values;
  * with `protocol:` (si_protocol.yaml): the k-mesh, smearing and energy tolerance it resolved
    to, recomputed from the documented table, in the JSON parameters, the HDF5 provenance and
    the log.
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_INPUT = os.path.join(HERE, "..", "..", "input", "examples", "si_diamond.yaml")
ENERGY_TERMS = ("kinetic", "hartree", "xc", "ewald", "psp_core", "local_psp", "nonlocal_psp",
                "minus_kt_entropy")

failures = []


def check(ok, msg):
    if not ok:
        failures.append(msg)
        print("FAIL: " + msg)
    return ok


def as_bytes(v):
    if isinstance(v, bytes):
        return v
    if isinstance(v, np.bytes_):
        return bytes(v)
    if isinstance(v, str):
        return v.encode("utf-8")
    if isinstance(v, np.ndarray) and v.shape == ():
        return as_bytes(v[()])
    raise TypeError(f"not a string: {type(v)}")


# aiida-quantumespresso's protocol table (input/README.md "protocol"): k distance 1/angstrom,
# cold smearing Ry, conv_thr Ry/atom
PROTOCOLS = {"fast": (0.30, 0.0275, 4e-10), "balanced": (0.15, 0.02, 2e-10),
             "stringent": (0.10, 0.0125, 1e-10)}
BOHR_A = 0.529177210903


def check_protocol(doc, js, h, log):
    """The values a protocol resolved to, recomputed here from the documented table: the mesh
    n_i = ceil(|b_i| / spacing) (|b_i| with the 2 pi), the smearing, the tolerance x atoms;
    in the JSON parameters, the HDF5 provenance and the log (keys the input gives win)."""
    name = doc["protocol"]
    kdist, degauss_ry, conv_ry = PROTOCOLS[name]
    lat = np.array(doc["structure"]["lattice"]["vectors"], dtype=float)
    if doc["structure"]["lattice"]["unit"] != "bohr":
        lat /= BOHR_A
    rec = 2 * math.pi * np.linalg.inv(lat).T
    want_k = [max(1, math.ceil(np.linalg.norm(b) / (kdist * BOHR_A) - 1e-6)) for b in rec]
    if "kpoints" in doc:
        want_k = doc["kpoints"]["grid"]
    want_w = degauss_ry / 2 if "smearing" not in doc else None
    want_tol = conv_ry / 2 * len(doc["structure"]["atoms"])
    par = js.get("parameters", {})
    check(par.get("protocol") == name, f"parameters.protocol {par.get('protocol')!r}")
    check(par.get("kgrid") == want_k, f"parameters.kgrid {par.get('kgrid')} != {want_k}")
    if want_w is not None:
        check(par.get("smearing") == "marzari-vanderbilt" and
              abs(par.get("smearing_width_ha", 0) - want_w) < 1e-15,
              f"smearing {par.get('smearing')} {par.get('smearing_width_ha')} != cold {want_w} Ha")
    if "energy_tolerance" not in (doc.get("scf") or {}):
        check(abs(par.get("tol_energy_ha", 0) - want_tol) < 1e-22,
              f"tol_energy_ha {par.get('tol_energy_ha')} != {want_tol}")
    g = h["provenance"]
    check(as_bytes(g["protocol"][()]) == name.encode(), "HDF5 provenance/protocol")
    check(list(g["kgrid"][()]) == want_k, f"HDF5 provenance/kgrid {list(g['kgrid'][()])}")
    check(float(g["energy_tolerance"][()]) == par.get("tol_energy_ha") and
          float(g["smearing_width"][()]) == par.get("smearing_width_ha"),
          "HDF5 provenance tolerance/smearing differ from the JSON")
    check(f"# protocol {name} " in log and "k-mesh %dx%dx%d" % tuple(want_k) in log,
          "the log states the protocol's resolved values")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--furui", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--input", default=DEFAULT_INPUT)
    args = ap.parse_args()
    furui = os.path.abspath(args.furui)
    src = os.path.abspath(args.input)
    d = os.path.abspath(os.path.join(args.workdir, "scf_outputs"))
    if os.path.exists(d):
        shutil.rmtree(d)
    os.makedirs(d)

    with open(src, "rb") as f:
        raw = f.read()
    doc = yaml.safe_load(raw)
    prefix = (doc.get("output") or {}).get("prefix") or os.path.splitext(os.path.basename(src))[0]
    natoms = len(doc["structure"]["atoms"]) if "atoms" in doc["structure"] else None

    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               FURUI_FFTW_WISDOM=d + ".fftw.wisdom")  # not in d, whose listing is checked
    env.setdefault("ASAN_OPTIONS", "detect_leaks=0")
    for k, v in (("OMPI_MCA_ess_singleton_isolated", "1"), ("OMPI_MCA_pml", "ob1"),
                 ("OMPI_MCA_btl", "self")):
        env.setdefault(k, v)
    p = subprocess.run([furui, "scf", src], cwd=d, env=env, capture_output=True, timeout=300)
    out, err = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    print(f"furui scf {src}: exit {p.returncode}")
    if not check(p.returncode == 0, f"exit status {p.returncode}, expected 0; stderr:\n{err}"):
        sys.exit(1)
    check(err == "", f"stderr not empty:\n{err}")
    check("== Energy (Ha) ==" in out, "no energy report on stdout")

    files = sorted(os.listdir(d))
    want = sorted([prefix + ".log", prefix + ".json", prefix + ".h5"])
    if not check(files == want, f"files written {files}, expected {want}"):
        sys.exit(1)
    with open(os.path.join(d, prefix + ".log"), encoding="utf-8") as f:
        log = f.read()
    check("== Energy (Ha) ==" in log and "total (free)" in log, "log lacks the energy report")
    check("# ERROR" not in log, "log records an error")

    # ---- JSON
    with open(os.path.join(d, prefix + ".json"), encoding="utf-8") as f:
        js = json.load(f)
    check(js.get("schema") == "furui.scf", f"schema {js.get('schema')!r}")
    check(isinstance(js.get("schema_version"), int), "schema_version is not an integer")
    units = js.get("units", {})
    check(isinstance(units, dict) and units.get("energy") == "Ha" and units.get("length") == "bohr"
          and units.get("force") == "Ha/bohr" and units.get("stress", "").startswith("Ha/bohr^3"),
          f"units {units!r}")
    check(js.get("converged") is True, f"converged {js.get('converged')!r}")
    # warnings: a list; a pressure warning exactly when |P| > 5 GPa (input/README.md)
    warns = js.get("warnings")
    check(isinstance(warns, list) and all(isinstance(w, str) for w in warns), f"warnings {warns!r}")
    if "pressure_gpa" in js and isinstance(warns, list):
        high = abs(js["pressure_gpa"]) > 5.0
        check(high == any(w.startswith("pressure") for w in warns),
              f"pressure {js['pressure_gpa']} GPa, warnings {warns!r}")
        check(high == ("# warning: pressure" in log), "the log repeats the pressure warning")
    e = js.get("energy_ha", {})
    check(set(ENERGY_TERMS) | {"total", "total_per_atom"} <= set(e), f"energy keys {sorted(e)}")
    for k, v in e.items():
        check(isinstance(v, (int, float)) and math.isfinite(v), f"energy_ha.{k} = {v!r}")
    total = e["total"]
    parts = sum(e[k] for k in ENERGY_TERMS)
    check(abs(total - parts) <= 1e-10 * max(1.0, abs(total)),
          f"total {total!r} != sum of terms {parts!r}")
    # the profile accounts for the wall time: every category >= 0, the named ones (not "other")
    # cover at least 90 % of it, and the Hamiltonian's FFT/local part has run
    prof = js.get("profile_seconds", {})
    wall = js.get("wall_seconds", 0.0)
    check(set(prof) == {"setup", "local", "nonlocal", "eigensolver", "density", "potential", "mixing",
                        "forces_stress", "other"}, f"profile categories {sorted(prof)}")
    if prof:
        check(all(v >= -1e-6 for v in prof.values()), f"negative profile time {prof}")
        check(abs(sum(prof.values()) - wall) <= 1e-9 * max(1.0, wall), "profile sums to wall_seconds")
        check(prof["other"] <= 0.1 * wall + 0.01 and prof["local"] > 0,
              f"profile covers the SCF: other {prof['other']:.3f} s of {wall:.3f} s")
    nat = natoms or len(js["structure"]["atoms"])
    check(len(js["structure"]["atoms"]) == nat, "structure.atoms has the wrong length")
    check(abs(e["total_per_atom"] - total / nat) <= 1e-12 * abs(total), "total_per_atom")
    check(math.isfinite(js.get("fermi_level_ha", float("nan"))), "fermi_level_ha not finite")
    eig = np.array(js["eigenvalues_ha"], dtype=float)
    occ = np.array(js["occupations"], dtype=float)
    kw = np.array(js["kweights"], dtype=float)
    kp = np.array(js["kpoints_red"], dtype=float)
    nk, nb = eig.shape
    check(kp.shape == (nk, 3) and kw.shape == (nk,) and occ.shape == (nk, nb),
          f"shapes: eigenvalues {eig.shape}, occupations {occ.shape}, kpoints {kp.shape}, "
          f"kweights {kw.shape}")
    check(nb == js["parameters"]["nband"], "eigenvalues: nband mismatch")
    check(np.all(np.isfinite(eig)) and np.all(np.diff(eig, axis=1) >= -1e-12),
          "eigenvalues not finite or not ascending")
    check(abs(kw.sum() - 1.0) < 1e-12, f"k-weights sum to {kw.sum()!r}")
    nel = float((occ * kw[:, None]).sum())
    check(abs(nel - round(nel)) < 1e-8 and nel > 0, f"occupations sum to {nel} electrons")
    forces = np.array(js["forces_ha_bohr"], dtype=float)
    stress = np.array(js["stress_ha_bohr3"], dtype=float)
    check(forces.shape == (nat, 3) and np.all(np.isfinite(forces)), "forces shape/finite")
    check(np.abs(forces.sum(axis=0)).max() < 1e-8, f"forces do not sum to zero: {forces.sum(0)}")
    check(stress.shape == (3, 3) and np.all(np.isfinite(stress)), "stress shape/finite")
    check(np.abs(stress - stress.T).max() < 1e-12, "stress not symmetric")
    check(js.get("input", "").encode("utf-8") == raw, "JSON input differs from the input file")

    # ---- HDF5
    with h5py.File(os.path.join(d, prefix + ".h5"), "r") as h:
        check(as_bytes(h.attrs.get("schema", b"")) == b"furui.scf",
              f"HDF5 schema attribute {h.attrs.get('schema')!r}")
        check("energy" in h and isinstance(h["energy"], h5py.Group), "no /energy group")
        dsets = []
        h["energy"].visititems(lambda n, o: dsets.append(n) if isinstance(o, h5py.Dataset) else None)
        check(len(dsets) >= len(ENERGY_TERMS) + 1, f"/energy has only {dsets}")
        for n in dsets:
            ds = h["energy"][n]
            u = ds.attrs.get("units")
            if check(u is not None, f"/energy/{n} has no 'units' attribute"):
                check(as_bytes(u) == b"Ha", f"/energy/{n} units {u!r}")
            v = float(ds[()])
            check(math.isfinite(v), f"/energy/{n} = {v!r}")
            if n in e:
                check(v == e[n], f"/energy/{n} = {v!r} but JSON energy_ha.{n} = {e[n]!r}")
        check("total" in dsets and float(h["energy/total"][()]) == total,
              "HDF5 /energy/total differs from the JSON total")
        prov = as_bytes(h["provenance/input"][()])
        check(prov == raw, f"/provenance/input ({len(prov)} bytes) differs from the input file "
              f"({len(raw)} bytes)")
        if "protocol" in doc:
            check_protocol(doc, js, h, log)
        for name, ref in (("eigenvalues", eig), ("forces", forces), ("stress", stress)):
            if check(name in h, f"no /{name}"):
                a = np.array(h[name][()], dtype=float)
                check(a.shape == ref.shape and np.array_equal(a, ref),
                      f"/{name} differs from the JSON")
                check("units" in h[name].attrs, f"/{name} has no 'units' attribute")

    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print(f"ok: {prefix}.log/.json/.h5, E_total = {total:.10f} Ha, {nk} k-points, {nb} bands")


if __name__ == "__main__":
    main()

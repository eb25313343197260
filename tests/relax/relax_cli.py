#!/usr/bin/python3
"""End-to-end tests of `furui relax` (tests/relax/relax_tests.cmake).

  outputs    a small Si cell relaxation writes PREFIX.relax.json, PREFIX.POSCAR
             and PREFIX.cif (and the log), no failure log; the JSON states
             units, converged = true, a stress residual below the tolerance,
             and a lattice in Å equal to the one in bohr × 0.529177; the
             POSCAR lattice agrees with the JSON.
  bad_key    an unknown key in the relax: section: exit code 1, one line on
             stderr naming file:line:relax.key, no output files.
  bad_value  a force_tol without unit: exit 1, one line naming file:line.
  noconv     max_steps 1 on a cell far from equilibrium: exit 2, only
             PREFIX.failed.log (with the last structure), no result files.
  protocol   protocol: fast with force_tol given: force_tol as written, stress_tol
             the protocol's 0.05 GPa (not the default 5e-7 Ha/bohr^3), cold smearing
             0.0275 Ry; the volume change of this cell (-9 %, under 10 %) gives no
             volume warning, and `warnings` is a list in the JSON.
"""
import argparse
import json
import os
import subprocess
import sys

BASE = """structure:
  lattice:
    unit: angstrom
    vectors:
      - [0.0, 2.80, 2.80]
      - [2.80, 0.0, 2.80]
      - [2.80, 2.80, 0.0]
  coordinates: fractional
  atoms:
    - [Si, 0.0, 0.0, 0.0]
    - [Si, 0.25, 0.25, 0.25]
pseudopotentials:
  Si: abinit:14si.4.hgh
xc: lda
ecut: 6 Ha
kpoints: {grid: [2, 2, 2], shift: [0, 0, 0]}
relax:
  cell: true
%s
scf: {energy_tolerance: 1e-10 Ha, density_tolerance: 1e-9}
"""
BOHR = 0.529177210903


def run(furui, workdir, name, relax_extra):
    os.makedirs(workdir, exist_ok=True)
    inp = os.path.join(workdir, name + ".yaml")
    with open(inp, "w") as f:
        f.write(BASE % relax_extra)
    prefix = os.path.join(workdir, name)
    for ext in (".relax.json", ".POSCAR", ".cif", ".relax.log", ".failed.log"):
        if os.path.exists(prefix + ext):
            os.remove(prefix + ext)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               FURUI_FFTW_WISDOM="off")
    p = subprocess.run([furui, "relax", inp, "-o", prefix], capture_output=True, text=True,
                       env=env, timeout=300)
    return p, inp, prefix


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--furui", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("case", choices=["outputs", "bad_key", "bad_value", "noconv", "protocol"])
    a = ap.parse_args()
    if a.case == "outputs":
        p, inp, prefix = run(a.furui, a.workdir, "outputs", "  max_steps: 30\n  stress_tol: 0.01 GPa")
        if p.returncode != 0:
            fail(f"exit {p.returncode}: {p.stderr}")
        for ext in (".relax.json", ".POSCAR", ".cif", ".relax.log"):
            if not os.path.isfile(prefix + ext):
                fail(f"missing {prefix + ext}")
        if os.path.exists(prefix + ".failed.log"):
            fail("failure log written on success")
        j = json.load(open(prefix + ".relax.json"))
        if not j["converged"] or j["units"]["energy"] != "Ha":
            fail("json: converged/units")
        tol = j["settings"]["stress_tol_ha_bohr3"]
        if abs(tol - 0.01 / 29421.015697) > 1e-15:
            fail(f"stress_tol 0.01 GPa read as {tol} Ha/bohr^3")
        fin = j["final"]
        if fin["max_stress_residual_ha_bohr3"] > tol:
            fail("final stress residual above tolerance")
        for r_b, r_a in zip(fin["lattice_bohr"], fin["lattice_angstrom"]):
            for x, y in zip(r_b, r_a):
                if abs(x * BOHR - y) > 1e-12:
                    fail("lattice_angstrom != lattice_bohr * 0.529177")
        lines = open(prefix + ".POSCAR").read().splitlines()
        scale = float(lines[1])
        for i in range(3):
            v = [scale * float(x) for x in lines[2 + i].split()[:3]]
            for x, y in zip(v, fin["lattice_angstrom"][i]):
                if abs(x - y) > 1e-6:
                    fail("POSCAR lattice differs from the JSON")
        if "_cell_length_a" not in open(prefix + ".cif").read():
            fail("cif has no cell")
        if len(j["history"]) != j["nsteps"] or j["nsteps"] < 2:
            fail("history length")
        print("ok:", p.stdout.strip())
    elif a.case in ("bad_key", "bad_value"):
        extra = "  colour: blue" if a.case == "bad_key" else "  force_tol: 1e-4"
        p, inp, prefix = run(a.furui, a.workdir, a.case, extra)
        err = p.stderr.strip().splitlines()
        if p.returncode != 1 or len(err) != 1:
            fail(f"exit {p.returncode}, stderr {p.stderr!r}: want exit 1 and one line")
        want = f"{inp}:19: relax." + ("colour" if a.case == "bad_key" else "force_tol")
        if want not in err[0]:
            fail(f"message {err[0]!r} does not name {want!r}")
        for ext in (".relax.json", ".POSCAR", ".cif", ".failed.log"):
            if os.path.exists(prefix + ext):
                fail(f"{ext} written for bad input")
        print("ok:", err[0])
    elif a.case == "protocol":
        p, inp, prefix = run(a.furui, a.workdir, "protocol",
                             "  max_steps: 30\n  force_tol: 2e-4 Ha/bohr\nprotocol: fast")
        if p.returncode != 0:
            fail(f"exit {p.returncode}: {p.stderr}")
        j = json.load(open(prefix + ".relax.json"))
        st = j["settings"]
        if st["force_tol_ha_bohr"] != 2e-4:
            fail(f"explicit force_tol overridden: {st['force_tol_ha_bohr']}")
        if abs(st["stress_tol_ha_bohr3"] * 29421.015697 - 0.05) > 1e-12:
            fail(f"stress_tol {st['stress_tol_ha_bohr3']} Ha/bohr^3 is not the protocol's 0.05 GPa")
        w = j.get("warnings")
        if not isinstance(w, list) or any("volume" in x for x in w):
            fail(f"warnings {w!r}: want a list without a volume warning")
        v0, v1 = j["history"][0]["volume_bohr3"], j["final"]["volume_bohr3"]
        if abs(v1 / v0 - 1) >= 0.10:
            fail(f"the case assumes a volume change under 10 %: {v1 / v0 - 1:+.3f}")
        log = open(prefix + ".relax.log").read()
        if "# protocol fast" not in log or "marzari-vanderbilt 0.01375 Ha" not in log:
            fail("the log does not state the protocol's resolved values")
        print("ok:", p.stdout.strip())
    else:
        p, inp, prefix = run(a.furui, a.workdir, "noconv", "  max_steps: 1")
        if p.returncode != 2:
            fail(f"exit {p.returncode} (want 2): {p.stderr}")
        for ext in (".relax.json", ".POSCAR", ".cif"):
            if os.path.exists(prefix + ext):
                fail(f"{ext} written for a failed relaxation")
        log = open(prefix + ".failed.log").read()
        if "# ERROR: relax: not converged" not in log or "last structure" not in log:
            fail("failure log lacks the error or the last structure")
        print("ok:", p.stderr.strip())


if __name__ == "__main__":
    main()

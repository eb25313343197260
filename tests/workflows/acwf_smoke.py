#!/usr/bin/python3
"""Smoke test of validation/acwf.py: the whole ACWF pipeline on 2 tiny cases, in a few seconds.

    acwf_smoke.py --furui PATH --workdir DIR

Needs no ../shared: the two structures (diamond Si, fcc Al, XSF in Å) are written here, the
pseudopotentials are the PseudoDojo files of Debian's abinit package, at 14 Ha and a 3x3x3 mesh
(numbers that mean nothing physically; the test is about the plumbing and the arithmetic):
  - the analytic checks of the fit and of eps/nu/Delta (`acwf.py selftest`);
  - prepare -> furui screen -> collect: 7 done volumes per case at 0.94..1.06 x the XSF volume
    (checked against the volume computed here from the lattice vectors), the upstream JSON keys,
    a BM fit whose minimum lies inside the scan, through the fitted points;
  - compare against synthetic references made from the fit: the same curve (eps = nu = Delta = 0)
    and a V0 larger by 1 % with B0, B1 kept (nu = 100 * 2 * 0.01 / 2.01, closed form), written
    for a doubled cell so that the per-cell -> per-atom conversion is exercised;
  - a case also prepared (not run) in a later directory is still collected from the run that is done;
  - `collect --merge` keeps an earlier file's cases that the directories given do not fit;
  - `vs` (ours against the AE reference and one published code) on the same synthetic curves;
  - `prepare --gth cp2k:GTH-PBE`: CP2K's ACWF GTH-PBE entries, checked against the alias GTH-PBE of
    Debian's cp2k-data file, per-element cutoffs, and a sweep furui accepts (dry run);
  - `gbrv.py selftest` (the GBRV parabola fit against a closed form, formula parsing, cell volumes,
    the merge of an earlier results file).
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "..", "validation"))
from testlib import ENV, check, failures  # noqa: E402
import acwf  # noqa: E402

TABLE = "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8"
STRUCTURES = {  # conventional a (Å), primitive fcc vectors, positions (fractions of a)
    "Si-Diamond.xsf": (5.47, [[0.25, 0.25, 0.25]], "14"),
    "Al-FCC.xsf": (4.04, [], "13"),
}


def write_xsf(path, a, extra, z):
    lat = 0.5 * a * np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0]], float)
    pos = [[0.0, 0.0, 0.0]] + [[a * x for x in p] for p in extra]  # Cartesian, Å
    with open(path, "w") as f:
        f.write("CRYSTAL\nPRIMVEC\n")
        for v in lat:
            f.write(" %.10f %.10f %.10f\n" % tuple(v))
        f.write("PRIMCOORD\n %d 1\n" % len(pos))
        for p in pos:
            f.write(" %s %.10f %.10f %.10f\n" % ((z,) + tuple(p)))
    return abs(np.linalg.det(lat))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--furui", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    if not os.path.isdir(TABLE):
        print("skip: %s not installed" % TABLE)
        return 77
    script = os.path.join(HERE, "..", "..", "validation", "acwf.py")
    wd = os.path.abspath(a.workdir)
    shutil.rmtree(wd, ignore_errors=True)
    os.makedirs(os.path.join(wd, "xsf"))
    vol = {}
    for name, (alat, extra, z) in STRUCTURES.items():
        vol[name] = write_xsf(os.path.join(wd, "xsf", name), alat, extra, z)
    py = sys.executable

    def sh(*args):
        p = subprocess.run([py, script] + list(args), cwd=wd, env=ENV, capture_output=True, text=True,
                           timeout=300)
        print("$ acwf.py %s -> %d\n%s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr[-3000:]))
        check(p.returncode == 0, "acwf.py %s exits 0" % args[0])
        return p

    sh("selftest")
    cases = ["Si-X/Diamond", "Al-X/FCC"]
    sh("prepare", *cases, "-o", "run", "--table", TABLE, "--cutoff", "14", "--grid", "3", "3", "3",
       "--structures", os.path.join(wd, "xsf"), "--allow-unconverged")
    sh("run", "run", "--furui", os.path.abspath(a.furui), "--nice", "0")
    # a second directory holding Al-X/FCC on another mesh, not run: collect must keep the first
    # directory's finished case (a case is taken from the last directory where it is done)
    sh("prepare", "Al-X/FCC", "-o", "run2", "--table", TABLE, "--cutoff", "14", "--grid", "4", "4", "4",
       "--structures", os.path.join(wd, "xsf"), "--allow-unconverged")
    sh("collect", "run", "run2", "--label", "smoke", "-o", "out")
    res = json.load(open(os.path.join(wd, "out", "results-unaries-verification-PBE-v1-smoke.json")))
    for key in ("BM_fit_data", "eos_data", "num_atoms_in_sim_cell", "script_version", "set_name"):
        check(key in res, "upstream key %s present" % key)
    for case, xsf, nat in (("Si-X/Diamond", "Si-Diamond.xsf", 2), ("Al-X/FCC", "Al-FCC.xsf", 1)):
        pts = res["eos_data"].get(case, [])
        if not check(len(pts) == 7, "%s: 7 volumes done (got %d)" % (case, len(pts))):
            continue
        v = np.array([p[0] for p in pts])
        check(np.allclose(v, np.array(acwf.VOLUME_FACTORS) * vol[xsf], rtol=1e-9, atol=0),
              "%s: volumes are 0.94..1.06 x the XSF cell volume" % case)
        fit = res["BM_fit_data"][case]
        check(res["num_atoms_in_sim_cell"][case] == nat, "%s: %d atoms" % (case, nat))
        check(v[0] < fit["min_volume"] < v[-1] and fit["bulk_modulus_ev_ang3"] > 0 and fit["residuals"] < 1e-6,
              "%s: minimum inside the scan, B0 > 0, the fit passes through the points" % case)
        check(res["furui"]["cases"][case]["cpu_seconds"] is not None, "%s: CPU time recorded" % case)
        check(res["furui"]["cases"][case]["kgrid"] == [3, 3, 3], "%s: taken from the run that is done" % case)
    # --merge: run2 fits nothing (Al prepared, not run), so a plain collect of it loses both
    # cases and a merging one keeps them; a case fitted again replaces its earlier (here altered) fit
    results_path = os.path.join(wd, "out", "results-unaries-verification-PBE-v1-smoke.json")
    for d in ("out_plain", "out_merge"):
        shutil.copytree(os.path.join(wd, "out"), os.path.join(wd, d))
    sh("collect", "run2", "--label", "smoke", "-o", "out_plain")
    sh("collect", "run2", "--label", "smoke", "-o", "out_merge", "--merge")
    plain = json.load(open(results_path.replace("/out/", "/out_plain/")))
    merged = json.load(open(results_path.replace("/out/", "/out_merge/")))
    check(not plain["BM_fit_data"] and plain["missing_outputs"] == ["Al-X/FCC"],
          "collect without --merge rewrites the file with only the directories given")
    check(merged["BM_fit_data"] == res["BM_fit_data"] and merged["eos_data"] == res["eos_data"]
          and merged["furui"]["cases"] == res["furui"]["cases"] and not merged["missing_outputs"],
          "collect --merge keeps the earlier cases the directories do not fit")
    altered = json.load(open(results_path))
    altered["BM_fit_data"]["Si-X/Diamond"]["min_volume"] *= 1.01
    json.dump(altered, open(results_path.replace("/out/", "/out_merge/"), "w"))
    sh("collect", "run", "--label", "smoke", "-o", "out_merge", "--merge")
    check(json.load(open(results_path.replace("/out/", "/out_merge/")))["BM_fit_data"] == res["BM_fit_data"],
          "collect --merge: a case fitted again replaces the earlier fit")
    # synthetic references made from the fit: per-cell volumes of a doubled cell
    same = {"BM_fit_data": {}, "num_atoms_in_sim_cell": {}}
    shifted = {"BM_fit_data": {}, "num_atoms_in_sim_cell": {}}
    for case, fit in res["BM_fit_data"].items():
        n = res["num_atoms_in_sim_cell"][case]
        same["BM_fit_data"][case] = dict(fit, min_volume=2 * fit["min_volume"])
        shifted["BM_fit_data"][case] = dict(fit, min_volume=2 * 1.01 * fit["min_volume"])
        same["num_atoms_in_sim_cell"][case] = shifted["num_atoms_in_sim_cell"][case] = 2 * n
    json.dump(same, open(os.path.join(wd, "same.json"), "w"))
    json.dump(shifted, open(os.path.join(wd, "shifted.json"), "w"))
    results = os.path.join("out", "results-unaries-verification-PBE-v1-smoke.json")
    sh("compare", results, "--ref", "same.json", "--no-published", "--json", "same_summary.json")
    sh("compare", results, "--ref", "shifted.json", "--no-published", "--json", "shifted_summary.json",
       "--table-md", "table.md", "--heatmap", "map")
    s0 = json.load(open(os.path.join(wd, "same_summary.json")))
    s1 = json.load(open(os.path.join(wd, "shifted_summary.json")))
    check(s0["n"] == 2 and s1["n"] == 2, "both cases compared")
    want_nu = 100 * 2 * 0.01 / 2.01
    for case in cases:
        m0, m1 = s0["cases"].get(case, {}), s1["cases"].get(case, {})
        check(m0 and max(m0["eps"], m0["nu"], m0["delta_mev_per_atom"]) < 1e-12,
              "%s: eps = nu = Delta = 0 against its own curve" % case)
        check(m1 and abs(m1["nu"] - want_nu) < 1e-12, "%s: nu = %.12f for V0 + 1 %% (got %s)" % (
            case, want_nu, m1.get("nu")))
        check(m1 and m1["eps"] > 0.01, "%s: eps > 0 for a shifted V0" % case)
    check(os.path.exists(os.path.join(wd, "map-epsilon.png")) and os.path.exists(os.path.join(wd, "map-nu.png")),
          "heat maps written")
    check(sum(1 for ln in open(os.path.join(wd, "table.md")) if ln.startswith("| ")) == 3, "table has 2 rows")
    # vs: ours against the AE stand-in (the same curve) and a "published code" (V0 + 1 %): eps(ours, AE)
    # = 0, so the difference is minus the code's eps, and the direct comparison is that same eps
    sh("vs", results, "--ref", "same.json", "--published", "shifted.json", "--json", "vs.json")
    vs = json.load(open(os.path.join(wd, "vs.json")))
    for case in cases:
        r = vs["cases"].get(case, {})
        check(r and r["eps_ours_ae"] < 1e-12 and abs(r["difference"] + r["eps_published_ae"]) < 1e-12
              and abs(r["eps_ours_published"] - s1["cases"][case]["eps"]) < 1e-12
              and abs(r["nu_ours_published"] - want_nu) < 1e-12,
              "%s: vs: eps vs AE 0, difference = -eps(code), direct eps/nu = the shifted curve's" % case)
    # --gth cp2k:GTH-PBE: CP2K's ACWF entries per element; each must be the entry that Debian's
    # cp2k-data file marks with the alias GTH-PBE (the default CP2K uses), and furui must accept the sweep
    gth = "/usr/share/cp2k/GTH_POTENTIALS"
    if os.path.exists(gth):
        alias = {}
        for ln in open(gth):
            w = ln.split()
            if len(w) > 2 and not ln.startswith("#") and "GTH-PBE" in w[2:]:
                alias[w[0]] = w[1]
        bad = [el for el, q in acwf.CP2K_ACWF_Q.items() if alias.get(el) != "GTH-PBE-q%d" % q]
        check(not bad, "CP2K ACWF GTH-PBE entries are the file's GTH-PBE aliases (differ: %s)" % bad)
        sh("prepare", *cases, "-o", "gth", "--gth", "cp2k:GTH-PBE", "--element-cutoffs", "Si=12,Al=10",
           "--grid", "2", "2", "2", "--structures", os.path.join(wd, "xsf"))
        y0 = open(os.path.join(wd, "gth", "g000.yaml")).read()
        y1 = open(os.path.join(wd, "gth", "g001.yaml")).read()
        check('Si: "cp2k:GTH-PBE-q4"' in y0 and "ecut: 12 Ha" in y0 and 'Al: "cp2k:GTH-PBE-q3"' in y1
              and "ecut: 10 Ha" in y1, "GTH sweeps: per-element entries and cutoffs")
        # gthpick's radii (its cutoff estimate) against the ABINIT-format copy of the Si entry
        # (tests/abinit/psp/14si.4.gthpbe: rloc, then rs and rp on the lines that start with them)
        ab = open(os.path.join(HERE, "..", "abinit", "psp", "14si.4.gthpbe")).read().splitlines()
        want = [float(ab[3].split()[0]), float(ab[5].split()[0]), float(ab[7].split()[0])]
        got = acwf.gth_radii(gth, "Si", 4)
        check(got is not None and len(got) == 3 and max(abs(x - y) for x, y in zip(got, want)) < 1e-8,
              "gth_radii: Si GTH-PBE-q4 r_loc, r_s, r_p = the ABINIT file's %s (got %s)" % (want, got))
        d = subprocess.run([os.path.abspath(a.furui), "screen", "g000.yaml", "--dry-run"], cwd=os.path.join(wd, "gth"),
                           env=ENV, capture_output=True, text=True, timeout=120)
        check(d.returncode == 0 and "GTH_POTENTIALS" in d.stdout, "furui screen --dry-run accepts the GTH sweep")
    g = subprocess.run([py, os.path.join(HERE, "..", "..", "validation", "gbrv.py"), "selftest"], env=ENV,
                       capture_output=True, text=True, timeout=120)
    print("$ gbrv.py selftest -> %d\n%s%s" % (g.returncode, g.stdout, g.stderr[-3000:]))
    check(g.returncode == 0, "gbrv.py selftest (parabola fit, formulas, cell volumes) exits 0")
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

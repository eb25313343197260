#!/usr/bin/python3
"""Run ABINIT and furui on the same system and compare them term by term.

    /usr/bin/python3 validation/compare_with_abinit.py [options] SYSTEM.json [SYSTEM.json ...]

A system file holds a "case" dict in the format of shared/reference/abinit/*.json
(see validation/README.md): lattice rows in bohr, xred, typat (1-based),
species = pseudopotential file names, ecut in Ha, kgrid, shift, nband,
occopt (1, 3, 4, 5, 6, 7), tsmear; optional ixc (1 = Teter LDA, default; 11 or
-101130 = PBE; -20 = libxc Teter93, furui's "lda"), xc (furui's xc when ixc
has no entry in XC_OF_IXC), nsppol 2 with spin_moments (collinear spin, one
initial moment in μB per species), psp_dir (where the species files are, default
/usr/share/abinit/psp; a relative path is relative to the system file) and abinit_extra (more ABINIT input lines, e.g.
"chksymbreak 0").

For each system:
  1. ABINIT (/usr/bin/abinit, kptopt 1, toldfe 1e-11, prteig 1) runs with
     nband + EXTRA bands (default 4): ABINIT converges on the energy and leaves
     its highest bands loose, so the compared bands must not be its last ones.
     Parsed: etotal and the energy terms (last "--- !EnergyTerms" block of the
     .abo), cartesian_forces, cartesian_stress_tensor and fermie (last
     "--- !ResultsGS" block), ngfft (log), irreducible k-points, weights and
     eigenvalues (_EIG file; 5 decimals). When h5py is importable the same
     quantities are also read at full precision from the _GSR.nc file (HDF5)
     and used for the comparison; the text values are checked against them.
  2. furui runs on ABINIT's FFT grid with the case's nband.
  3. Comparison, with these tolerances:
       total energy  1e-6 Ha/atom   same discretisation, same physics
       each term     1e-5 Ha        kinetic, hartree, xc, ewald, psp_core,
                                    local_psp, nonlocal_psp, -kT*entropy
       Fermi level   2e-5 Ha        (smearing only)
       eigenvalues   2e-5 Ha        every compared band at every k-point; each
                                    ABINIT k matched to a furui k equivalent
                                    under the space group (spglib) and time reversal
       forces        2e-5 Ha/bohr   max |component difference|, twice: furui's forces
                                    minus their mean vs ABINIT's cartesian_forces
                                    (which have the mean force removed), and furui's
                                    raw forces vs -L^-1 dE/dxred from ABINIT's
                                    "dE/dt below" block (raw gradients)
       stress        1e-6 Ha/bohr^3 max |component difference|
       magnetization 1e-5 μB        nsppol 2 only: ∫(ρ↑ - ρ↓), ABINIT's "Magnetization
                                    (Bohr magneton)" line; eigenvalues are then
                                    compared in both spin channels
       k-points      same count of irreducible points, same sorted weights
     plus a well-posedness check: ABINIT's occupations of the extra bands must
     be negligible (< 1e-9), otherwise the two runs do not describe the same
     smeared system.
Wall times of both codes are printed for information (1 MPI rank each,
OMP_NUM_THREADS=1). The exit status is non-zero if any check fails.

Options: --furui PATH (default: build-val/furui, then build/furui), --abinit PATH,
--workdir DIR (default: a temporary directory, removed unless --keep),
--extra-bands N, --markdown (summary as a Markdown table), --json FILE (all
numbers, for the README), --skip-without-abinit (exit 77 if ABINIT is missing;
used by the CTest "peer" tests).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import spglib
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import abinit_case  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

TOL_ETOT_PER_ATOM = 1e-6
TOL_TERM = 1e-5
TOL_FERMI = 2e-5
TOL_EIG = 2e-5
TOL_FORCE = 2e-5
TOL_STRESS = 1e-6
TOL_WEIGHT = 1e-9      # full-precision weights (GSR); 1e-4 when only the 5-decimal text exists
TOL_EXTRA_OCC = 1e-9
TOL_MAG = 1e-5         # μB; same discretisation and functional (measured 4e-8 on bcc Fe)

# furui's energy_ha key -> ABINIT's EnergyTerms key
TERMS = [("kinetic", "kinetic"), ("hartree", "hartree"), ("xc", "xc"), ("ewald", "Ewald energy"),
         ("psp_core", "psp_core"), ("local_psp", "local_psp"), ("nonlocal_psp", "non_local_psp"),
         ("minus_kt_entropy", "-kT*entropy")]

XC_OF_IXC = {1: "lda", -20: "lda", 11: "pbe", -101130: "pbe"}

ENV = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")


# ----------------------------------------------------------------------------------------
# ABINIT output parsers

def _yaml_blocks(text, tag):
    """Bodies of all '--- !TAG' ... '...' YAML documents in an ABINIT text output."""
    out = []
    for m in re.finditer(r"^--- !%s\s*\n(.*?)^\.\.\.\s*$" % re.escape(tag), text, re.S | re.M):
        out.append(m.group(1))
    return out


def parse_energy_terms(abo_text):
    """Last EnergyTerms block: {key: float}; quoted keys ('-kT*entropy') unquoted."""
    blocks = _yaml_blocks(abo_text, "EnergyTerms")
    if not blocks:
        raise RuntimeError("no '--- !EnergyTerms' block in the ABINIT output")
    terms = {}
    for line in blocks[-1].splitlines():
        m = re.match(r"^\s*(.+?)\s*:\s*([-+]?[0-9.]+(?:[EeDd][-+]?\d+)?)\s*$", line)
        if m:
            terms[m.group(1).strip("'\"")] = float(m.group(2).replace("D", "E").replace("d", "e"))
    return terms


def parse_results_gs(abo_text):
    """Last ResultsGS block as a dict (etotal, fermie, cartesian_forces, ...)."""
    blocks = _yaml_blocks(abo_text, "ResultsGS")
    if not blocks:
        raise RuntimeError("no '--- !ResultsGS' block in the ABINIT output")
    return yaml.safe_load(blocks[-1])


def parse_dedt(abo_text, natom):
    """Last 'rms dE/dt=... dE/dt below' block: gradients dE/dxred [natom,3] (12 decimals).

    These are the raw gradients; ABINIT's cartesian_forces have the mean force
    (printed as 'avg' on the 'frms,max,avg=' line) subtracted from every atom."""
    pos = abo_text.rfind("dE/dt below")
    if pos < 0:
        raise RuntimeError("no 'dE/dt below' block in the ABINIT output")
    lines = abo_text[pos:].splitlines()[1:natom + 1]
    return np.array([[float(x) for x in l.split()[1:4]] for l in lines])


def parse_ngfft(log_text):
    """ABINIT's FFT grid from the echo of the variables ('ngfft  n1 n2 n3') in the log."""
    found = re.findall(r"^\s*ngfft\s+(\d+)\s+(\d+)\s+(\d+)\s*$", log_text, re.M)
    if not found:
        raise RuntimeError("no 'ngfft' line in the ABINIT log")
    return [int(x) for x in found[-1]]


def parse_eig(eig_text):
    """_EIG file: (kpoints_red [nk,3] (4 decimals), weights [nk] (5 decimals), eig [nk,nb])."""
    kpts, wts, eigs = [], [], []
    cur = None
    for line in eig_text.splitlines():
        m = re.match(r"^\s*kpt#\s*(\d+),\s*nband=\s*(\d+),\s*wtk=\s*([-+0-9.Ee]+),\s*kpt=\s*"
                     r"([-+0-9.Ee]+)\s+([-+0-9.Ee]+)\s+([-+0-9.Ee]+)", line)
        if m:
            cur = []
            eigs.append(cur)
            wts.append(float(m.group(3)))
            kpts.append([float(m.group(i)) for i in (4, 5, 6)])
            continue
        if cur is not None and re.match(r"^\s*[-+0-9.Ee\s]+$", line) and line.strip():
            cur.extend(float(x) for x in line.split())
    if not eigs:
        raise RuntimeError("no k-points in the _EIG file")
    return np.array(kpts), np.array(wts), np.array(eigs)


def parse_magnetization(abo_text):
    """Last 'Magnetization (Bohr magneton)=' value of a nsppol 2 run (μB per cell)."""
    found = re.findall(r"Magnetization \(Bohr magneton\)=\s*([-+0-9.EeDd]+)", abo_text)
    if not found:
        raise RuntimeError("no 'Magnetization (Bohr magneton)' line in the ABINIT output")
    return float(found[-1].replace("D", "E").replace("d", "e"))


def read_gsr(path):
    """Full-precision results from ABINIT's _GSR.nc (netCDF-4 = HDF5), or None."""
    try:
        import h5py
    except ImportError:
        return None
    if not os.path.exists(path):
        return None
    with h5py.File(path, "r") as f:
        g = {k: np.array(f[k]) for k in ("eigenvalues", "occupations", "kpoint_weights",
                                         "reduced_coordinates_of_kpoints", "cartesian_forces",
                                         "cartesian_stress_tensor", "fermie", "etotal")}
    return g


def run_abinit(case, workdir, abinit, extra_bands):
    # a fresh directory: ABINIT does not overwrite an existing run.abo (it writes run.abo0001),
    # so a rerun in the same place would otherwise be parsed from the stale file
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    nb = case["nband"] + extra_bands
    text = abinit_case.abinit_input(case, ixc=case.get("ixc", 1), nband=nb, prteig=True,
                                    pp_dirpath=case.get("psp_dir"),
                                    extra=case.get("abinit_extra", ""))
    with open(os.path.join(workdir, "run.abi"), "w") as f:
        f.write(text)
    t0 = time.monotonic()
    with open(os.path.join(workdir, "log"), "w") as log:
        p = subprocess.run([abinit, "run.abi"], cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
                           env=ENV, timeout=3600)
    wall = time.monotonic() - t0
    with open(os.path.join(workdir, "log")) as f:
        log_text = f.read()
    if p.returncode != 0 or not os.path.exists(os.path.join(workdir, "run.abo")):
        raise RuntimeError("ABINIT failed (exit %d); end of its log:\n%s" %
                           (p.returncode, log_text[-3000:]))
    with open(os.path.join(workdir, "run.abo")) as f:
        abo = f.read()
    with open(os.path.join(workdir, "runo_EIG")) as f:
        kt, wt, et = parse_eig(f.read())
    # nsppol 2: the _EIG file lists all k-points for spin up, then again for spin down
    nsppol = case.get("nsppol", 1)
    nk = len(wt) // nsppol
    kt, wt, et = kt[:nk], wt[:nk], et.reshape(nsppol, nk, -1)
    rgs = parse_results_gs(abo)
    res = dict(terms=parse_energy_terms(abo), etotal=float(rgs["etotal"]),
               fermie=float(rgs["fermie"]),
               forces=np.array([r[:3] for r in rgs["cartesian_forces"]], dtype=float),
               stress=np.array([r[:3] for r in rgs["cartesian_stress_tensor"]], dtype=float),
               dedt=parse_dedt(abo, len(case["xred"])),
               ngfft=parse_ngfft(log_text), kpts=kt, weights=wt, eig=et, occ=None,
               precision="text (_EIG: 5 decimals)", wall=wall, nband_run=nb, text_checks=[],
               magnetization=parse_magnetization(abo) if nsppol == 2 else None)
    gsr = read_gsr(os.path.join(workdir, "runo_GSR.nc"))
    if gsr is not None:
        eig = gsr["eigenvalues"]             # [nsppol][nkpt][nband]
        k = gsr["reduced_coordinates_of_kpoints"]
        w = gsr["kpoint_weights"]
        # the text must say the same, to its printed precision
        res["text_checks"] = [
            ("EIG text k-points vs GSR", float(np.max(np.abs(kt - k))), 5.1e-5),
            ("EIG text weights vs GSR", float(np.max(np.abs(wt - w))), 5.1e-6),
            ("EIG text eigenvalues vs GSR", float(np.max(np.abs(et - eig))), 5.1e-6),
            ("YAML forces vs GSR", float(np.max(np.abs(res["forces"] - gsr["cartesian_forces"]))),
             1e-8 * max(1.0, float(np.max(np.abs(res["forces"]))) * 1e2)),
        ]
        s = gsr["cartesian_stress_tensor"]   # Voigt: xx yy zz yz xz xy
        full = np.array([[s[0], s[5], s[4]], [s[5], s[1], s[3]], [s[4], s[3], s[2]]])
        res["text_checks"].append(("YAML stress vs GSR", float(np.max(np.abs(res["stress"] - full))),
                                   1e-12 + 1e-8 * float(np.max(np.abs(full)))))
        res.update(kpts=k, weights=w, eig=eig, forces=gsr["cartesian_forces"],
                   stress=full, fermie=float(gsr["fermie"]), precision="GSR.nc (full precision)")
        res["occ"] = gsr["occupations"]      # [nsppol][nkpt][nband]
    return res


# ----------------------------------------------------------------------------------------
# furui

def default_furui():
    for d in ("build-val", "build"):
        p = os.path.join(ROOT, d, "furui")
        if os.access(p, os.X_OK):
            return p
    return "furui"


def run_furui(case, workdir, furui, ngfft):
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    prefix = os.path.join(workdir, "furui")
    inp = os.path.join(workdir, "furui.yaml")
    xc = case.get("xc") or XC_OF_IXC.get(case.get("ixc", 1))
    if xc is None:
        raise RuntimeError("ixc %s: no furui xc equivalent known; give \"xc\" in the case" %
                           case.get("ixc"))
    with open(inp, "w") as f:
        f.write(abinit_case.furui_input(case, fft=ngfft, prefix=prefix, xc=xc))
    env = dict(ENV)
    if case.get("psp_dir"):
        env["FURUI_ABINIT_PSP_DIR"] = case["psp_dir"]
    t0 = time.monotonic()
    p = subprocess.run([furui, "scf", inp], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, env=env, timeout=3600)
    wall = time.monotonic() - t0
    if p.returncode != 0:
        raise RuntimeError("furui failed (exit %d):\n%s\n%s" % (p.returncode, p.stdout[-3000:],
                                                               p.stderr[-3000:]))
    with open(prefix + ".json") as f:
        out = json.load(f)
    out["_wall"] = wall
    return out


# ----------------------------------------------------------------------------------------
# comparison

def point_group(case):
    cell = (np.array(case["lattice"], dtype=float), np.array(case["xred"], dtype=float),
            case["typat"])
    return spglib.get_symmetry(cell, symprec=1e-5)["rotations"]


def equivalent(k1, k2, rotations, atol=1e-6):
    """k2 = ±S k1 + G for a rotation of the space group (S = R^T in reduced coordinates)."""
    for r in rotations:
        for s in (1, -1):
            d = s * (r.T @ k1) - k2
            if np.allclose(d, np.round(d), atol=atol):
                return True
    return False


class Report:
    def __init__(self):
        self.rows = []
        self.failures = 0

    def check(self, what, got, want, tol, fmt="%.10f"):
        diff = abs(got - want)
        ok = bool(diff <= tol)
        self.failures += not ok
        print("  %s %-38s furui %s  abinit %s  diff %.2e  tol %.0e" %
              ("PASS" if ok else "FAIL", what, fmt % got, fmt % want, diff, tol))
        return diff

    def maxdiff(self, what, diff, tol):
        ok = bool(diff <= tol)
        self.failures += not ok
        print("  %s %-38s max |diff| %.2e  tol %.0e" % ("PASS" if ok else "FAIL", what, diff, tol))
        return diff


def compare_system(path, a):
    with open(path) as f:
        sysdef = json.load(f)
    case = dict(sysdef.get("case", sysdef))
    if case.get("psp_dir") and not os.path.isabs(case["psp_dir"]):   # relative to the system file
        case["psp_dir"] = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(path)),
                                                        case["psp_dir"]))
    name = case.get("name") or os.path.splitext(os.path.basename(path))[0]
    natom = len(case["xred"])
    work = os.path.join(a.workdir, name)
    print("=" * 100)
    print("%s  (%s)" % (name, path))
    if sysdef.get("description"):
        print("  " + sysdef["description"])
    rep = Report()
    summary = dict(name=name, natom=natom, status="ERROR")
    try:
        ab = run_abinit(case, os.path.join(work, "abinit"), a.abinit, a.extra_bands)
        fu = run_furui(case, os.path.join(work, "furui"), a.furui, ab["ngfft"])
    except (RuntimeError, subprocess.TimeoutExpired, OSError) as e:
        print("  ERROR " + str(e))
        return summary, 1
    print("  ABINIT: ngfft %s, %d irreducible k, %d bands run, eigenvalues from %s, wall %.2f s" %
          (ab["ngfft"], len(ab["weights"]), ab["nband_run"], ab["precision"], ab["wall"]))
    print("  furui:  fft %s, %d irreducible k, %d bands, %d SCF iterations, wall %.2f s" %
          (fu["parameters"]["fft_grid"], len(fu["kweights"]), fu["parameters"]["nband"],
           fu["scf"]["iterations"], fu["_wall"]))
    for what, d, tol in ab["text_checks"]:
        rep.maxdiff("(abinit) " + what, d, tol)

    # energies
    e = fu["energy_ha"]
    de = rep.check("total energy per atom", e["total"] / natom, ab["terms"]["total_energy"] / natom,
                   TOL_ETOT_PER_ATOM)
    # internal consistency of the parsed ABINIT output (ResultsGS prints 9 significant digits)
    rep.maxdiff("(abinit) etotal ResultsGS vs EnergyTerms", abs(ab["etotal"] - ab["terms"]["total_energy"]),
                1e-8 * max(1.0, abs(ab["etotal"])))
    dterm = 0.0
    for mine, theirs in TERMS:
        want = ab["terms"].get(theirs, 0.0)
        dterm = max(dterm, rep.check("term " + mine, e[mine], want, TOL_TERM))
    dfermi = None
    if case.get("occopt", 1) != 1:
        dfermi = rep.check("Fermi level", fu["fermi_level_ha"], ab["fermie"], TOL_FERMI)

    nb = case["nband"]
    if ab["occ"] is not None and ab["nband_run"] > nb:
        rep.maxdiff("(abinit) occupation above band %d" % nb, float(np.max(ab["occ"][..., nb:])),
                    TOL_EXTRA_OCC)

    # k-points
    kf, wf = np.array(fu["kpoints_red"]), np.array(fu["kweights"])
    ka, wa = ab["kpts"], ab["weights"]
    tolw = TOL_WEIGHT if ab["occ"] is not None else 1e-4
    rep.check("number of irreducible k-points", len(kf), len(ka), 0, fmt="%d")
    deig = None
    if len(kf) == len(ka):
        rep.maxdiff("sorted k weights", float(np.max(np.abs(np.sort(wf) - np.sort(wa)))), tolw)
        rots = point_group(case)
        eig_f = np.array(fu["eigenvalues_ha"])
        if eig_f.ndim == 2:                  # unpolarised: no spin axis in furui's JSON
            eig_f = eig_f[None]
        if eig_f.shape[0] != ab["eig"].shape[0]:
            rep.failures += 1
            print("  FAIL spin channels: furui %d, ABINIT %d" % (eig_f.shape[0], ab["eig"].shape[0]))
            eig_f = eig_f[:1]
        deig, worst_at, unmatched, dw = 0.0, None, 0, 0.0
        katol = 1e-6 if ab["occ"] is not None else 1e-3
        used = set()
        for i, k in enumerate(ka):
            js = [j for j in range(len(kf)) if equivalent(kf[j], k, rots, katol)]
            if not js:
                unmatched += 1
                print("  FAIL ABINIT k-point %s has no equivalent furui k-point" % np.round(k, 6))
                continue
            j = js[0]
            used.add(j)
            dw = max(dw, abs(wf[j] - wa[i]))
            d = np.abs(eig_f[:, j, :nb] - ab["eig"][:eig_f.shape[0], i, :nb])
            if d.max() > deig:
                deig, worst_at = float(d.max()), (i, int(np.argmax(d)) % nb)
        rep.failures += unmatched
        rep.maxdiff("weights of matched k-points", dw, tolw)
        rep.check("distinct furui k-points matched", len(used), len(ka), 0, fmt="%d")
        rep.maxdiff("eigenvalues (%d bands)" % nb, deig, TOL_EIG)
        if worst_at and deig > TOL_EIG:
            print("       worst at ABINIT k #%d %s band %d" % (worst_at[0] + 1, ka[worst_at[0]],
                                                          worst_at[1] + 1))
    # ABINIT's cartesian_forces have the mean force removed (its 'frms,max,avg=' line); the
    # net force of a plane-wave calculation is the egg-box error of the xc term on the FFT
    # grid. Compare both conventions: furui's forces minus their mean vs cartesian_forces,
    # and furui's raw forces vs ABINIT's raw gradients F = -L^-1 dE/dxred.
    # furui, like ABINIT, reports forces with the mean removed and states the removed
    # net force; its raw forces are rebuilt from that.
    ff_mean_removed = np.array(fu["forces_ha_bohr"])
    net_removed = np.array(fu.get("net_force_removed_ha_bohr", [0.0, 0.0, 0.0]))
    ff = ff_mean_removed + net_removed / len(ff_mean_removed)
    lat = np.array(case["lattice"], dtype=float)
    raw_ab = -np.linalg.solve(lat, ab["dedt"].T).T
    net = ff.sum(axis=0)
    vec = lambda v: "(%s)" % ", ".join("%.3e" % x for x in v)  # noqa: E731
    print("  net force (sum over atoms): furui %s, ABINIT (raw dE/dt) %s Ha/bohr" %
          (vec(net), vec(raw_ab.sum(axis=0))))
    dforce = rep.maxdiff("forces, mean removed (cartesian_forces)",
                         float(np.max(np.abs(ff - ff.mean(axis=0) - ab["forces"]))), TOL_FORCE)
    dforce = max(dforce, rep.maxdiff("forces, raw (ABINIT dE/dt)",
                                     float(np.max(np.abs(ff - raw_ab))), TOL_FORCE))
    dstress = rep.maxdiff("stress (Ha/bohr^3)",
                          float(np.max(np.abs(np.array(fu["stress_ha_bohr3"]) - ab["stress"]))),
                          TOL_STRESS)
    print("  max |force| %.3e Ha/bohr, max |stress| %.3e Ha/bohr^3" %
          (float(np.max(np.abs(ab["forces"]))), float(np.max(np.abs(ab["stress"])))))
    dmag = None
    if ab["magnetization"] is not None:
        dmag = rep.check("magnetization (Bohr magneton)", fu.get("magnetization_mub", float("nan")),
                         ab["magnetization"], TOL_MAG, fmt="%.8f")
    print("  %s: %d failed check(s)" % (name, rep.failures))
    summary.update(status="PASS" if rep.failures == 0 else "FAIL", failures=rep.failures,
                   nk=len(ka), nk_furui=len(kf), ngfft=ab["ngfft"], nband=nb, occopt=case.get("occopt", 1),
                   etot=ab["terms"]["total_energy"], de_per_atom=de, dterm=dterm, dfermi=dfermi,
                   deig=deig, dforce=dforce, dstress=dstress, dmag=dmag,
                   max_force=float(np.max(np.abs(ab["forces"]))),
                   max_stress=float(np.max(np.abs(ab["stress"]))),
                   wall_abinit=ab["wall"], wall_furui=fu["_wall"], scf_iterations=fu["scf"]["iterations"])
    return summary, rep.failures


def fmt(x, f="%.1e"):
    return "—" if x is None else f % x


def print_summary(rows, markdown):
    head = ["system", "atoms", "occopt", "irr. k", "FFT", "E_tot (Ha)", "|ΔE|/atom", "max |Δterm|",
            "|ΔE_F|", "max |Δε|", "max |ΔF|", "max |Δσ|", "ABINIT s", "furui s", "result"]
    lines = []
    for r in rows:
        if r["status"] == "ERROR":
            lines.append([r["name"], str(r["natom"])] + ["—"] * 12 + ["ERROR"])
            continue
        lines.append([r["name"], str(r["natom"]), str(r["occopt"]), str(r["nk"]),
                      "x".join(map(str, r["ngfft"])), "%.8f" % r["etot"], fmt(r["de_per_atom"]),
                      fmt(r["dterm"]), fmt(r["dfermi"]), fmt(r["deig"]), fmt(r["dforce"]),
                      fmt(r["dstress"]), "%.1f" % r["wall_abinit"], "%.1f" % r["wall_furui"],
                      r["status"]])
    print()
    if markdown:
        esc = lambda c: c.replace("|", "\\|")  # noqa: E731
        print("| " + " | ".join(map(esc, head)) + " |")
        print("|" + "|".join("---" for _ in head) + "|")
        for l in lines:
            print("| " + " | ".join(map(esc, l)) + " |")
    else:
        w = [max(len(h), *(len(l[i]) for l in lines)) for i, h in enumerate(head)]
        print("  ".join(h.ljust(w[i]) for i, h in enumerate(head)))
        for l in lines:
            print("  ".join(c.ljust(w[i]) for i, c in enumerate(l)))
    done = [r for r in rows if r["status"] != "ERROR"]
    if done:
        print("\nmax deviations: |ΔE|/atom %.1e Ha, term %.1e Ha, eigenvalue %.1e Ha, force %.1e Ha/bohr, "
              "stress %.1e Ha/bohr^3" % (max(r["de_per_atom"] for r in done),
                                         max(r["dterm"] for r in done),
                                         max((r["deig"] or 0) for r in done),
                                         max(r["dforce"] for r in done),
                                         max(r["dstress"] for r in done)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("systems", nargs="+", help="system definition files (JSON)")
    ap.add_argument("--furui", default=default_furui())
    ap.add_argument("--abinit", default=shutil.which("abinit") or "/usr/bin/abinit")
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--keep", action="store_true", help="keep the temporary work directory")
    ap.add_argument("--extra-bands", type=int, default=4)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--json", default=None, help="write the summary rows to this file")
    ap.add_argument("--skip-without-abinit", action="store_true",
                    help="exit 77 (CTest's skip code) when the ABINIT executable is missing")
    a = ap.parse_args()
    if a.skip_without_abinit and not (shutil.which(a.abinit) or os.access(a.abinit, os.X_OK)):
        print("SKIP: no ABINIT executable (%s); on Debian: apt-get install abinit" % a.abinit)
        return 77
    tmp = None
    if a.workdir is None:
        tmp = a.workdir = tempfile.mkdtemp(prefix="furui_vs_abinit_")
    a.furui = os.path.abspath(a.furui) if os.path.sep in a.furui else a.furui
    print("furui: %s\nABINIT: %s\nwork directory: %s" % (a.furui, a.abinit, a.workdir))
    rows, failed = [], 0
    for path in a.systems:
        row, nfail = compare_system(path, a)
        rows.append(row)
        failed += nfail > 0
    print_summary(rows, a.markdown)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)
    if tmp and not a.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    print("\n%d of %d system(s) failed" % (failed, len(rows)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

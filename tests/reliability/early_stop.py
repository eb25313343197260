#!/usr/bin/python3
"""A stop signal while `furui screen` still reads a large sweep (issue 19 item 4).

    early_stop.py --furui BIN --workdir DIR [--mpiexec MPIEXEC] CASE

A 100 000-candidate sweep takes ~30 s to expand on the CI machine; the farm's stop flag
was read only once the farm started, so a job killed in its first minutes ran on. Cases:
  serial   SIGTERM to `furui screen` 1 s in
  dryrun   SIGTERM to `furui screen --dry-run` 1 s in
  mpi      SIGUSR1 to `mpiexec -n 2` 3 s in (Open MPI forwards it to both ranks)
Each must end within STOP_S of the signal with exit 0 (README: a stopped screen exits 0 so
the job script can resubmit), one line on stdout saying it stopped while reading, nothing
on stderr, and no file written (no journal, no results, no temporary).
  setup    a 51 840-candidate sweep, SIGTERM 0.5 s after PREFIX.journal appears (the farm
           queues and orders the candidates; the order was an insertion sort, 9 s here for
           52 000 and about a minute for 100 000, deaf to the signal): ends within STOP_S with
           exit 0 and "stopped early", nothing done, the journal verifies (`furui status`).
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import time

STOP_S = 5.0       # the fix stops within ~0.1 s; the old code ran the full expansion
HARD_S = 120.0     # give up: a hang is a failure too

ELEMENTS = ("Li Na K Rb Cs Be Mg Ca Sr Ba B Al Ga In C Si Ge Sn N P As Sb O S Se Te F Cl Br I "
            "Sc Ti V Cr Mn Fe Co Ni Cu Zn Y Zr Nb Mo Ru Rh Pd Ag Cd Hf").split()


def sweep_text(nelem=50):
    """50 x 50 rocksalt pairs x 4 ecut x 10 strains = 100 000 candidates (the maximum)."""
    el = ", ".join(ELEMENTS[:nelem])
    return ("candidates:\n  - prototype: rocksalt\n    A: [%s]\n    B: [%s]\n" % (el, el) +
            "ecut: [10 Ha, 11 Ha, 12 Ha, 13 Ha]\nkpoints: {grid: [2, 2, 2]}\n"
            "pseudopotentials: {lda: cp2k:GTH-PADE}\n"
            "smearing: {kind: fermi-dirac, width: 0.01 Ha}\n"
            "strain: [0.95, 0.96, 0.97, 0.98, 0.99, 1.0, 1.01, 1.02, 1.03, 1.04]\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--furui", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--mpiexec", default="mpiexec")
    ap.add_argument("case", choices=["serial", "dryrun", "mpi", "setup"])
    a = ap.parse_args()
    work = os.path.join(os.path.abspath(a.workdir), "early_stop_" + a.case)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    with open(os.path.join(work, "big.yaml"), "w") as f:
        f.write(sweep_text(36 if a.case == "setup" else 50))  # 36^2 x 40 = 51 840

    furui = [os.path.abspath(a.furui), "screen", "big.yaml", "-o", "big"]
    sig, delay = signal.SIGTERM, 1.0
    if a.case == "dryrun":
        furui.append("--dry-run")
    if a.case == "mpi":
        if not shutil.which(a.mpiexec):
            print("SKIP: no mpiexec")
            return 77
        furui = [a.mpiexec, "-n", "2"] + furui
        sig, delay = signal.SIGUSR1, 3.0
    env = dict(os.environ, OMP_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")
    p = subprocess.Popen(furui, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    if a.case == "setup":
        journal = os.path.join(work, "big.journal")
        t = time.monotonic()
        while not os.path.exists(journal) and p.poll() is None and time.monotonic() - t < HARD_S:
            time.sleep(0.02)
        time.sleep(0.5)  # the journal header is written first, then the queued records
    else:
        time.sleep(delay)
    if p.poll() is not None:
        print("FAIL: furui ended before the signal (exit %d): %s" % (p.returncode, p.stderr.read()))
        return 1
    t0 = time.monotonic()
    p.send_signal(sig)
    try:
        out, err = p.communicate(timeout=HARD_S)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        print("FAIL: still running %.0f s after the signal" % HARD_S)
        return 1
    took = time.monotonic() - t0
    # Open MPI's own notice is not furui's output
    err = "".join(l for l in err.splitlines(True) if "Forwarding signal" not in l)
    left = sorted(f for f in os.listdir(work) if f != "big.yaml")
    print("exit %d after %.2f s; stdout %r; stderr %r; files %s" % (p.returncode, took, out[-300:],
                                                                   err[-300:], left))
    if a.case == "setup":
        st = subprocess.run([os.path.abspath(a.furui), "status", "big"], cwd=work, env=env,
                            capture_output=True, text=True)
        print("status: exit %d: %s" % (st.returncode, st.stdout.splitlines()[:1]))
        err = "".join(l for l in err.splitlines(True) if not l.startswith("screen: "))  # progress lines
        checks = ((took < STOP_S, "stopped within %.0f s of the signal" % STOP_S),
                  (p.returncode == 0, "exit 0 (a stopped screen; README)"),
                  ("stopped early" in out and " 0 done" in out, "stdout: stopped early, nothing done"),
                  (err.strip() == "", "no error on stderr"),
                  (st.returncode == 0 and " 0 done" in st.stdout, "the journal verifies (furui status)"))
        ok = True
        for cond, what in checks:
            print(("ok   " if cond else "FAIL ") + what)
            ok = ok and cond
        return 0 if ok else 1
    ok = True
    for cond, what in ((took < STOP_S, "stopped within %.0f s of the signal" % STOP_S),
                       (p.returncode == 0, "exit 0 (a stopped screen; README)"),
                       (out.count("stopped by a signal while reading the sweep") == 1,
                        "one line on stdout says so"),
                       (err.strip() == "", "nothing on stderr"),
                       (left == [], "no file written")):
        print(("ok   " if cond else "FAIL ") + what)
        ok = ok and cond
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

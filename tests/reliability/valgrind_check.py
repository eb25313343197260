#!/usr/bin/python3
"""valgrind memcheck of furui end to end (CTest label valgrind).

    valgrind_check.py --furui BIN --workdir DIR [--mpiexec MPIEXEC] scf|screen

  scf     `furui scf vg_scf.yaml` (distorted Si2, PBE, shifted 2x2x2 k-mesh, smearing, forces,
          stress) under memcheck on one rank.
  screen  `mpiexec -n 2 valgrind furui screen vg_sweep.yaml` (3 candidates, 4 Ha): the
          coordinator (journal, HDF5 finalize) and a worker (SCF) both under memcheck.

What it proves: no invalid read/write, use of uninitialised memory, bad free or *definite*
leak in furui on these paths. valgrind runs with --error-exitcode=99 --leak-check=full
--errors-for-leak-kinds=definite; the only suppressions are Open MPI's own
(/usr/share/openmpi/openmpi-valgrind.supp, if present) and tests/reliability/openmpi.supp,
whose entries are all anchored on Open MPI functions (MPI_Init, MPI_Finalize, its progress
thread), so an error in furui code is reported. The test fails if any process reports an
unsuppressed error (its stack is printed) or if the run itself fails.

It can fail: with a deliberate `p = malloc(4096); p = NULL;` in cmd_scf (src/app/main.c)
the scf case fails with "4,096 bytes in 1 blocks are definitely lost" (tried 2026-11-22;
see tests/reliability/README.md). Exit 77 (skip) if valgrind is not installed.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OMPI_SUPP = "/usr/share/openmpi/openmpi-valgrind.supp"
TIMEOUT_S = 900


def valgrind_cmd(vg, logdir):
    cmd = [vg, "--error-exitcode=99", "--leak-check=full", "--errors-for-leak-kinds=definite",
           "--show-leak-kinds=definite", "--num-callers=40", "--gen-suppressions=all",
           "--suppressions=" + os.path.join(HERE, "openmpi.supp"),
           "--log-file=" + os.path.join(logdir, "vg.%p.log")]
    if os.path.exists(OMPI_SUPP):
        cmd.insert(1, "--suppressions=" + OMPI_SUPP)
    return cmd


def error_blocks(log):
    """Unsuppressed error reports of one valgrind log (each a list of lines)."""
    text = re.sub(r"^==\d+== ?", "", open(log, errors="replace").read(), flags=re.M)
    out = []
    for block in text.split("\n\n"):
        b = block.strip("\n")
        if not b or b.startswith(("Memcheck", "Copyright", "Using Valgrind", "Command:",
                                  "Parent PID", "HEAP SUMMARY", "LEAK SUMMARY", "For lists",
                                  "ERROR SUMMARY", "Use --track", "Reachable blocks",
                                  "To see them", "All heap blocks")):
            continue
        if b.startswith("{"):
            continue  # a generated suppression (follows its error)
        if re.search(r"^\s+(at|by) 0x", b, re.M):
            out.append(b)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("case", choices=["scf", "screen"])
    ap.add_argument("--furui", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--mpiexec", default="mpiexec")
    ap.add_argument("--valgrind", default="valgrind")
    a = ap.parse_args()
    vg = shutil.which(a.valgrind)
    if not vg:
        print("SKIP: valgrind not installed")
        sys.exit(77)
    d = os.path.abspath(os.path.join(a.workdir, "valgrind_" + a.case))
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", FURUI_FFTW_WISDOM="off",
               OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1",
               # keep MCA plugins mapped so their frames have names in the reports
               OMPI_MCA_mca_base_component_disable_dlclose="1")
    furui = os.path.abspath(a.furui)
    if a.case == "scf":
        env.update(OMPI_MCA_ess_singleton_isolated="1", OMPI_MCA_pml="ob1", OMPI_MCA_btl="self")
        cmd = valgrind_cmd(vg, d) + [furui, "scf", os.path.join(HERE, "vg_scf.yaml"), "-o", "vg"]
        outputs = ["vg.log", "vg.json", "vg.h5"]
    else:
        cmd = [a.mpiexec, "--oversubscribe", "-n", "2"] + valgrind_cmd(vg, d) + \
              [furui, "screen", os.path.join(HERE, "vg_sweep.yaml"), "-o", "vg"]
        outputs = ["vg.journal", "vg.h5"]
    print("$ " + " ".join(cmd))
    p = subprocess.run(cmd, cwd=d, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    logs = sorted(glob.glob(os.path.join(d, "vg.*.log")))
    logs = [l for l in logs if re.search(r"vg\.\d+\.log$", l)]
    bad = []
    for log in logs:
        m = re.findall(r"ERROR SUMMARY: (\d+) errors", open(log, errors="replace").read())
        n = int(m[-1]) if m else -1
        print("%s: %s" % (os.path.basename(log), "%d errors" % n if n >= 0 else "no summary"))
        if n != 0:
            bad.append(log)
            for b in error_blocks(log)[:20]:
                print("---- %s\n%s" % (os.path.basename(log), b))
    want = 1 if a.case == "scf" else 2
    ok = True
    if len(logs) != want:
        print("FAIL: %d valgrind logs, expected %d (one per process)" % (len(logs), want))
        ok = False
    if bad:
        print("FAIL: memcheck errors in %d process(es) (stacks above)" % len(bad))
        ok = False
    if p.returncode != 0:
        print("FAIL: exit %d\n%s" % (p.returncode, p.stderr[-3000:]))
        ok = False
    missing = [o for o in outputs if not os.path.isfile(os.path.join(d, o))]
    if missing:
        print("FAIL: outputs missing: %s" % missing)
        ok = False
    if ok:
        print("ok valgrind %s: 0 errors, 0 definite leaks in %d process(es)" % (a.case, len(logs)))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

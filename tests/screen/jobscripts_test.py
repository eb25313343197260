#!/usr/bin/python3
"""Tests of the job script templates in jobscripts/ with a fake scheduler.

    jobscripts_test.py --furui BIN --mpiexec MPIEXEC --workdir DIR CASE

Every case first checks all templates with `bash -n`, then submits one of them
through the stubs in tests/screen/fakesched/ (sbatch, srun, squeue, qsub, pjsub,
llio_transfer, spack, mpiexec; they run the job script at once with the
variables the scheduler would set, and launch the real mpiexec, 2 ranks,
oversubscribed) on tests/screen/tiny.yaml, so the scripts' own logic runs:
shard index/count from the array variables, deadline from the time limit,
per-shard prefixes, the merge. Checks the shard results (disjoint, in the
documented split) and the merge (every candidate of the sweep once).

Cases:
  syntax  bash -n of every template only
  slurm   slurm_submit.sh: array of 3 (slurm_array.sh) + dependent slurm_merge.sh; then
          slurm_array.sh alone, SIGUSR1 to the batch shell mid-run (as --signal=B:USR1 does):
          exit 0, nothing abandoned, resubmit note; the rerun completes
  pbs     qsub -J 0-1 pbs_array.sh, then qsub -W depend=afterany pbs_merge.sh (every candidate
          once, exit 0); with one shard's journal gone the merge job lists its candidates as
          missing and exits 2, still writing the merged file
  pjm     pjsub --bulk --sparam 0-1 fugaku_pjm_bulk.sh (llio_transfer, spack calls), then
          pjsub fugaku_pjm_merge.sh (exit 0; one shard gone: missing, exit 2)
"""
import argparse
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import h5py

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import screen_test  # noqa: E402  (journal_records)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
JOBS = os.path.join(ROOT, "jobscripts")
FAKE = os.path.join(HERE, "fakesched")
TINY = os.path.join(HERE, "tiny.yaml")
TINY_IDS = 6
CP2K = "/usr/share/cp2k/GTH_POTENTIALS"
TEMPLATES = ["slurm_array.sh", "slurm_merge.sh", "slurm_submit.sh", "pbs_array.sh", "pbs_merge.sh",
             "fugaku_pjm_bulk.sh", "fugaku_pjm_merge.sh"]

sys.path.insert(0, os.path.dirname(HERE))
from testlib import check, failures  # noqa: E402


def shutil_which(prog):
    if os.path.sep in prog:
        return os.path.abspath(prog)
    return shutil.which(prog) or prog


def env_for(a, spool, **extra):
    e = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
             FURUI_FFTW_WISDOM="off", PATH=FAKE + os.pathsep + os.environ.get("PATH", ""),
             FAKE_SPOOL=spool, FAKE_REAL_MPIEXEC=shutil_which(a.mpiexec), FAKE_NP="2",
             SWEEP=TINY, FURUI=a.furui, OUTDIR="out", NAME="tiny", FURUI_OPTS="--group-size 1")
    for k in ("SLURM_JOB_ID", "SLURM_ARRAY_TASK_ID", "PBS_ARRAY_INDEX", "PBS_ARRAYID", "PJM_BULKNUM", "SHARD_COUNT",
              "SHARD_INDEX", "FURUI_CP2K_POTENTIALS", "FURUI_ABINIT_PSP_DIR"):
        e.pop(k, None)
    e.update(extra)
    return e


def run(cmd, cwd, env, timeout=240):
    t = time.time()
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    print("$ %s  -> %d (%.1f s)" % (" ".join(cmd), p.returncode, time.time() - t))
    if p.stdout.strip():
        print(p.stdout.rstrip())
    if p.stderr.strip():
        print(p.stderr.rstrip()[-3000:])
    return p


def ids_of(path):
    with h5py.File(path, "r") as f:
        ids = [x.decode() if isinstance(x, bytes) else x for x in f["candidates/id"][()]]
        st = [int(x) for x in f["candidates/state"][()]]
    check(len(ids) == len(set(ids)), "%s: duplicate rows" % path)
    return ids, st


def sweep_ids(a, d):
    p = subprocess.run([a.furui, "screen", TINY, "--dry-run"], cwd=d, env=env_for(a, d), capture_output=True,
                       text=True, timeout=60)
    check(p.returncode == 0, "dry run: exit %d" % p.returncode)
    return sorted(l.split()[1] for l in p.stdout.splitlines() if l.startswith("  "))


def syntax():
    for t in TEMPLATES:
        path = os.path.join(JOBS, t)
        p = subprocess.run(["bash", "-n", path], capture_output=True, text=True)
        check(p.returncode == 0, "bash -n %s: %s" % (t, p.stderr))
        check(os.access(path, os.X_OK), "%s is not executable" % t)
    for t in os.listdir(FAKE):
        p = subprocess.run(["bash", "-n", os.path.join(FAKE, t)], capture_output=True, text=True)
        check(p.returncode == 0, "bash -n fakesched/%s: %s" % (t, p.stderr))


def fresh(a, case):
    d = os.path.join(a.workdir, case)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def check_logs(spool, pattern, n, tag):
    rcs = sorted(glob.glob(os.path.join(spool, pattern + ".rc")))
    check(len(rcs) == n, "%s: %d jobs ran, expected %d" % (tag, len(rcs), n))
    for rc in rcs:
        log = rc[:-3] + ".out"
        text = open(log).read() if os.path.exists(log) else ""
        print("---- %s\n%s" % (os.path.basename(log), text.rstrip()[-1500:]))
        check(open(rc).read().strip() == "0", "%s: %s exited %s" % (tag, os.path.basename(log), open(rc).read().strip()))
    return rcs


def check_shards(d, count, order, tag):
    seen = []
    for k in range(count):
        h5 = os.path.join(d, "out", "tiny.shard%d-of-%d.h5" % (k, count))
        if not check(os.path.exists(h5), "%s: no %s" % (tag, h5)):
            continue
        ids, st = ids_of(h5)
        check(sorted(ids) == order[k::count], "%s: shard %d holds %s, expected %s" % (tag, k, sorted(ids), order[k::count]))
        check(all(s in (3, 5) for s in st), "%s: shard %d not finished: states %s" % (tag, k, st))
        with h5py.File(h5, "r") as f:
            pv = f["provenance"]
            check((int(pv["shard_index"][()]), int(pv["shard_count"][()])) == (k, count),
                  "%s: shard %d provenance says %s/%s" % (tag, k, pv["shard_index"][()], pv["shard_count"][()]))
        seen += ids
    check(sorted(seen) == order, "%s: shards together hold %s, expected %s" % (tag, sorted(seen), order))


def check_merged(path, order, tag):
    if not check(os.path.exists(path), "%s: no merged file %s" % (tag, path)):
        return
    ids, st = ids_of(path)
    check(sorted(ids) == order, "%s: merged IDs %s, expected %s" % (tag, sorted(ids), order))
    check(st.count(3) == TINY_IDS - 1 and st.count(5) == 1, "%s: merged states %s" % (tag, st))


def check_missing_shard(d, env, submit, tag, order):
    """Shard 1's journal gone (it never ran): the merge job warns, lists its candidates as
    missing (IDs from the sweep), writes the merged file of shard 0 and exits 2."""
    jn = os.path.join(d, "out", "tiny.shard1-of-2.journal")
    os.rename(jn, jn + ".away")
    p = run(submit, d, dict(env, MERGED="out/partial.h5"))
    os.rename(jn + ".away", jn)
    jid = open(os.path.join(d, "jobid")).read().strip()
    prefix = "pbs" if tag == "pbs" else "pjm"
    rc = open(os.path.join(d, "%s-%s.rc" % (prefix, jid))).read().strip()
    log = open(os.path.join(d, "%s-%s.out" % (prefix, jid))).read()
    print("---- %s-%s.out (shard 1 missing)\n%s" % (prefix, jid, log.rstrip()[-1500:]))
    miss = order[1::2]
    check(p.returncode == 0 and rc == "2" and "never ran" in log and all(k in log for k in miss),
          "%s merge with shard 1 missing: exit %s, missing %s listed" % (tag, rc, miss))
    if check(os.path.exists(os.path.join(d, "out", "partial.h5")), "%s: partial merge not written" % tag):
        ids, _ = ids_of(os.path.join(d, "out", "partial.h5"))
        check(sorted(ids) == order[0::2], "%s: partial merge holds shard 0: %s" % (tag, sorted(ids)))


def deadline_of(spool, pattern):
    out = []
    for log in glob.glob(os.path.join(spool, pattern + ".out")):
        m = re.search(r"deadline (\d+) s", open(log).read())
        out.append(int(m.group(1)) if m else -1)
    return out


def case_slurm(a):
    d = fresh(a, "slurm")
    order = sweep_ids(a, d)
    env = env_for(a, d, SHARD_COUNT="3", FAKE_TIME_LEFT="1:00:00", MARGIN="600")
    p = run(["bash", os.path.join(JOBS, "slurm_submit.sh")], d, env)
    check(p.returncode == 0, "slurm_submit.sh: exit %d" % p.returncode)
    check_logs(d, "slurm-*_*", 3, "slurm array")
    dl = deadline_of(d, "slurm-*_*")
    check(dl and all(2990 <= x <= 3000 for x in dl), "slurm: deadlines %s, expected 3000 s (1 h - 600 s)" % dl)
    check_shards(d, 3, order, "slurm")
    calls = open(os.path.join(d, "calls")).read()
    m = re.search(r"--array=0-2 ", calls)
    check(m is not None, "slurm: array not submitted as 0-2: %s" % calls)
    jid = open(os.path.join(d, "jobid")).read().strip()
    check("--dependency=afterany:%d " % (int(jid) - 1) in calls, "slurm: merge not dependent on the array: %s" % calls)
    check_logs(d, "slurm-%s" % jid, 1, "slurm merge")
    merge_log = open(os.path.join(d, "slurm-%s.out" % jid)).read()
    check("merge: " in merge_log and "6 candidates" in merge_log, "slurm merge log: %s" % merge_log)
    check_merged(os.path.join(d, "out", "tiny.h5"), order, "slurm")
    # --signal=B:USR1: SIGUSR1 to the batch shell reaches furui through the trap and srun
    # (mpiexec): exit 0, nothing abandoned, the resubmit note; the rerun completes
    tenv = dict(env, SLURM_JOB_ID="2001", SLURM_NTASKS="2", SLURM_ARRAY_TASK_ID="0", SLURM_ARRAY_TASK_MIN="0",
                SLURM_ARRAY_TASK_MAX="0", SLURM_ARRAY_TASK_COUNT="1", OUTDIR="sig")
    tenv.pop("SHARD_COUNT")
    cmd = ["bash", os.path.join(JOBS, "slurm_array.sh")]
    pr = subprocess.Popen(cmd, cwd=d, env=tenv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    jn = os.path.join(d, "sig", "tiny.shard0-of-1.journal")
    t = time.time()
    while time.time() - t < 60 and pr.poll() is None:
        if os.path.exists(jn) and any(st == 2 for _, st in screen_test.journal_records(jn)):
            break
        time.sleep(0.01)
    pr.send_signal(signal.SIGUSR1)
    out, _ = pr.communicate(timeout=120)
    print("$ %s (SIGUSR1 after the first start) -> %d\n%s" % (" ".join(cmd), pr.returncode, out.rstrip()[-2000:]))
    check(pr.returncode == 0, "slurm signal: exit %d" % pr.returncode)
    if check("signal: asking furui to stop" in out, "slurm signal: the trap did not run"):
        h5 = os.path.join(d, "sig", "tiny.shard0-of-1.h5")
        ids, st = ids_of(h5) if os.path.exists(h5) else ([], [])
        check(len(ids) == TINY_IDS and 2 not in st, "slurm signal: states %s" % st)
        left = sum(x in (1, 2) for x in st)
        print("after SIGUSR1: %d candidate(s) left" % left)
        check(left == 0 or "sbatch --array=0 " in out, "slurm signal: no resubmit note")
    p = run(cmd, d, tenv)
    check(p.returncode == 0 and " 0 left (" in p.stdout, "slurm rerun after the signal: exit %d" % p.returncode)
    slurm_resubmit(a, d, env, order)


def shard_state(d, outdir, k, n):
    """States of shard k of n ([] if it wrote no results) and whether any other shard/count
    wrote files there besides the expected ones."""
    h5 = os.path.join(d, outdir, "tiny.shard%d-of-%d.h5" % (k, n))
    return ids_of(h5) if os.path.exists(h5) else ([], [])


def check_resubmitted(d, outdir, k, n, order, log, tag, expect_files):
    """Shard k of n (a resubmitted array task) is complete, in its own files, and no other
    shard files appeared in OUTDIR."""
    check("shard %d of %d," % (k, n) in log, "%s: log does not say shard %d of %d: %s" % (tag, k, n, log[-800:]))
    ids, st = shard_state(d, outdir, k, n)
    check(sorted(ids) == order[k::n] and st and all(x in (3, 5) for x in st),
          "%s: shard %d of %d holds %s states %s, expected %s finished" % (tag, k, n, sorted(ids), st, order[k::n]))
    files = sorted(f for f in os.listdir(os.path.join(d, outdir)) if f.startswith("tiny.shard"))
    check(files == sorted(expect_files), "%s: files %s, expected %s" % (tag, files, sorted(expect_files)))


def slurm_resubmit(a, d, env, order):
    """Resubmission of one array task, as documented: sbatch --array=K slurm_array.sh sets
    SLURM_ARRAY_TASK_MIN=MAX=K, COUNT=1; it must run shard K of the original count (from
    that shard's journal), and the hint must name the user's script, not Slurm's spooled copy."""
    script = os.path.join(JOBS, "slurm_array.sh")
    renv = dict(env, OUTDIR="resub", FURUI_OPTS="--group-size 1 --deadline 0.001")
    renv.pop("SHARD_COUNT")
    # first submission: the whole array 0-2, stopped at once by the deadline, work left
    p = run(["sbatch", "--array=0-2", script], d, renv)
    jid = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else "?"
    for k in range(3):
        log = open(os.path.join(d, "slurm-%s_%d.out" % (jid, k))).read()
        hint = "sbatch --array=%d --export=ALL,SHARD_COUNT=3 %s" % (k, script)
        check(hint in log, "slurm resubmit: task %d: no hint '%s' naming the user's script: %s" % (k, hint, log[-800:]))
        check("slurmd" not in log.split("resubmit", 1)[-1], "slurm resubmit: hint names the spooled copy")
    all3 = ["tiny.shard%d-of-3.%s" % (k, x) for k in range(3) for x in ("journal", "h5", "log")]
    # the documented resubmission, no SHARD_COUNT: shard 2 of 3 from shard 2's journal
    renv["FURUI_OPTS"] = "--group-size 1"
    p = run(["sbatch", "--array=2", script], d, renv)
    jid = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else "?"
    rc = open(os.path.join(d, "slurm-%s_2.rc" % jid)).read().strip()
    log = open(os.path.join(d, "slurm-%s_2.out" % jid)).read()
    print("---- slurm-%s_2.out (sbatch --array=2)\n%s" % (jid, log.rstrip()[-1500:]))
    check(rc == "0", "slurm resubmit --array=2: exit %s" % rc)
    check_resubmitted(d, "resub", 2, 3, order, log, "slurm --array=2", all3)
    check(" 0 left (" in log and "resubmit (" not in log, "slurm --array=2: work left after the rerun")
    # explicit SHARD_INDEX/SHARD_COUNT (no array): shard 1 of 3
    p = run(["sbatch", "--export=ALL,SHARD_INDEX=1,SHARD_COUNT=3", script], d, renv)
    jid = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else "?"
    log = open(os.path.join(d, "slurm-%s.out" % jid)).read()
    check(open(os.path.join(d, "slurm-%s.rc" % jid)).read().strip() == "0", "slurm SHARD_INDEX=1: exit")
    check_resubmitted(d, "resub", 1, 3, order, log, "slurm SHARD_INDEX=1", all3)
    # a one-task array with no journal and no SHARD_COUNT cannot know the count: refused
    p = run(["sbatch", "--array=1", script], d, dict(renv, OUTDIR="resub-none"))
    jid = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else "?"
    log = open(os.path.join(d, "slurm-%s_1.out" % jid)).read()
    check(open(os.path.join(d, "slurm-%s_1.rc" % jid)).read().strip() != "0" and "set SHARD_COUNT" in log
          and not os.path.exists(os.path.join(d, "resub-none")),
          "slurm --array=1 without journal or SHARD_COUNT: not refused: %s" % log[-500:])


def case_pbs(a):
    d = fresh(a, "pbs")
    order = sweep_ids(a, d)
    env = env_for(a, d, SHARD_COUNT="2", WALLTIME="01:00:00", MARGIN="600")
    p = run(["qsub", "-J", "0-1", os.path.join(JOBS, "pbs_array.sh")], d, env)
    check(p.returncode == 0, "qsub: exit %d" % p.returncode)
    check_logs(d, "pbs-*_*", 2, "pbs array")
    dl = deadline_of(d, "pbs-*_*")
    check(dl and all(2990 <= x <= 3000 for x in dl), "pbs: deadlines %s" % dl)
    check_shards(d, 2, order, "pbs")
    arr = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else "?"
    p = run(["qsub", "-W", "depend=afterany:" + arr, os.path.join(JOBS, "pbs_merge.sh")], d, env)
    check(p.returncode == 0, "qsub pbs_merge.sh: exit %d" % p.returncode)
    jid = open(os.path.join(d, "jobid")).read().strip()
    check_logs(d, "pbs-%s" % jid, 1, "pbs merge")
    log = open(os.path.join(d, "pbs-%s.out" % jid)).read()
    check("merge: " in log and "6 candidates" in log, "pbs merge log: %s" % log)
    check_merged(os.path.join(d, "out", "tiny.h5"), order, "pbs")
    check_missing_shard(d, env, ["qsub", os.path.join(JOBS, "pbs_merge.sh")], "pbs", order)
    script = os.path.join(JOBS, "pbs_array.sh")
    renv = dict(env, OUTDIR="resub", FURUI_OPTS="--group-size 1 --deadline 0.001")
    renv.pop("SHARD_COUNT")
    p = run(["qsub", "-J", "0-1", "-v", "SHARD_COUNT=2", script], d, renv)
    jid = open(os.path.join(d, "jobid")).read().strip()
    log = open(os.path.join(d, "pbs-%s_1.out" % jid)).read()
    hint = "qsub -v SHARD_INDEX=1,SHARD_COUNT=2 pbs_array.sh"
    check(hint in log, "pbs: no resubmit hint '%s': %s" % (hint, log[-800:]))
    # the documented resubmission of one subjob: exactly one job, shard 1 of 2
    renv["FURUI_OPTS"] = "--group-size 1"
    pbs_one_job(d, ["qsub", "-v", "SHARD_INDEX=1,SHARD_COUNT=2", script], renv, order, "pbs resubmit", 1, 2)
    # a SHARD_COUNT that does not match the shard's journal is refused, nothing written
    p = run(["qsub", "-v", "SHARD_INDEX=0", script], d, renv)   # SHARD_COUNT default 4
    jid = open(os.path.join(d, "jobid")).read().strip()
    log = open(os.path.join(d, "pbs-%s.out" % jid)).read()
    check(open(os.path.join(d, "pbs-%s.rc" % jid)).read().strip() != "0" and "SHARD_COUNT is 4" in log
          and not os.path.exists(os.path.join(d, "resub", "tiny.shard0-of-4.journal")),
          "pbs: SHARD_COUNT 4 against shard0-of-2 journal not refused: %s" % log[-500:])
    # Torque: qsub -t, $PBS_ARRAYID
    tenv = dict(env, OUTDIR="torque")
    p = run(["qsub", "-t", "0-1", script], d, tenv)
    jid = open(os.path.join(d, "jobid")).read().strip()
    for k in range(2):
        log = open(os.path.join(d, "pbs-%s_%d.out" % (jid, k))).read()
        check(open(os.path.join(d, "pbs-%s_%d.rc" % (jid, k))).read().strip() == "0",
              "torque subjob %d: exit" % k)
        check_resubmitted(d, "torque", k, 2, order, log, "torque %d" % k,
                          ["tiny.shard%d-of-2.%s" % (j, x) for j in range(2) for x in ("journal", "h5", "log")])


def pbs_one_job(d, cmd, env, order, tag, k, n, shards=None):
    """cmd submits one job (not an array) that completes shard k of n in OUTDIR resub, where
    the shards listed (default all n) have files."""
    spool0 = set(os.listdir(d))
    p = run(cmd, d, env)
    jid = open(os.path.join(d, "jobid")).read().strip()
    new = sorted(f for f in set(os.listdir(d)) - spool0 if f.endswith(".rc"))
    check(p.returncode == 0 and len(new) == 1, "%s: %d jobs ran (%s), expected one" % (tag, len(new), new))
    pre = new[0][:-3] if new else "none-%s" % jid
    log = open(os.path.join(d, pre + ".out")).read() if new else ""
    print("---- %s.out (%s)\n%s" % (pre, tag, log.rstrip()[-1200:]))
    check(new and open(os.path.join(d, new[0])).read().strip() == "0", "%s: exit" % tag)
    check_resubmitted(d, "resub", k, n, order, log, tag,
                      ["tiny.shard%d-of-%d.%s" % (j, n, x) for j in (shards if shards is not None else range(n))
                       for x in ("journal", "h5", "log")])
    check(" 0 left (" in log, "%s: work left after the rerun" % tag)


def case_pjm(a):
    d = fresh(a, "pjm")
    order = sweep_ids(a, d)
    psp = os.path.join(d, "psp")
    os.makedirs(psp)
    env = env_for(a, d, SHARD_COUNT="2", RANKS="2", ELAPSE="01:00:00", MARGIN="600", PSP_FILES=psp,
                  SPACK_SETUP="", LAUNCH="mpiexec", FURUI_CP2K_POTENTIALS=CP2K)
    p = run(["pjsub", "--bulk", "--sparam", "0-1", os.path.join(JOBS, "fugaku_pjm_bulk.sh")], d, env)
    check(p.returncode == 0, "pjsub: exit %d" % p.returncode)
    check_logs(d, "pjm-*_*", 2, "pjm bulk")
    dl = deadline_of(d, "pjm-*_*")
    check(dl and all(2990 <= x <= 3000 for x in dl), "pjm: deadlines %s" % dl)
    check_shards(d, 2, order, "pjm")
    calls = open(os.path.join(d, "calls")).read()
    check(calls.count("llio_transfer %s\n" % a.furui) == 2 and calls.count("llio_transfer %s\n" % TINY) == 2
          and calls.count("llio_transfer %s\n" % psp) == 2, "pjm: llio_transfer calls: %s" % calls)
    check(calls.count("llio_transfer --purge") == 2, "pjm: no llio_transfer --purge: %s" % calls)
    check("spack load hdf5" in calls and "spack load fftw" in calls, "pjm: spack load calls: %s" % calls)
    p = run(["pjsub", os.path.join(JOBS, "fugaku_pjm_merge.sh")], d, env)
    check(p.returncode == 0, "pjsub fugaku_pjm_merge.sh: exit %d" % p.returncode)
    jid = open(os.path.join(d, "jobid")).read().strip()
    check_logs(d, "pjm-%s" % jid, 1, "pjm merge")
    log = open(os.path.join(d, "pjm-%s.out" % jid)).read()
    check("merge: " in log and "6 candidates" in log, "pjm merge log: %s" % log)
    check_merged(os.path.join(d, "out", "tiny.h5"), order, "pjm")
    check_missing_shard(d, env, ["pjsub", os.path.join(JOBS, "fugaku_pjm_merge.sh")], "pjm", order)
    check("spack load spglib" in calls and "spack load libzip" in calls and "spack load libpng" in calls,
          "pjm: spglib, libzip, libpng (linked) not loaded: %s" % calls)
    tpl = open(os.path.join(JOBS, "fugaku_pjm_bulk.sh")).read()
    check(re.search(r"^#PJM -g \S+", tpl, re.M) is not None, "pjm: no #PJM -g line")
    script = os.path.join(JOBS, "fugaku_pjm_bulk.sh")
    renv = dict(env, OUTDIR="resub", FURUI_OPTS="--group-size 1 --deadline 0.001")
    renv.pop("SHARD_COUNT")
    p = run(["pjsub", "-x", "SHARD_COUNT=2", "--bulk", "--sparam", "0-1", script], d, renv)
    jid = open(os.path.join(d, "jobid")).read().strip()
    log = open(os.path.join(d, "pjm-%s_1.out" % jid)).read()
    hint = "pjsub -x SHARD_COUNT=2 --bulk --sparam 1-1 fugaku_pjm_bulk.sh"
    check(hint in log, "pjm: no resubmit hint '%s': %s" % (hint, log[-800:]))
    renv["FURUI_OPTS"] = "--group-size 1"
    pbs_one_job(d, ["pjsub", "-x", "SHARD_COUNT=2", "--bulk", "--sparam", "1-1", script], renv, order,
                "pjm resubmit --sparam 1-1", 1, 2)
    shutil.rmtree(os.path.join(d, "resub"))
    pbs_one_job(d, ["pjsub", "-x", "SHARD_INDEX=1,SHARD_COUNT=2", script], renv, order,
                "pjm SHARD_INDEX=1 (no bulk)", 1, 2, shards=[1])
    # pseudopotentials not found (no /usr/share/cp2k on Fugaku): refused before the launch
    p = run(["pjsub", "-x", "SHARD_INDEX=0,SHARD_COUNT=2", script], d,
            dict(renv, OUTDIR="nopsp", FURUI_CP2K_POTENTIALS=os.path.join(d, "no", "GTH_POTENTIALS")))
    jid = open(os.path.join(d, "jobid")).read().strip()
    log = open(os.path.join(d, "pjm-%s.out" % jid)).read()
    check(open(os.path.join(d, "pjm-%s.rc" % jid)).read().strip() != "0" and "FURUI_CP2K_POTENTIALS" in log
          and not glob.glob(os.path.join(d, "nopsp", "*.journal")),
          "pjm: missing pseudopotential file not refused before the launch: %s" % log[-600:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--furui", required=True)
    ap.add_argument("--mpiexec", default="mpiexec")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("case", choices=["syntax", "slurm", "pbs", "pjm"])
    a = ap.parse_args()
    a.furui = os.path.abspath(a.furui)
    os.makedirs(a.workdir, exist_ok=True)
    t = time.time()
    syntax()
    if a.case != "syntax":
        globals()["case_" + a.case](a)
    print("%s: %s (%.1f s)" % (a.case, "FAILED" if failures else "ok", time.time() - t))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

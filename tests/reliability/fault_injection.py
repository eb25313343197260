#!/usr/bin/python3
"""Scripted, repeatable fault injection into `furui screen` (CTest label reliability).

    fault_injection.py --furui BIN --workdir DIR [--mpiexec M] [--seed S] [--kills N]
                       [--resume-probability P] [--strace]

A 2-rank screen of fi_sweep.yaml (8 candidates, ~0.1-0.3 s each) is SIGKILLed -- mpiexec and
every process below it, all at once -- at N (default 24) moments drawn from a seeded RNG
(the seed is printed; rerun with --seed to replay the same schedule of kinds and delays;
the exact instant still depends on the machine, the checks do not). Kill kinds:

  time      a uniform random delay into the run (start-up, SCF, journal writes, finalize)
  journal   as soon as the journal grows by an append (a candidate finished or started),
            plus a random 0-20 ms: kills during and right after journal appends
  finalize  as soon as the temporary results file (PREFIX.h5.tmp.PID, src/core/atomicfile.c)
            appears: a kill inside the HDF5 finalize
  early     within the first 0.3 s (MPI start-up, journal creation, session record)
  running   (--job-options) once this run has journaled a candidate as started, plus 0-20 ms
  fsync     (only with --strace and if strace works) the ranks run under
            `strace -e inject=fdatasync:delay_exit=50ms`, killed after the first append:
            kills while a record is written but not yet synced

After each kill: `furui status PREFIX` must exit 0 and report no corrupt record (a torn tail
is allowed: it is what a kill mid-write leaves); a PREFIX.h5 that exists must open with h5py
(atomic finalize); `furui merge` of the journal gives the results finished so far, and every
result once seen done must stay bit for bit the same for the rest of the test (no finished
result lost or changed). Then, with probability P (default 0.3), the run is resumed to
completion (an "epoch" ends), otherwise the next rerun is killed again. At the end of every
epoch and of the test, the completed PREFIX.h5 must hold every candidate of the sweep exactly
once, all done, with total energies bit-identical to an uninterrupted reference run, and
`furui status` must verify the journal. New epochs start in fresh directories until N kills
have been made.

With --job-options the runs use what the job scripts pass (the default --max-attempts 2, a
deadline) instead of --max-attempts 100: a candidate running at several of these whole-job kills
must still end computed (a kill is not the candidate's own crash).

Figures (kills made, epochs, results lost) are printed in one final "fault-injection:" line,
read by validation/reliability_figures.py.
"""
import argparse
import glob
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "screen"))
from screen_test import journal_records  # noqa: E402  (state of the journal's candidate records)
SWEEP = os.path.join(HERE, "fi_sweep.yaml")
NCAND = 8
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", FURUI_FFTW_WISDOM="off",
           OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)
    return cond


def run(cmd, cwd, timeout=300):
    p = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=timeout)
    return p


def descendants(root):
    kids = {}
    for e in os.listdir("/proc"):
        if e.isdigit():
            try:
                stat = open("/proc/%s/stat" % e).read()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            kids.setdefault(ppid, []).append(int(e))
    out, todo = [], [root]
    while todo:
        for k in kids.get(todo.pop(), []):
            out.append(k)
            todo.append(k)
    return out


def kill_all(pr):
    """SIGKILL mpiexec's process group and every descendant (ranks may have their own groups)."""
    pids = [pr.pid] + descendants(pr.pid)
    try:
        os.killpg(pr.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    pr.wait(timeout=60)
    # wait until every rank is gone, so the next run does not meet a dying writer
    t = time.time()
    while time.time() - t < 30:
        alive = [p for p in pids if os.path.exists("/proc/%d" % p) and
                 not open("/proc/%d/stat" % p).read().split(")")[1].split()[0] == "Z"]
        if not alive:
            return
        time.sleep(0.01)


def read_results(path):
    """{id: (state, energy bits as uint64)}; fails on duplicate IDs."""
    with h5py.File(path, "r") as f:
        c = f["candidates"]
        ids = [x.decode() if isinstance(x, bytes) else x for x in c["id"][()]]
        st = c["state"][()].astype(int)
        e = np.asarray(c["energy/total"][()], dtype="<f8").view("<u8")
    check(len(ids) == len(set(ids)), "%s: duplicate candidate rows" % path)
    return {k: (int(st[i]), int(e[i])) for i, k in enumerate(ids)}


def status_ok(furui, d, prefix, tag):
    p = run([furui, "status", prefix], d)
    out = p.stdout + p.stderr
    check(p.returncode == 0, "%s: furui status exit %d: %s" % (tag, p.returncode, out[-500:]))
    check("corrupt" not in out, "%s: furui status reports corrupt records: %s" % (tag, out[-500:]))
    return "torn tail" in out


class Injector:
    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed)
        self.furui = os.path.abspath(a.furui)
        self.kills = 0
        self.kinds = {}
        self.torn = 0
        self.epochs = 0
        self.preserved_checks = 0
        self.lost = 0
        self.stale_tmp = 0
        self.strace = a.strace and shutil.which("strace") and self.strace_works()

    def strace_works(self):
        p = subprocess.run(["strace", "-f", "-o", "/dev/null", "-e", "trace=fdatasync",
                            "-e", "inject=fdatasync:delay_exit=1000", "true"],
                           capture_output=True)
        return p.returncode == 0

    def cmd(self, prefix, strace=False):
        c = [self.a.mpiexec, "--oversubscribe", "-n", "2"]
        if strace:
            c += ["strace", "-f", "-o", "/dev/null", "-e", "trace=fdatasync",
                  "-e", "inject=fdatasync:delay_exit=50000"]
        if self.a.job_options:
            # what the job scripts (jobscripts/) run: default --max-attempts (2), a deadline;
            # kills of the whole job must not use up a candidate's attempts
            return c + [self.furui, "screen", SWEEP, "-o", prefix, "--group-size", "1", "--deadline", "3000"]
        return c + [self.furui, "screen", SWEEP, "-o", prefix, "--max-attempts", "100"]

    def reference(self):
        d = os.path.join(self.a.workdir, "reference")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        t = time.time()
        p = run(self.cmd("ref"), d)
        self.t_run = max(time.time() - t, 0.5)
        if not check(p.returncode == 0, "reference run: exit %d %s" % (p.returncode, p.stderr)):
            sys.exit(1)
        ref = read_results(os.path.join(d, "ref.h5"))
        check(len(ref) == NCAND and all(v[0] == 3 for v in ref.values()),
              "reference: %d rows, states %s" % (len(ref), [v[0] for v in ref.values()]))
        print("reference run: %d candidates in %.2f s" % (len(ref), self.t_run), flush=True)
        self.ref = ref

    def one_kill(self, d, prefix):
        """Start a rerun, kill it at a drawn moment. Returns False if it finished first."""
        kinds = ["time", "time", "journal", "journal", "finalize", "early"]
        if self.strace:
            kinds.append("fsync")
        if self.a.job_options:
            kinds = ["running", "running", "running", "time"]
        kind = self.rng.choice(kinds)
        delay = self.rng.uniform(0, self.t_run * 1.2)
        jitter = self.rng.uniform(0, 0.02)
        jn = os.path.join(d, prefix + ".journal")
        size0 = os.path.getsize(jn) if os.path.exists(jn) else -1
        nrec0 = len(journal_records(jn)) if os.path.exists(jn) else 0
        pr = subprocess.Popen(self.cmd(prefix, strace=(kind == "fsync")), cwd=d, env=ENV,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
        t0 = time.time()
        fired = False
        while pr.poll() is None and time.time() - t0 < 120:
            now = time.time() - t0
            if kind == "time" and now >= delay:
                fired = True
            elif kind == "early" and now >= min(delay, 0.3):
                fired = True
            elif kind in ("journal", "fsync"):
                s = os.path.getsize(jn) if os.path.exists(jn) else -1
                if s != size0 and s > 16:
                    if size0 < 0:  # a new journal: its first append is the session record
                        size0 = s
                        continue
                    time.sleep(jitter)
                    fired = True
            elif kind == "running":
                # a candidate started in this run is running: the whole job dies around it
                recs = journal_records(jn) if os.path.exists(jn) else []
                if len(recs) > nrec0 and recs[-1][1] == 2:
                    time.sleep(jitter)
                    fired = True
            elif kind == "finalize":
                if glob.glob(os.path.join(d, prefix + ".h5.tmp.*")):
                    fired = True
            if fired:
                kill_all(pr)
                break
            time.sleep(0.001)
        if not fired:
            pr.wait(timeout=120)
            check(pr.returncode == 0, "a %s-kill run that finished on its own: exit %d"
                  % (kind, pr.returncode))
            print("  (%s kill: the run finished first, exit %d)" % (kind, pr.returncode),
                  flush=True)
            return False
        self.kills += 1
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        print("kill %2d: %-8s at %.3f s" % (self.kills, kind, time.time() - t0), flush=True)
        return True

    def after_kill(self, d, prefix, preserved):
        tag = "after kill %d" % self.kills
        if os.path.exists(os.path.join(d, prefix + ".journal")):
            if status_ok(self.furui, d, prefix, tag):
                self.torn += 1
            snap = os.path.join(d, "snapshot.h5")
            if os.path.exists(snap):
                os.remove(snap)
            p = run([self.furui, "merge", snap, prefix + ".journal"], d)
            if check(p.returncode == 0, "%s: merge of the journal: exit %d %s"
                     % (tag, p.returncode, p.stderr)):
                for k, (st, e) in read_results(snap).items():
                    if st == 3:
                        if k in preserved:
                            self.preserved_checks += 1
                            if not check(preserved[k] == e, "%s: done result of %s changed" % (tag, k)):
                                self.lost += 1
                        preserved[k] = e
                lost = [k for k in preserved if read_results(snap).get(k, (0,))[0] != 3]
                self.lost += len(lost)
                check(not lost, "%s: done results lost: %s" % (tag, lost))
        res = os.path.join(d, prefix + ".h5")
        if os.path.exists(res):
            try:
                read_results(res)
            except Exception as e:  # noqa: BLE001 - any failure to read is the finding
                check(False, "%s: %s exists but does not open: %s" % (tag, res, e))

    def finish_epoch(self, d, prefix, preserved):
        p = run(self.cmd(prefix), d)
        tag = "epoch %d" % self.epochs
        check(p.returncode == 0, "%s: completing run: exit %d %s" % (tag, p.returncode, p.stderr[-2000:]))
        res = os.path.join(d, prefix + ".h5")
        if not check(os.path.exists(res), "%s: no results file" % tag):
            return
        got = read_results(res)
        check(sorted(got) == sorted(self.ref), "%s: candidates %s, expected %s"
              % (tag, sorted(got), sorted(self.ref)))
        check(all(v[0] == 3 for v in got.values()), "%s: not all done: %s" % (tag, got))
        for k, e in preserved.items():
            if not check(got.get(k, (0, None))[1] == e,
                         "%s: %s done before a kill, changed at the end" % (tag, k)):
                self.lost += 1
        # results kept across kills must be bit-identical (checked above); a recomputed
        # candidate may differ in the last bits (SCF run again), so 1e-8 Ha against the reference
        f64 = lambda b: float(np.array([b], dtype="<u8").view("<f8")[0])
        diff = [k for k in self.ref if k not in got or
                not abs(f64(got[k][1]) - f64(self.ref[k][1])) <= 1e-8]
        check(not diff, "%s: energies differ from the reference run by > 1e-8 Ha: %s" % (tag, diff))
        nbit = sum(got.get(k, (0, None))[1] == self.ref[k][1] for k in self.ref)
        status_ok(self.furui, d, prefix, tag)
        tmp = glob.glob(os.path.join(d, prefix + ".h5.tmp.*"))
        self.stale_tmp += len(tmp)
        # the completing run holds the journal lock and removes what killed finalizes left
        check(not tmp, "%s: stale temporaries of killed finalizes left after the completing run: %s" % (tag, tmp))
        print("epoch %d complete: %d candidates, %d kept across kills (bit-identical), %d of %d "
              "bit-identical to the reference%s" % (self.epochs, len(got), len(preserved), nbit,
                                                    len(self.ref),
                               "; stale temporaries left by killed finalizes: %d" % len(tmp)
                               if tmp else ""), flush=True)

    def main(self):
        self.reference()
        while self.kills < self.a.kills:
            self.epochs += 1
            prefix = "fi"
            d = os.path.join(self.a.workdir, "epoch%02d" % self.epochs)
            shutil.rmtree(d, ignore_errors=True)
            os.makedirs(d)
            preserved = {}
            while self.kills < self.a.kills:
                if not self.one_kill(d, prefix):
                    break  # the run completed before its kill moment
                self.after_kill(d, prefix, preserved)
                if self.rng.random() < self.a.resume_probability:
                    break
            self.finish_epoch(d, prefix, preserved)
        print("fault-injection: seed %d, kills %d (%s), epochs %d, torn tails seen %d, "
              "preserved-result checks %d, results lost %d, stale temporaries %d, failures %d"
              % (self.a.seed, self.kills, ", ".join("%s %d" % kv for kv in sorted(self.kinds.items())),
                 self.epochs, self.torn, self.preserved_checks, self.lost, self.stale_tmp,
                 len(failures)), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--furui", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--mpiexec", default="mpiexec")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--kills", type=int, default=24)
    ap.add_argument("--resume-probability", type=float, default=0.3)
    ap.add_argument("--strace", action="store_true",
                    help="also kill runs whose fdatasync calls are delayed by strace")
    ap.add_argument("--job-options", action="store_true",
                    help="run with the job scripts' options (default --max-attempts) instead of "
                         "--max-attempts 100: whole-job kills must not lose candidates as crashed")
    a = ap.parse_args()
    if a.seed is None:
        a.seed = 20261122
    a.workdir = os.path.abspath(os.path.join(a.workdir, "fault_injection" + ("_jobopts" if a.job_options else "")))
    os.makedirs(a.workdir, exist_ok=True)
    print("fault injection: seed %d, %d kills (replay: --seed %d --kills %d)"
          % (a.seed, a.kills, a.seed, a.kills), flush=True)
    Injector(a).main()
    if failures:
        print("%d failure(s)" % len(failures))
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()

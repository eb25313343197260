#!/usr/bin/python3
"""End-to-end tests of `furui screen`, `furui status` and `furui merge`.

    screen_test.py --furui BIN --mpiexec MPIEXEC --workdir DIR CASE

Cases:
  dryrun       --dry-run lists every candidate (invalid with its reason) and creates no file;
               protocol: balanced on a small PseudoDojo table: one campaign cutoff (Al's hint) named,
               per-candidate meshes from the spacing;
               a bad sweep fails with one line and exit 1, before any file is created
  ranks        tests/screen/tiny.yaml on 1 rank, 2 ranks (group size 1), 3 ranks (group size 2),
               4 ranks (group size 2, --static): every candidate exactly once, the invalid one with
               its reason, energies equal to 1e-8 Ha across runs; one PREFIX.log per job, no
               PREFIX.gN.log (3 ranks, group size 1 and 2); furui merge of the group size 1 and 2
               results collapses them (merge tolerance); fail.yaml: failures recorded
               (no-convergence, message) and the farm goes on (exit 0); status; merge of two shards
  resume       --deadline stops early (exit 0, candidates left), the rerun completes; SIGUSR1 to
               mpiexec stops a 2-rank run early, the rerun completes; one done record per candidate
  kill         furui status of the live job (frozen with SIGSTOP) shows the started candidate
               running with its age; kill -9 of the whole mpiexec process group mid-run (status:
               interrupted); the rerun retries the
               interrupted candidate and completes; every candidate exactly once; a kill is not
               the candidate's crash: with --max-attempts 1 it is still rerun
  crash        a candidate that crashes its own rank (FURUI_FAULT_CRASH_ID) twice: PREFIX.crashes,
               then failed/crashed (final) while the others finish; furui status lists it with
               the retry command, which computes it
  conflict     merge of two different done results of one candidate exits 1 and names it
  recovery     recover.yaml: the as-given SCF fails, a later rung of the recovery ladder converges it;
               done with the rungs listed (message, and recovery_* columns: rung, outcome,
               iterations, seconds), the same on 1 and 2 ranks, energy equal (1e-8 Ha) to a run
               given enough iterations; all four rungs stored for a candidate that fails them all;
               the sweep keys recovery: {max_rungs:} and candidate_time_limit; SIGUSR1 stops a
               running SCF at an iteration boundary (interrupted, not final, redone by a rerun);
               fail.yaml with --recovery-rungs 1 tries one rung only, by default all rungs are listed;
               --candidate-time-limit: cause time-limit, final (a rerun does not redo it); a job
               deadline that falls inside a running SCF stops it (cause interrupted, not final) and
               the rerun completes it; one SCF log per job (PREFIX.log), no per-group logs
  shards       two copies of the sweep in different directories give the same IDs (invalid one
               included); merge --sweep of 2 of 3 shards lists the missing candidates, exit 2;
               --shard-index/--shard-count: usage errors (exit 64); the dry runs of 3 shards list
               disjoint candidates covering the sweep, in the documented order (sorted ID, pos % 3);
               3 shards run separately (the shard recorded in the provenance), furui merge of the
               three gives every candidate once, the same IDs as a 1-shard run
"""
import argparse
import hashlib
import json
import math
import os
import re
import signal
import shutil
import struct
import subprocess
import sys
import time

import h5py

HERE = os.path.dirname(os.path.abspath(__file__))
TINY = os.path.join(HERE, "tiny.yaml")
FAIL = os.path.join(HERE, "fail.yaml")
TINY_IDS = 6       # 5 valid + 1 invalid (poscars/broken)
TINY_INVALID = 1
sys.path.insert(0, os.path.dirname(HERE))
from testlib import ENV, check, failures, journal_payloads  # noqa: E402


def run(args, cwd, ranks=0, mpiexec="mpiexec", timeout=120, env=None):
    cmd = ([mpiexec, "--oversubscribe", "-n", str(ranks)] if ranks else []) + args
    t = time.time()
    p = subprocess.run(cmd, cwd=cwd, env=env or ENV, capture_output=True, text=True, timeout=timeout)
    print("$ %s  -> %d (%.1f s)" % (" ".join(cmd), p.returncode, time.time() - t))
    return p


def fresh(d):
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def read_results(path):
    """{id: (state, energy, cause, message, label)} from a results file; ids must be unique."""
    with h5py.File(path, "r") as f:
        c = f["candidates"]
        ids = [x.decode() if isinstance(x, bytes) else x for x in c["id"][()]]
        dec = lambda a: [x.decode() if isinstance(x, bytes) else x for x in a]
        st, e = c["state"][()], c["energy/total"][()]
        cause, msg, lab = dec(c["cause"][()]), dec(c["message"][()]), dec(c["label"][()])
        conv = c["converged"][()]
    check(len(ids) == len(set(ids)), "%s: duplicate candidate rows" % path)
    out = {}
    for i, k in enumerate(ids):
        out[k] = (int(st[i]), float(e[i]), cause[i], msg[i], lab[i], int(conv[i]))
    return out


def journal_records(path):
    """[(id, state)] of the candidate records of a journal (format: src/results/README.md)."""
    # candidate records of journal versions 1 / 2 / 3 / 4
    return [(p[1:17].decode(), p[17]) for p in journal_payloads(path) if p[0] in (2, 3, 4, 5)]


def read_history(path):
    """{id: ([(rung, outcome, iterations, seconds, message)], engine_s, io_s, settings_changed)}."""
    with h5py.File(path, "r") as f:
        c = f["candidates"]
        dec = lambda a: [x.decode() if isinstance(x, bytes) else x for x in a]
        ids = dec(c["id"][()])
        off = c["recovery_offset"][()]
        rung, outc, msg = dec(c["recovery_rung"][()]), dec(c["recovery_outcome"][()]), dec(c["recovery_message"][()])
        it, sec = c["recovery_iterations"][()], c["recovery_seconds"][()]
        eng, io, chg = c["engine_seconds"][()], c["io_seconds"][()], c["settings_changed"][()]
    out = {}
    for i, k in enumerate(ids):
        h = [(rung[q], outc[q], int(it[q]), float(sec[q]), msg[q]) for q in range(off[i], off[i + 1])]
        out[k] = (h, float(eng[i]), float(io[i]), int(chg[i]))
    return out


def check_tiny(res, tag):
    check(len(res) == TINY_IDS, "%s: %d rows, expected %d" % (tag, len(res), TINY_IDS))
    inval = [k for k, v in res.items() if v[0] == 5]
    done = [k for k, v in res.items() if v[0] == 3]
    check(len(inval) == TINY_INVALID, "%s: %d invalid rows" % (tag, len(inval)))
    check(len(done) == TINY_IDS - TINY_INVALID, "%s: %d done rows" % (tag, len(done)))
    for k in inval:
        check("broken" in res[k][3] and res[k][2] == "invalid",
              "%s: invalid candidate without its reason: %r" % (tag, res[k]))
    for k in done:
        check(res[k][5] == 1, "%s: done but not converged: %s" % (tag, k))


def check_no_duplicate_done(journal, tag):
    recs = journal_records(journal)
    done = {}
    for cid, st in recs:
        if st in (3, 5):
            done[cid] = done.get(cid, 0) + 1
    dup = [k for k, n in done.items() if n != 1]
    check(not dup, "%s: terminal record written more than once for %s" % (tag, dup))
    return recs


def case_dryrun(a):
    d = fresh(os.path.join(a.workdir, "dryrun"))
    p = run([a.furui, "screen", TINY, "--dry-run", "-o", "x"], d)
    check(p.returncode == 0, "dry-run exit %d: %s" % (p.returncode, p.stderr))
    lines = [l for l in p.stdout.splitlines() if not l.startswith("#")]
    check(len(lines) == TINY_IDS, "dry-run lists %d candidates, expected %d" % (len(lines), TINY_IDS))
    check(sum("invalid" in l and "broken" in l for l in lines) == 1, "dry-run: invalid row with reason")
    # one header line per resolved pseudopotential, with the file and the checksum of its entry
    psp = {l.split()[2]: l for l in p.stdout.splitlines() if l.startswith("# psp ")}
    gth = "/usr/share/cp2k/GTH_POTENTIALS"
    check(set(psp) >= {"Si", "C", "Mg", "O"} and all(gth in l and "sha256" in l for l in psp.values()),
          "dry-run lists the pseudopotential of each element: %r" % sorted(psp))
    check(len({l.split("sha256")[1] for l in psp.values()}) == len(psp),
          "each element's CP2K entry has its own checksum")
    check(os.listdir(d) == [], "dry-run created files: %s" % os.listdir(d))
    p = run([a.furui, "screen", TINY, "--dry-run"], d, ranks=2, mpiexec=a.mpiexec)
    rows = [l for l in p.stdout.splitlines() if not l.startswith("#")]
    check(p.returncode == 0 and len(rows) == TINY_IDS, "dry-run on 2 ranks: one table")
    check(os.listdir(d) == [], "dry-run (2 ranks) created files: %s" % os.listdir(d))
    bad = os.path.join(d, "bad.yaml")
    with open(bad, "w") as f:
        f.write(open(TINY).read().replace("ecut: 6 Ha", "ecut: -6 Ha"))
    p = run([a.furui, "screen", bad, "-o", "b"], d, ranks=2, mpiexec=a.mpiexec)
    err = [l for l in p.stderr.splitlines() if "furui" in l]
    check(p.returncode == 1 and len(err) == 1 and "ecut" in err[0],
          "bad sweep: exit %d, messages %r" % (p.returncode, err))
    check(sorted(os.listdir(d)) == ["bad.yaml"], "bad sweep created files: %s" % os.listdir(d))
    p = run([a.furui, "screen", TINY, "--group-size", "3"], d, ranks=2, mpiexec=a.mpiexec)
    check(p.returncode == 64, "group size larger than the workers: exit %d" % p.returncode)
    dryrun_protocol(a)


def dryrun_protocol(a):
    """protocol: balanced on a PseudoDojo table (Debian's Si and Al psp8 files, the PBE standard
    hints Si 14/18/24, Al 16/20/26 Ha): one cutoff, Al's normal 20 Ha, for Si too, named by the
    dry run; per-candidate meshes from 0.15 1/angstrom, |b| = 2 pi sqrt(3) / a."""
    src = "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8"
    if not os.path.exists(src + "/Al.psp8"):
        print("skip protocol dry run: no", src)
        return
    d = fresh(os.path.join(a.workdir, "dryrun_protocol"))
    os.makedirs(os.path.join(d, "tab"))
    for el in ("Si", "Al"):
        shutil.copy(os.path.join(src, el + ".psp8"), os.path.join(d, "tab"))
    hints = {"Si": (14, 18, 24), "Al": (16, 20, 26)}
    with open(os.path.join(d, "tab", "standard.djson"), "w") as f:
        json.dump({"pseudos_metadata": {el: {"basename": el + ".psp8", "Z_val": z, "hints": {
            lev: {"ecut": e} for lev, e in zip(("low", "normal", "high"), hints[el])}}
            for el, z in (("Si", 4.0), ("Al", 3.0))}}, f)
    sweep = os.path.join(d, "p.yaml")
    with open(sweep, "w") as f:
        f.write("candidates:\n  - prototype: diamond\n    A: Si\n    a: 5.43 angstrom\n"
                "  - prototype: fcc\n    A: Al\n    a: 4.05 angstrom\n"
                "pseudopotentials: {pbe: \"table:tab\"}\nxc: pbe\nprotocol: balanced\n")
    before = sorted(os.listdir(d))
    p = run([a.furui, "screen", sweep, "--dry-run"], d)
    check(p.returncode == 0, "protocol dry run exit %d: %s" % (p.returncode, p.stderr))
    check("# campaign cutoff 20 Ha for every candidate: the normal hint of Al" in p.stdout,
          "the dry run names Al's hint as the campaign cutoff: %r" % p.stdout)
    rows = [l for l in p.stdout.splitlines() if not l.startswith("#")]
    mesh = lambda a_ang: math.ceil(2 * math.pi * math.sqrt(3) / a_ang / 0.15 - 1e-6)
    want = {"Si/": "ecut=20Ha/k=%dx%dx%d/" % ((mesh(5.43),) * 3),
            "Al/": "ecut=20Ha/k=%dx%dx%d/" % ((mesh(4.05),) * 3)}
    for head, part in want.items():
        check(any(head in l and part in l and l.endswith("/protocol=balanced") for l in rows),
              "row %s...%s...protocol=balanced in %r" % (head, part, rows))
    check(sorted(os.listdir(d)) == before, "protocol dry run created files")


def case_ranks(a):
    d = fresh(os.path.join(a.workdir, "ranks"))
    configs = [("r1", 1, []), ("r2g1", 2, ["--group-size", "1"]), ("r3g2", 3, ["--group-size", "2"]),
               ("r4g2s", 4, ["--group-size", "2", "--static"])]
    results = {}
    for name, n, extra in configs:
        p = run([a.furui, "screen", TINY, "-o", name] + extra, d, ranks=n, mpiexec=a.mpiexec)
        if not check(p.returncode == 0, "%s: exit %d: %s" % (name, p.returncode, p.stderr[-2000:])):
            continue
        results[name] = read_results(os.path.join(d, name + ".h5"))
        check_tiny(results[name], name)
        check_no_duplicate_done(os.path.join(d, name + ".journal"), name)
    # O(1) files per job: one PREFIX.log written by the coordinator, no PREFIX.gN.log
    logs = sorted(f for f in os.listdir(d) if f.startswith("r3g2") and f.endswith(".log"))
    check(logs == ["r3g2.log"], "3 ranks, group size 2: one job log, no per-group logs: %s" % logs)
    logs = sorted(f for f in os.listdir(d) if f.endswith(".log") and ".g" in f)
    check(not logs, "per-group logs written: %s" % logs)
    if "r2g1" in results:
        text = open(os.path.join(d, "r2g1.log")).read()
        check(all(("# candidate %s" % k) in text for k, v in results["r2g1"].items() if v[0] == 3),
              "the job log of a 2-rank run holds every candidate under its ID header")
    # the same candidates computed with group size 1 and 2 differ by rounding only: the
    # merge collapses them (tolerance of src/results/README.md) instead of a conflict
    if "r2g1" in results and "r3g2" in results:
        p = run([a.furui, "merge", "g12.h5", "r2g1.h5", "r3g2.h5"], d)
        check(p.returncode == 0 and "6 candidates" in p.stdout,
              "merge of group size 1 and 2 results: exit %d %s %s" % (p.returncode, p.stdout, p.stderr))
        worst = max([abs(results["r2g1"][k][1] - results["r3g2"][k][1]) for k in results["r2g1"]
                     if results["r2g1"][k][0] == 3] or [0])
        print("group size 1 vs 2: largest energy difference %.2e Ha; %s" % (worst, p.stdout.strip()))
        if worst > 0:  # the results differ in the last bits: only the tolerance lets them collapse
            check("(0 equal within" not in p.stdout, "bit-different results collapsed without the tolerance?")
    ref = results.get("r1")
    if ref:
        worst = 0.0
        for name, res in results.items():
            for k, v in ref.items():
                if v[0] == 3 and k in res:
                    worst = max(worst, abs(res[k][1] - v[1]))
        print("largest energy difference across rank counts: %.2e Ha" % worst)
        check(worst <= 1e-8, "energies differ by %.2e Ha across rank counts" % worst)
    # the FFTW plans the workers measured reach rank 0's wisdom file (rank 0 plans nothing
    # itself), and a rerun with that file reuses them: the same numbers to the last bit
    wis = os.path.join(d, "fftw.wisdom")
    wenv = dict(ENV, FURUI_FFTW_WISDOM=wis)
    wres = []
    for name in ("w1", "w2"):
        p = run([a.furui, "screen", TINY, "-o", name, "--group-size", "1"], d, ranks=3,
                mpiexec=a.mpiexec, env=wenv)
        if check(p.returncode == 0, "%s: exit %d: %s" % (name, p.returncode, p.stderr[-2000:])):
            wres.append(read_results(os.path.join(d, name + ".h5")))
        if name == "w1":
            text = open(wis).read() if os.path.exists(wis) else ""
            check(text.count("\n") > 10, "3-rank screen: the wisdom file holds the workers' plans "
                  "(%d lines)" % text.count("\n"))
    if len(wres) == 2:
        check(all(wres[0][k][:2] == wres[1][k][:2] for k in wres[0] if wres[0][k][0] == 3),
              "a rerun with the saved plans reproduces every energy bit for bit")
    # failures in the SCF are recorded and the farm goes on (3 ranks, group size 1)
    p = run([a.furui, "screen", FAIL, "-o", "f", "--group-size", "1"], d, ranks=3, mpiexec=a.mpiexec)
    logs = sorted(f for f in os.listdir(d) if f.startswith("f.") and f.endswith(".log"))
    check(logs == ["f.log"], "3 ranks, group size 1: only f.log, no f.gN.log: %s" % logs)
    check(p.returncode == 0, "fail sweep: exit %d" % p.returncode)
    if os.path.exists(os.path.join(d, "f.h5")):
        res = read_results(os.path.join(d, "f.h5"))
        check(len(res) == 2 and all(v[0] == 4 and v[2] == "no-convergence" and "not converged" in v[3]
                                    for v in res.values()), "fail sweep rows: %r" % res)
        check(all(v[1] != v[1] for v in res.values()), "an unconverged energy was stored")
    p = run([a.furui, "status", "f"], d)
    check(p.returncode == 0 and "2 failed" in p.stdout and "no-convergence" in p.stdout,
          "status of failures: %s" % p.stdout)
    # merge of two shards: every candidate once
    p = run([a.furui, "merge", "m.h5", "r1.h5", "f.journal"], d)
    check(p.returncode == 0, "merge: exit %d %s" % (p.returncode, p.stderr))
    if p.returncode == 0:
        m = read_results(os.path.join(d, "m.h5"))
        check(len(m) == TINY_IDS + 2, "merge: %d rows" % len(m))


def case_resume(a):
    d = fresh(os.path.join(a.workdir, "resume"))
    # deadline: first candidate handed out at once, the rest once the deadline is near
    p = run([a.furui, "screen", TINY, "-o", "dl", "--deadline", "0.1"], d)
    check(p.returncode == 0, "deadline run: exit %d %s" % (p.returncode, p.stderr))
    res = read_results(os.path.join(d, "dl.h5")) if os.path.exists(os.path.join(d, "dl.h5")) else {}
    left = [k for k, v in res.items() if v[0] in (1, 2)]
    check(len(res) == TINY_IDS and len(left) >= 1, "deadline run: %d rows, %d left" % (len(res), len(left)))
    p = run([a.furui, "status", "dl"], d)
    check(p.returncode == 0 and "left:" in p.stdout, "status after deadline: %s" % p.stdout)
    p = run([a.furui, "screen", TINY, "-o", "dl"], d, ranks=2, mpiexec=a.mpiexec)
    check(p.returncode == 0 and "0 left" in p.stdout, "rerun after deadline: %s" % p.stdout)
    check_tiny(read_results(os.path.join(d, "dl.h5")), "deadline+rerun")
    check_no_duplicate_done(os.path.join(d, "dl.journal"), "deadline+rerun")
    # SIGUSR1 to mpiexec (forwarded to the ranks): stop handing out work
    cmd = [a.mpiexec, "--oversubscribe", "-n", "2", a.furui, "screen", TINY, "-o", "sg"]
    pr = subprocess.Popen(cmd, cwd=d, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    jn = os.path.join(d, "sg.journal")
    t = time.time()
    while time.time() - t < 60 and pr.poll() is None:
        if os.path.exists(jn) and any(s == 2 for _, s in journal_records(jn)):
            break
        time.sleep(0.01)
    pr.send_signal(signal.SIGUSR1)
    out, err = pr.communicate(timeout=120)
    check(pr.returncode == 0, "SIGUSR1 run: exit %d %s" % (pr.returncode, err[-1000:]))
    if os.path.exists(os.path.join(d, "sg.h5")):
        res = read_results(os.path.join(d, "sg.h5"))
        nleft = sum(v[0] in (1, 2) for v in res.values())
        print("after SIGUSR1: %d candidate(s) left" % nleft)
        check(nleft >= 1 or "signal" not in err, "SIGUSR1: nothing left although a signal was seen")
        check(not any(v[0] == 2 for v in res.values()), "SIGUSR1: a running candidate was abandoned")
    p = run([a.furui, "screen", TINY, "-o", "sg"], d, ranks=3, mpiexec=a.mpiexec)
    check(p.returncode == 0 and "0 left" in p.stdout, "rerun after SIGUSR1: %s" % p.stdout)
    check_tiny(read_results(os.path.join(d, "sg.h5")), "signal+rerun")
    check_no_duplicate_done(os.path.join(d, "sg.journal"), "signal+rerun")


def descendants(root):
    """PIDs of all processes below root (from /proc)."""
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


def case_kill(a):
    d = fresh(os.path.join(a.workdir, "kill"))
    cmd = [a.mpiexec, "--oversubscribe", "-n", "2", a.furui, "screen", TINY, "-o", "k"]
    pr = subprocess.Popen(cmd, cwd=d, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          start_new_session=True)
    jn = os.path.join(d, "k.journal")
    t, killed = time.time(), False
    while time.time() - t < 60 and pr.poll() is None:
        recs = journal_records(jn) if os.path.exists(jn) else []
        # kill while a candidate runs, after at least one finished
        if any(s == 3 for _, s in recs) and recs and recs[-1][1] == 2:
            # the ranks, not only mpiexec: they may sit in process groups of their own
            pids = [pr.pid] + descendants(pr.pid)
            # frozen (the coordinator still holds the journal's lock), the job is live: furui
            # status must call the started candidate running, with its age
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGSTOP)
                except ProcessLookupError:
                    pass
            live = run([a.furui, "status", "k"], d)
            print(live.stdout)
            check(live.returncode == 0 and "started = running" in live.stdout and
                  re.search(r"^  [0-9a-f]{16} running \d+h\d\dm\d\ds ", live.stdout, re.M) is not None,
                  "status of a live job: started candidates are running, with their age: %s" % live.stdout)
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            killed = True
            break
        time.sleep(0.005)
    pr.wait(timeout=60)
    check(killed, "the run finished before it could be killed")
    recs = journal_records(jn)
    print("journal at the kill: %d candidate records, last state %d" % (len(recs), recs[-1][1]))
    check(not os.path.exists(os.path.join(d, "k.h5")), "results written although killed")
    p = run([a.furui, "status", "k"], d)
    check(p.returncode == 0 and "started = interrupted" in p.stdout and " running " not in p.stdout,
          "status after kill: %s" % p.stdout)
    # a kill of the whole job is not the candidate's own crash: even with --max-attempts 1 the
    # interrupted candidate is rerun (recorded "interrupted", not "crashed")
    shutil.copy(jn, os.path.join(d, "k1.journal"))
    p = run([a.furui, "screen", TINY, "-o", "k1", "--max-attempts", "1"], d)
    res = read_results(os.path.join(d, "k1.h5")) if p.returncode == 0 else {}
    check(len(res) == TINY_IDS and not any(v[2] == "crashed" for v in res.values()) and
          sum(v[0] == 3 for v in res.values()) == TINY_IDS - TINY_INVALID,
          "--max-attempts 1 after a kill: %r" % res)
    p = run([a.furui, "screen", TINY, "-o", "k", "--group-size", "2"], d, ranks=3, mpiexec=a.mpiexec)
    check(p.returncode == 0 and "0 left" in p.stdout, "rerun after kill: %s %s" % (p.stdout, p.stderr))
    res = read_results(os.path.join(d, "k.h5"))
    check_tiny(res, "kill+rerun")
    check_no_duplicate_done(jn, "kill+rerun")
    # a result computed before the kill was not recomputed
    recs = journal_records(jn)
    started = {}
    for cid, s in recs:
        if s == 2:
            started[cid] = started.get(cid, 0) + 1
    check(max(started.values()) == 2 and sum(n == 2 for n in started.values()) == 1,
          "exactly the interrupted candidate runs twice: %r" % started)


def case_crash(a):
    """A candidate that crashes its own rank (FURUI_FAULT_CRASH_ID: SIGSEGV when it starts)
    leaves PREFIX.crashes; each rerun counts that crash; after --max-attempts (2) of them it is
    recorded failed/crashed, final, the others done; furui status lists it with the retry
    command, and that command (more attempts) computes it."""
    d = fresh(os.path.join(a.workdir, "crash"))
    p = run([a.furui, "screen", TINY, "--dry-run"], d)
    valid = sorted(l.split()[1] for l in p.stdout.splitlines() if l.startswith("  ") and " valid " in l)
    victim = valid[0]
    cenv = dict(ENV, FURUI_FAULT_CRASH_ID=victim)
    cmd = [a.furui, "screen", TINY, "-o", "c", "--group-size", "1"]
    marks = os.path.join(d, "c.crashes")
    for k in range(2):
        p = run(cmd, d, ranks=2, mpiexec=a.mpiexec, env=cenv)
        check(p.returncode != 0, "crash run %d: exit %d" % (k + 1, p.returncode))
        got = open(marks).read().split() if os.path.exists(marks) else []
        check(got and set(got) == {victim}, "crash run %d: c.crashes holds %s, expected %s" % (k + 1, got, victim))
    p = run(cmd, d, ranks=2, mpiexec=a.mpiexec)  # no more crash: the two crashes were its own
    check(p.returncode == 0, "after two crashes: exit %d %s" % (p.returncode, p.stderr[-800:]))
    check(not os.path.exists(marks), "c.crashes left after the crashes were recorded")
    res = read_results(os.path.join(d, "c.h5"))
    check(res.get(victim, (0, 0, ""))[:1] == (4,) and res[victim][2] == "crashed",
          "after two crashes: %s is %r, expected failed/crashed" % (victim, res.get(victim)))
    check(sum(v[0] == 3 for v in res.values()) == TINY_IDS - TINY_INVALID - 1, "the others are done: %r" % res)
    p = run([a.furui, "status", "c"], d)
    print(p.stdout)
    m = [l for l in p.stdout.splitlines() if l.startswith("retry: furui screen ")]
    check(p.returncode == 0 and victim in p.stdout.split("crashed (given up", 1)[-1] and m,
          "status lists the crashed candidate and the retry command: %s" % p.stdout)
    if m:
        argv = m[0].split("(")[0].split()[1:]
        check(argv[:5] == ["furui", "screen", "SWEEP.yaml", "-o", "c"] and argv[5] == "--max-attempts"
              and int(argv[6]) > 2, "retry command: %s" % m[0])
        p = run([a.furui, "screen", TINY] + argv[3:] + ["--group-size", "1"], d, ranks=2, mpiexec=a.mpiexec)
        check(p.returncode == 0 and " 0 left " in p.stdout, "the retry command: %s" % p.stdout)
        res = read_results(os.path.join(d, "c.h5"))
        check_tiny(res, "crash + retry")
        check_no_duplicate_done(os.path.join(d, "c.journal"), "crash + retry")


def case_conflict(a):
    d = fresh(os.path.join(a.workdir, "conflict"))
    p = run([a.furui, "screen", TINY, "-o", "c"], d)
    if not check(p.returncode == 0, "run: exit %d" % p.returncode):
        return
    # forge a journal holding one done record with a different total energy
    data = open(os.path.join(d, "c.journal"), "rb").read()
    off, frame = 16, None
    while off + 40 <= len(data):
        (n,) = struct.unpack_from("<I", data, off + 4)
        payload = data[off + 40:off + 40 + n]
        if payload[0] in (2, 3, 4, 5) and payload[17] == 3:
            frame = bytearray(payload)
            break
        off += 40 + n
    pos = 1 + 16 + 3 + 8 + 16
    for _ in range(3):  # skip the strings label, cause, message
        (ln,) = struct.unpack_from("<I", frame, pos)
        pos += 4 + ln
    (e,) = struct.unpack_from("<d", frame, pos)
    struct.pack_into("<d", frame, pos, e + 1e-3)
    forged = data[:16] + b"\xa5\x46\x4a\x5a" + struct.pack("<I", len(frame)) + \
        hashlib.sha256(bytes(frame)).digest() + bytes(frame)
    with open(os.path.join(d, "forged.journal"), "wb") as f:
        f.write(forged)
    p = run([a.furui, "merge", "out.h5", "c.h5", "forged.journal"], d)
    cid = bytes(frame[1:17]).decode()
    check(p.returncode == 1 and cid in p.stderr and "conflict" in p.stderr,
          "conflict: exit %d, %s" % (p.returncode, p.stderr))
    check(not os.path.exists(os.path.join(d, "out.h5")), "a conflicting merge wrote its output")


def case_recovery(a):
    d = fresh(os.path.join(a.workdir, "recovery"))
    rec = os.path.join(HERE, "recover.yaml")
    p = run([a.furui, "screen", rec, "-o", "rc"], d, ranks=2, mpiexec=a.mpiexec)
    check(p.returncode == 0, "recover sweep: exit %d %s" % (p.returncode, p.stderr[-1000:]))
    res = read_results(os.path.join(d, "rc.h5")) if os.path.exists(os.path.join(d, "rc.h5")) else {}
    v = list(res.values())[0] if len(res) == 1 else None
    check(v is not None and v[0] == 3 and v[5] == 1, "recovered candidate is done: %r" % (v,))
    if v:
        check(v[3].startswith("recovery: as-given: no-convergence") and "done" in v[3],
              "rungs recorded in the message: %r" % v[3])
        h, eng, io, chg = list(read_history(os.path.join(d, "rc.h5")).values())[0]
        print("recovery history: %r, engine %.2f s, coordinator I/O %.4f s" % (h, eng, io))
        check(len(h) >= 2 and h[0][:3] == ("as-given", "no-convergence", 6) and h[-1][1] == "done"
              and all(x[1] == "no-convergence" for x in h[:-1]),
              "the history lists every rung with outcome and iterations: %r" % h)
        check(eng > 0 and abs(eng - sum(x[3] for x in h)) < 1e-6 * max(1, eng) + 1e-3 and io >= 0,
              "engine time = sum of the rungs' times, I/O time recorded: %r %r" % (eng, io))
        check(chg == 0, "no smearing change for a damping/more-bands recovery")
        # an SCF that needed the recovery ladder is a warning: in the message, the HDF5
        # `warnings` column and furui status
        with h5py.File(os.path.join(d, "rc.h5"), "r") as f:
            w = [x.decode() if isinstance(x, bytes) else x for x in f["candidates/warnings"][()]]
        check(len(w) == 1 and "recovery ladder" in w[0] and "warning: " + w[0].split("; ")[0] in v[3],
              "recovered candidate: warnings column %r, message %r" % (w, v[3]))
        st = run([a.furui, "status", "rc"], d)
        check(st.returncode == 0 and "warnings" in st.stdout and "recovery ladder" in st.stdout,
              "furui status lists the warning: %r" % st.stdout)
        # the same candidate on 1 rank: same rungs, outcome and energy
        p = run([a.furui, "screen", rec, "-o", "rc1"], d)
        r1 = read_results(os.path.join(d, "rc1.h5")) if p.returncode == 0 else {}
        h1 = list(read_history(os.path.join(d, "rc1.h5")).values())[0][0] if r1 else []
        v1 = list(r1.values())[0] if len(r1) == 1 else None
        check(v1 is not None and v1[0] == 3 and abs(v1[1] - v[1]) <= 1e-8 and
              [x[:3] for x in h1] == [x[:3] for x in h],
              "1 and 2 ranks: same rungs, outcomes, iterations and energy: %r vs %r" % (h1, h))
    ok = os.path.join(d, "ok.yaml")
    with open(ok, "w") as f:
        f.write(open(rec).read().replace("max_iterations: 6", "max_iterations: 60"))
    p = run([a.furui, "screen", ok, "-o", "ok"], d)
    ref = read_results(os.path.join(d, "ok.h5")) if p.returncode == 0 else {}
    if v and len(ref) == 1:
        r = list(ref.values())[0]
        # the message may carry physics warnings (input/README.md "Warnings"), nothing else
        check(all(m.startswith("warning: ") for m in r[3].split("; ") if m),
              "a run that converges as given records no recovery: %r" % r[3])
        # not relaxed: a pressure warning exactly when |P| = |tr stress|/3 > 5 GPa
        with h5py.File(os.path.join(d, "ok.h5"), "r") as f:
            st = f["candidates/stress"][()][0]
        pgpa = -(st[0][0] + st[1][1] + st[2][2]) / 3.0 * 29421.015697
        check((abs(pgpa) > 5.0) == ("warning: pressure" in r[3]),
              "pressure %.3g GPa and message %r" % (pgpa, r[3]))
        with h5py.File(os.path.join(d, "ok.h5"), "r") as f:
            w = [x.decode() if isinstance(x, bytes) else x for x in f["candidates/warnings"][()]]
        check(len(w) == 1 and "recovery" not in w[0] and (abs(pgpa) > 5.0) == w[0].startswith("pressure"),
              "converged as given: warnings column %r" % w)
        print("recovered vs direct energy: %.2e Ha" % abs(r[1] - v[1]))
        check(abs(r[1] - v[1]) <= 1e-8, "recovered energy differs by %.2e Ha" % abs(r[1] - v[1]))
    # fail.yaml cannot converge in 2-3 iterations per rung: every rung fails, all are listed
    p = run([a.furui, "screen", FAIL, "-o", "f1", "--recovery-rungs", "1"], d)
    r1 = read_results(os.path.join(d, "f1.h5")) if p.returncode == 0 else {}
    check(len(r1) == 2 and all(x[0] == 4 and "recovery" not in x[3] for x in r1.values()),
          "--recovery-rungs 1: failed without retries: %r" % r1)
    p = run([a.furui, "screen", FAIL, "-o", "f4"], d)
    r4 = read_results(os.path.join(d, "f4.h5")) if p.returncode == 0 else {}
    check(len(r4) == 2 and all(x[0] == 4 and x[2] == "no-convergence" and
                               all(s in x[3] for s in ("as-given:", "damping:", "more-bands:", "smearing:"))
                               for x in r4.values()), "all rungs tried and listed: %r" % r4)
    check(all(x[1] != x[1] for x in r4.values()), "an unconverged energy was stored")
    h4 = read_history(os.path.join(d, "f4.h5")) if r4 else {}
    check(len(h4) == 2 and all([x[0] for x in v[0]] == ["as-given", "damping", "more-bands", "smearing"]
                               and all(x[1] == "no-convergence" and x[2] > 0 and x[4] for x in v[0])
                               for v in h4.values()),
          "failed candidates keep the history of all four rungs: %r" % h4)
    # the sweep keys: recovery: {max_rungs: 1} and candidate_time_limit
    one = os.path.join(d, "one.yaml")
    with open(one, "w") as f:
        f.write(open(FAIL).read() + "recovery: {max_rungs: 1}\n")
    p = run([a.furui, "screen", one, "-o", "k1"], d)
    hk = read_history(os.path.join(d, "k1.h5")) if p.returncode == 0 else {}
    check(len(hk) == 2 and all(len(v[0]) == 1 for v in hk.values()),
          "recovery: {max_rungs: 1} in the sweep: one rung only: %r" % hk)
    p = run([a.furui, "screen", one, "-o", "k2", "--recovery-rungs", "2"], d)
    hk = read_history(os.path.join(d, "k2.h5")) if p.returncode == 0 else {}
    check(len(hk) == 2 and all(len(v[0]) == 2 for v in hk.values()),
          "--recovery-rungs overrides the sweep's max_rungs: %r" % hk)
    tly = os.path.join(d, "tl.yaml")
    with open(tly, "w") as f:
        f.write(open(rec).read() + "candidate_time_limit: 1e-6\n")
    p = run([a.furui, "screen", tly, "-o", "tly"], d)
    r = read_results(os.path.join(d, "tly.h5")) if p.returncode == 0 else {}
    check(len(r) == 1 and all(x[0] == 4 and x[2] == "time-limit" for x in r.values()),
          "candidate_time_limit in the sweep: cause time-limit: %r" % r)
    # per-candidate time limit: final failure with its own cause
    p = run([a.furui, "screen", TINY, "-o", "tl", "--candidate-time-limit", "1e-6"], d, ranks=2,
            mpiexec=a.mpiexec)
    tl = read_results(os.path.join(d, "tl.h5")) if p.returncode == 0 else {}
    valid = [x for x in tl.values() if x[0] != 5]
    check(len(valid) == TINY_IDS - TINY_INVALID and all(x[0] == 4 and x[2] == "time-limit" for x in valid),
          "time limit: every valid candidate failed with cause time-limit: %r" % tl)
    p = run([a.furui, "screen", TINY, "-o", "tl"], d)
    check(p.returncode == 0 and "(0 run now" in p.stdout, "time-limit failures are final: %s" % p.stdout)
    # a job deadline inside a running SCF: interrupted, not final, redone by the rerun
    slow = os.path.join(d, "slow.yaml") # a few seconds per SCF, far beyond the deadline
    with open(slow, "w") as f:
        f.write(open(rec).read().replace("max_iterations: 6", "max_iterations: 60")
                .replace("ecut: 6 Ha", "ecut: 25 Ha").replace("[2, 2, 2]", "[6, 6, 6]"))
    p = run([a.furui, "screen", slow, "-o", "dl", "--deadline", "0.5"], d)
    dl = read_results(os.path.join(d, "dl.h5")) if p.returncode == 0 else {}
    intr = [x for x in dl.values() if x[2] == "interrupted"]
    check(len(dl) == 1 and len(intr) == 1 and intr[0][0] == 4 and intr[0][1] != intr[0][1],
          "deadline interrupts the running SCF, no energy stored: %r" % dl)
    p = run([a.furui, "screen", slow, "-o", "dl"], d, ranks=2, mpiexec=a.mpiexec)
    check(p.returncode == 0 and "0 left" in p.stdout, "rerun after interruption: %s" % p.stdout)
    dl = read_results(os.path.join(d, "dl.h5")) if p.returncode == 0 else {}
    check(len(dl) == 1 and all(x[0] == 3 for x in dl.values()), "interrupted candidate redone: %r" % dl)
    # SIGUSR1 while the SCF of a 2-rank run is running: the worker's SCF stops at its next
    # iteration (not at the end of the candidate), the candidate is interrupted, not final
    cmd = [a.mpiexec, "--oversubscribe", "-n", "2", a.furui, "screen", slow, "-o", "sig"]
    pr = subprocess.Popen(cmd, cwd=d, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    jn = os.path.join(d, "sig.journal")
    t = time.time()
    while time.time() - t < 60 and pr.poll() is None:
        if os.path.exists(jn) and any(st == 2 for _, st in journal_records(jn)):
            break
        time.sleep(0.01)
    pr.send_signal(signal.SIGUSR1)
    out, err = pr.communicate(timeout=120)
    sg = read_results(os.path.join(d, "sig.h5")) if pr.returncode == 0 else {}
    check(len(sg) == 1 and all(x[0] == 4 and x[2] == "interrupted" and x[1] != x[1] for x in sg.values()),
          "SIGUSR1 interrupts the running SCF (cause interrupted, no energy): exit %d %r %s" %
          (pr.returncode, sg, err[-500:]))
    if sg:
        h = list(read_history(os.path.join(d, "sig.h5")).values())[0][0]
        check(len(h) == 1 and h[0][1] == "interrupted" and h[0][2] < 60,
              "the interrupted SCF stopped before its iteration limit: %r" % h)
    p = run([a.furui, "screen", slow, "-o", "sig"], d)
    sg = read_results(os.path.join(d, "sig.h5")) if p.returncode == 0 else {}
    check(len(sg) == 1 and all(x[0] == 3 for x in sg.values()), "rerun after SIGUSR1 redoes it: %r" % sg)
    # O(1) files: one log for the job, with every candidate of the run
    logs = sorted(f for f in os.listdir(d) if f.startswith("dl") and f.endswith(".log"))
    check(logs == ["dl.log"], "one SCF log per job: %s" % logs)
    text = open(os.path.join(d, "dl.log")).read() if logs else ""
    check(all(k in text for k, x in dl.items() if x[0] != 5), "the job log holds every candidate run")


def dry_ids(a, d, extra, sweep=TINY):
    p = run([a.furui, "screen", sweep, "--dry-run"] + extra, d)
    check(p.returncode == 0, "dry run %s: exit %d %s" % (extra, p.returncode, p.stderr))
    return [l.split()[1] for l in p.stdout.splitlines() if l.startswith("  ")]


def case_shards(a):
    d = fresh(os.path.join(a.workdir, "shards"))
    for bad in (["--shard-index", "0"], ["--shard-index", "2", "--shard-count", "2"],
                ["--shard-index", "0", "--shard-count", "0"]):
        p = run([a.furui, "screen", TINY, "--dry-run"] + bad, d)
        check(p.returncode == 64 and len(p.stderr.strip().splitlines()) == 1 and "shard" in p.stderr,
              "usage error for %s: exit %d %r" % (bad, p.returncode, p.stderr))
    full = dry_ids(a, d, [])
    check(len(full) == TINY_IDS, "dry run lists %d candidates" % len(full))
    # two copies of the sweep (and its poscar_dir) in different directories: the same IDs,
    # the invalid file's included, so shards given different paths agree
    copies = []
    for sub in ("copyA/deeper", "copyB"):
        dd = os.path.join(d, sub)
        os.makedirs(dd)
        shutil.copy(TINY, dd)
        shutil.copytree(os.path.join(HERE, "poscars"), os.path.join(dd, "poscars"))
        copies.append(os.path.join(dd, "tiny.yaml"))
    ida, idb = dry_ids(a, d, [], copies[0]), dry_ids(a, d, [], copies[1])
    check(sorted(ida) == sorted(idb) == sorted(full) and len(ida) == TINY_IDS,
          "copies of the sweep at different paths give the same IDs: %s / %s / %s" % (ida, idb, full))
    order = sorted(full)
    for k in range(3):
        ids = dry_ids(a, d, ["--shard-index", str(k), "--shard-count", "3"])
        check(sorted(ids) == order[k::3], "dry run of shard %d: %s, expected %s" % (k, ids, order[k::3]))
    p = run([a.furui, "screen", TINY, "-o", "all"], d)
    check(p.returncode == 0, "1-shard run: exit %d %s" % (p.returncode, p.stderr[-2000:]))
    ref = read_results(os.path.join(d, "all.h5")) if p.returncode == 0 else {}
    shards = []
    for k in range(3):
        name = "s%d" % k
        # shard 1 reads the sweep from another directory: IDs and split agree all the same
        p = run([a.furui, "screen", copies[1] if k == 1 else TINY, "-o", name, "--shard-index", str(k),
                 "--shard-count", "3"], d, ranks=2 if k == 1 else 0, mpiexec=a.mpiexec)
        if not check(p.returncode == 0, "shard %d: exit %d %s" % (k, p.returncode, p.stderr[-2000:])):
            continue
        check("shard %d of 3" % k in p.stdout, "shard %d: not in the summary: %s" % (k, p.stdout))
        res = read_results(os.path.join(d, name + ".h5"))
        check(sorted(res) == order[k::3], "shard %d holds %s, expected %s" % (k, sorted(res), order[k::3]))
        with h5py.File(os.path.join(d, name + ".h5"), "r") as f:
            pv = f["provenance"]
            check(int(pv["shard_index"][()]) == k and int(pv["shard_count"][()]) == 3,
                  "shard %d: provenance shard_index/count %s/%s" % (k, pv["shard_index"][()], pv["shard_count"][()]))
        shards.append(name + (".journal" if k == 2 else ".h5"))
    # merge --sweep: the expected IDs come from the sweep, so a shard that never ran is
    # reported (its candidates listed) and the exit status is 2; the file is still written
    if len(shards) == 3:
        p = run([a.furui, "merge", "--sweep", TINY, "two.h5", shards[0], shards[1]], d)
        miss = order[2::3]
        check(p.returncode == 2 and all(k in p.stdout for k in miss) and "missing" in p.stdout and
              os.path.exists(os.path.join(d, "two.h5")) and "in no input" in p.stderr,
              "merge --sweep of 2 of 3 shards: exit %d, missing %s: %s %s" % (p.returncode, miss, p.stdout, p.stderr))
        p = run([a.furui, "merge", "--sweep", copies[0], "three.h5"] + shards, d)
        check(p.returncode == 0 and "missing" not in p.stdout,
              "merge --sweep of all 3 shards: exit %d %s %s" % (p.returncode, p.stdout, p.stderr))
    p = run([a.furui, "merge", "merged.h5"] + shards, d)
    check(p.returncode == 0, "merge of the shards: exit %d %s" % (p.returncode, p.stderr))
    if p.returncode == 0:
        m = read_results(os.path.join(d, "merged.h5"))
        check_tiny(m, "merged shards")
        check(sorted(m) == sorted(ref), "merged IDs %s differ from the 1-shard run's %s" % (sorted(m), sorted(ref)))
        check(all(m[k][0] == ref[k][0] for k in ref if k in m), "merged states differ from the 1-shard run")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--furui", required=True)
    ap.add_argument("--mpiexec", default="mpiexec")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("case", choices=["dryrun", "ranks", "resume", "kill", "crash", "conflict", "shards", "recovery"])
    a = ap.parse_args()
    a.furui = os.path.abspath(a.furui)
    os.makedirs(a.workdir, exist_ok=True)
    t = time.time()
    globals()["case_" + a.case](a)
    print("%s: %s (%.1f s)" % (a.case, "FAILED" if failures else "ok", time.time() - t))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

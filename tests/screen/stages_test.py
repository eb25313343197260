#!/usr/bin/python3
"""A staged funnel in one sweep (`stages:`, campaign/stages.h), end to end.

    stages_test.py --furui BIN --workdir DIR CASE

The campaign: fcc Al and Cu (metals) and diamond C, rock-salt MgO and NaCl (insulators with
gaps of several eV; experiment and every DFT code agree, also at this low cutoff, with LDA's
usual underestimate). Stage 1 is a single point of each; stage 2 (`where: band_gap_ev > 1`)
an equation of state of the candidates with a gap, at a higher cutoff. Cases:
  funnel    exactly the three insulators proceed; the stage columns of the results file and
            journal; status per stage; rank and export use each candidate's last stage, or
            the stage asked for; an unstaged sweep of stage 1's settings has the same IDs
            as stage 1 and no stage columns (backward compatible)
  resume    SIGTERM while stage 2 runs: the rerun finishes stage 2 without running any
            stage-1 candidate again (one `started` record each in the journal)
  shards    two shards run both stages each on their own candidates; merge --sweep expects
            stage 1 and the selected stage-2 candidates and finds none missing; a where on
            a campaign-wide property (hull distance) is refused in a sharded run
  badinput  unknown property, unparsable where, unknown protocol, spacing <= 0, a list in a
            stage: one line naming file:line and key, exit 1, no file made
"""
import argparse
import os
import shutil
import signal
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from testlib import ENV, check, finish, journal_payloads  # noqa: E402

import h5py  # noqa: E402

BASE = """name: funnel
candidates:
  - prototype: fcc
    A: [Al, Cu]
  - prototype: diamond
    A: C
  - prototype: rocksalt
    A: Mg
    B: O
  - prototype: rocksalt
    A: Na
    B: Cl
xc: lda
pseudopotentials: {lda: "cp2k:GTH-PADE"}
ecut: 10 Ha
kpoints: {grid: [3, 3, 3]}
smearing: {kind: fermi-dirac, width: 0.01 Ha}
"""
STAGES = """stages:
  - name: scan
  - name: eos
    where: "band_gap_ev > 1"
    ecut: %s
    properties: {eos: {points: %d, range: 0.02}}
"""
METALS = {"Al", "Cu"}
INSULATORS = {"C", "MgO", "ClNa"}


def sweep(d, name="s.yaml", ecut2="12 Ha", points=5, extra=""):
    with open(os.path.join(d, name), "w") as f:
        f.write(BASE + STAGES % (ecut2, points) + extra)


def run(args, d, timeout=600):
    p = subprocess.run(args, cwd=d, env=ENV, capture_output=True, text=True, timeout=timeout)
    print("$ %s -> %d" % (" ".join(args), p.returncode))
    return p


def journal(path):
    """[(type, id, state or stage)] of the intact records (src/results/README.md): candidate
    records 2..5 (state), stage records 17 (stage number, name, root); others >= 16 skipped."""
    recs = []
    for payload in journal_payloads(path):
        t = payload[0]
        if t in (2, 3, 4, 5):
            recs.append((t, payload[1:17].decode(), payload[17]))
        elif t == 17:
            (stage, ln) = struct.unpack_from("<iI", payload, 17)
            name = payload[25:25 + ln].decode()
            root = payload[25 + ln:41 + ln].decode()
            recs.append((t, payload[1:17].decode(), (stage, name, root)))
    return recs


def rows(path):
    dec = lambda v: [x.decode() if isinstance(x, bytes) else x for x in v]
    with h5py.File(path, "r") as f:
        c = f["candidates"]
        out = {}
        ids = dec(c["id"][()])
        staged = "stage_index" in c
        for k, i in enumerate(ids):
            out[i] = {"state": int(c["state"][k]), "formula": dec(c["formula"][()])[k],
                      "gap": float(c["band_gap"][k]) * 27.211386,
                      "ecut": float(c["ecut"][k]),
                      "stage": int(c["stage_index"][k]) if staged else None,
                      "stage_name": dec(c["stage"][()])[k] if staged else None,
                      "root": dec(c["stage_root"][()])[k] if staged else None}
        return out


def csv_ids(path):
    lines = open(path).read().splitlines()
    col = lines[0].split(",").index("id")
    return {ln.split(",")[col] for ln in lines[1:]}


def case_funnel(a, d):
    sweep(d)
    p = run([a.furui, "screen", "s.yaml", "-o", "f"], d)
    check(p.returncode == 0, "staged run: %s" % p.stderr[-600:])
    r = rows(os.path.join(d, "f.h5"))
    s1 = {i: v for i, v in r.items() if v["stage"] == 1}
    s2 = {i: v for i, v in r.items() if v["stage"] == 2}
    check(len(s1) == 5 and len(s2) == 3 and len(r) == 8, "rows: %d stage 1, %d stage 2, %d" % (len(s1), len(s2), len(r)))
    for i, v in s1.items():
        check(v["state"] == 3 and v["stage_name"] == "scan" and v["root"] == i and v["ecut"] == 10.0,
              "stage 1 row %s: %s" % (i, v))
        if v["formula"] in METALS:
            check(v["gap"] == 0.0, "%s is a metal: gap %g eV" % (v["formula"], v["gap"]))
        else:
            check(v["formula"] in INSULATORS and v["gap"] > 2.0, "%s is an insulator: gap %g eV" % (v["formula"], v["gap"]))
    check({v["formula"] for v in s2.values()} == INSULATORS, "stage 2: %s" % sorted(v["formula"] for v in s2.values()))
    for i, v in s2.items():
        # at stage 2's cutoff (its EOS may fail to fit at this cutoff: no matter here)
        check(v["state"] == 3 and v["stage_name"] == "eos" and v["ecut"] == 12.0, "stage 2 row %s: %s" % (i, v))
        check(v["root"] in s1 and s1[v["root"]]["formula"] == v["formula"], "stage 2 root of %s: %s" % (i, v["root"]))
    # journal: a stage record per ID before its first candidate record
    recs = journal(os.path.join(d, "f.journal"))
    first = {}
    for k, (t, i, x) in enumerate(recs):
        first.setdefault(i, (t, x))
    check(all(t == 17 for t, x in first.values()) and len(first) == 8,
          "every ID starts with its stage record: %s" % first)
    st = run([a.furui, "status", "f"], d)
    check("stage 1 (scan): 5 candidates: 5 done" in st.stdout and "stage 2 (eos): 3 candidates: 3 done" in st.stdout,
          "status per stage: %s" % st.stdout[:600])
    # rank: each structure once, at its last stage; or the stage asked for
    p = run([a.furui, "rank", "f.h5", "-o", "last"], d)
    last = csv_ids(os.path.join(d, "last", "shortlist.csv"))
    check(p.returncode == 0 and last == set(s2) | {i for i, v in s1.items() if v["formula"] in METALS},
          "rank: last stage per candidate: %s" % sorted(last))
    p = run([a.furui, "rank", "f.h5", "--stage", "scan", "-o", "scan"], d)
    check(p.returncode == 0 and csv_ids(os.path.join(d, "scan", "shortlist.csv")) == set(s1), "rank --stage scan")
    p = run([a.furui, "rank", "f.h5", "--stage", "2", "-o", "two"], d)
    check(p.returncode == 0 and csv_ids(os.path.join(d, "two", "shortlist.csv")) == set(s2), "rank --stage 2")
    p = run([a.furui, "rank", "f.h5", "--stage", "nosuch", "-o", "bad"], d)
    check(p.returncode == 1 and "--stage nosuch" in p.stderr and not os.path.exists(os.path.join(d, "bad")),
          "rank --stage of no stage: %s" % p.stderr)
    p = run([a.furui, "export", "f.h5", "-o", "ds"], d)
    check(p.returncode == 0, "export: %s" % p.stderr)
    # exported or skipped (a target missing: the ML export's own rule), one row per candidate
    exported = lambda k: csv_ids(os.path.join(d, k, "features.csv")) | csv_ids(os.path.join(d, k, "skipped.csv"))
    if p.returncode == 0:
        check(exported("ds") == last, "export: last stage per candidate: %s" % sorted(exported("ds")))
    p = run([a.furui, "export", "f.h5", "--stage", "scan", "-o", "ds1"], d)
    check(p.returncode == 0 and exported("ds1") == set(s1), "export --stage scan")
    # the same sweep without stages: the IDs of stage 1, no stage columns
    with open(os.path.join(d, "plain.yaml"), "w") as f:
        f.write(BASE)
    p = run([a.furui, "screen", "plain.yaml", "-o", "plain"], d)
    pr = rows(os.path.join(d, "plain.h5"))
    check(p.returncode == 0 and set(pr) == set(s1), "unstaged sweep: the IDs of stage 1")
    check(all(v["stage"] is None for v in pr.values()), "unstaged sweep: no stage columns")
    check(not any(t == 17 for t, i, x in journal(os.path.join(d, "plain.journal"))), "unstaged: no stage records")


def case_resume(a, d):
    # stage 2 long enough to be interrupted: 7 EOS points at 16 Ha
    sweep(d, ecut2="16 Ha", points=7)
    jn = os.path.join(d, "r.journal")
    pr = subprocess.Popen([a.furui, "screen", "s.yaml", "-o", "r"], cwd=d, env=ENV, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    t0, sent = time.time(), False
    while time.time() - t0 < 300 and pr.poll() is None:
        recs = journal(jn)
        stage2 = {i for t, i, x in recs if t == 17 and x[0] == 2}
        if any(t != 17 and i in stage2 and x == 2 for t, i, x in recs):
            time.sleep(0.3)  # inside its SCF / EOS
            pr.send_signal(signal.SIGTERM)
            sent = True
            break
        time.sleep(0.02)
    out, err = pr.communicate(timeout=300)
    print(err[-800:])
    check(sent and pr.returncode == 0, "SIGTERM during stage 2: sent %s, exit %s" % (sent, pr.returncode))
    r = rows(os.path.join(d, "r.h5"))
    s1 = [i for i, v in r.items() if v["stage"] == 1]
    n2done = sum(1 for v in r.values() if v["stage"] == 2 and v["state"] == 3)
    check(len(s1) == 5 and all(r[i]["state"] == 3 for i in s1), "stage 1 complete before the kill")
    check(n2done < 3, "the kill came during stage 2 (%d of 3 done)" % n2done)
    before = journal(jn)
    p = run([a.furui, "screen", "s.yaml", "-o", "r"], d)
    check(p.returncode == 0 and "5 already final, 0 to run" in p.stderr, "rerun: stage 1 skipped: %s" % p.stderr[-800:])
    after = journal(jn)
    for i in s1:
        n = sum(1 for t, j, x in after if t != 17 and j == i and x == 2)
        check(n == 1, "stage-1 candidate %s started %d times (1 expected)" % (i, n))
    r = rows(os.path.join(d, "r.h5"))
    s2 = [v for v in r.values() if v["stage"] == 2]
    check(len(s2) == 3 and all(v["state"] == 3 and v["ecut"] == 16.0 for v in s2), "stage 2 finished by the rerun")
    check({v["formula"] for v in s2} == INSULATORS, "the same candidates proceed after the resume")
    started2 = sum(1 for t, j, x in after[len(before):] if t != 17 and x == 2)
    check(started2 == 3 - n2done, "the rerun started %d candidates (%d expected)" % (started2, 3 - n2done))


def case_shards(a, d):
    sweep(d)
    ids1 = {}
    for k in range(2):
        p = run([a.furui, "screen", "s.yaml", "-o", "sh%d" % k, "--shard-index", str(k), "--shard-count", "2"], d)
        check(p.returncode == 0, "shard %d: %s" % (k, p.stderr[-500:]))
        r = rows(os.path.join(d, "sh%d.h5" % k))
        own = {i for i, v in r.items() if v["stage"] == 1}
        ids1[k] = own
        for i, v in r.items():
            if v["stage"] == 2:
                check(v["root"] in own, "shard %d: stage-2 candidate %s of its own stage-1 rows" % (k, i))
    check(not (ids1[0] & ids1[1]) and len(ids1[0] | ids1[1]) == 5, "shards split stage 1: %s" % ids1)
    p = run([a.furui, "merge", "--sweep", "s.yaml", "m.h5", "sh0.h5", "sh1.journal"], d)
    check(p.returncode == 0 and "missing" not in p.stdout and "unexpected" not in p.stdout,
          "merge --sweep: nothing missing: %s %s" % (p.stdout, p.stderr))
    m = rows(os.path.join(d, "m.h5"))
    check({v["formula"] for v in m.values() if v["stage"] == 2} == INSULATORS and len(m) == 8,
          "merged: 5 + 3 rows, the insulators in stage 2")
    # without one shard's stage 2: merge --sweep names those stage-2 candidates missing (exit 2)
    p = run([a.furui, "merge", "--sweep", "s.yaml", "m1.h5", "sh0.h5"], d)
    check(p.returncode == 2, "merge of one shard: exit 2 (%d)" % p.returncode)
    # a where on the hull: refused in a sharded run, nothing written
    with open(os.path.join(d, "hull.yaml"), "w") as f:
        f.write((BASE + STAGES % ("12 Ha", 5)).replace("band_gap_ev > 1", "e_above_hull_ev_per_atom < 0.1"))
    p = run([a.furui, "screen", "hull.yaml", "-o", "hull", "--shard-index", "0", "--shard-count", "2"], d)
    check(p.returncode == 1 and "e_above_hull_ev_per_atom" in p.stderr and "hull.yaml:" in p.stderr
          and len(p.stderr.strip().splitlines()) == 1, "hull where in a shard: %s" % p.stderr)
    check(not [f for f in os.listdir(d) if f.startswith("hull.") and f != "hull.yaml"], "no file of the refused run")


def case_badinput(a, d):
    cases = [
        ('where: "band_gap_ev > 1"', 'where: "band_gapp_ev > 1"', "stages[1].where", "unknown property"),
        ('where: "band_gap_ev > 1"', 'where: "band_gap_ev > > 1"', "stages[1].where", "column"),
        ("    ecut: 12 Ha", "    ecut: 12 Ha\n    protocol: fastest", "stages[1].protocol", "unknown protocol"),
        ("    ecut: 12 Ha", "    ecut: 12 Ha\n    kpoints: {spacing: 0 1/angstrom}", "stages[1].kpoints.spacing", "> 0"),
        ("    ecut: 12 Ha", "    ecut: 12 Ha\n    kpoints: {spacing: -0.2 1/angstrom}", "stages[1].kpoints.spacing",
         "> 0"),
        ("  - name: scan", "  - name: scan\n    where: \"band_gap_ev > 1\"", "stages[0].where", "first stage"),
        ("    ecut: 12 Ha", "    ecut: [12 Ha, 14 Ha]", "stages[1]", "same order"),
        ("    ecut: 12 Ha", "    ecut: 12 Ha\n    xc: pbe", "stages[1].xc", "unknown key"),
    ]
    good = BASE + STAGES % ("12 Ha", 5)
    for k, (old, new, key, what) in enumerate(cases):
        dk = os.path.join(d, "b%d" % k)
        os.makedirs(dk)
        check(old in good, "case %d applies" % k)
        with open(os.path.join(dk, "s.yaml"), "w") as f:
            f.write(good.replace(old, new))
        p = run([a.furui, "screen", "s.yaml", "-o", "out"], dk)
        lines = p.stderr.strip().splitlines()
        check(p.returncode == 1 and len(lines) == 1 and lines[0].startswith("furui: error: s.yaml:")
              and key in lines[0] and what in lines[0], "case %d: %r" % (k, p.stderr))
        check(os.listdir(dk) == ["s.yaml"], "case %d: no file made: %s" % (k, os.listdir(dk)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--furui", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("case", choices=["funnel", "resume", "shards", "badinput"])
    a = ap.parse_args()
    a.furui = os.path.abspath(a.furui)
    d = os.path.join(os.path.abspath(a.workdir), a.case)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    {"funnel": case_funnel, "resume": case_resume, "shards": case_shards, "badinput": case_badinput}[a.case](a, d)
    return finish()


if __name__ == "__main__":
    sys.exit(main())

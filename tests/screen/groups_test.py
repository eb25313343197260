#!/usr/bin/python3
"""Group sizes that follow the candidates (campaign/groupsize.h, issue 24), end to end.

    groups_test.py --furui BIN --mpiexec MPIEXEC --workdir DIR

A sweep of two 2-atom cells (diamond Si and C on 4x4x4 and 6x6x6 meshes) and one Γ-only
64-atom Si cell (the 2x2x2 conventional supercell), LDA, GTH, 6 Ha, on 4 ranks (1
coordinator + 3 workers, oversubscribed):
  - the dry run plans 3 ranks for the 64-atom cell (1 k-group x 3 band ranks) and 1 for each
    small cell;
  - the run finishes every candidate exactly once (one done record per ID in the journal, one
    row each in the results file), the 64-atom cell on a group of 3 ranks and the small ones
    on 1 rank: in the progress log, the SCF log's layout line, the journal's layout records
    (type 19) and the results file's columns ranks / k_groups / band_ranks;
  - its energy equals a 1-rank run of the same candidate (same ID) to 1e-9 Ha;
  - a rerun passes through both group sizes without running anything again;
  - --npband 2 (the small cells' 10 bands of ~160 plane waves cannot be shared) and --npband 2
    with --group-size 3 are refused in one line before any file is made.
"""
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from testlib import ENV, check, check_refused, finish, journal_payloads, setup, text  # noqa: E402

import h5py  # noqa: E402

SWEEP = """name: mix
candidates:
  - prototype: diamond
    A: [Si, C]
  - structure:
      poscar: Si64.vasp
    name: Si64
xc: lda
pseudopotentials: {lda: "cp2k:GTH-PADE"}
ecut: 6 Ha
kpoints: {spacing: 0.6 1/angstrom}
scf: {max_iterations: 60, energy_tolerance: 1e-10 Ha}
"""
ETOL = 1e-9


def write_si64(path):
    """Diamond Si, a = 5.43 angstrom, as its 2x2x2 conventional supercell (64 atoms)."""
    fcc = [(0, 0, 0), (0, .5, .5), (.5, 0, .5), (.5, .5, 0)]
    pos = [((i + b[0] + s) / 2, (j + b[1] + s) / 2, (k + b[2] + s) / 2)
           for i in range(2) for j in range(2) for k in range(2) for b in fcc for s in (0, .25)]
    a = 2 * 5.43
    with open(path, "w") as f:
        f.write("Si64\n1.0\n%.6f 0 0\n0 %.6f 0\n0 0 %.6f\nSi\n%d\nDirect\n" % (a, a, a, len(pos)))
        for p in pos:
            f.write("%.10f %.10f %.10f\n" % p)


def run(cmd, cwd, timeout=900):
    p = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=timeout)
    print("$ %s -> %d" % (" ".join(cmd), p.returncode))
    if p.returncode:
        print(p.stdout[-3000:], p.stderr[-3000:])
    return p


def rows(path):
    """{id: (state, energy, ranks, k_groups, band_ranks, label)} of a results file."""
    with h5py.File(path, "r") as f:
        c = f["candidates"]
        ids = [text(x) for x in c["id"][()]]
        check(len(ids) == len(set(ids)), "%s: duplicate rows" % path)
        have = "ranks" in c
        check(have, "%s: no ranks column" % path)
        get = (lambda k: c[k][()]) if have else (lambda k: [0] * len(ids))
        r, k, b = get("ranks"), get("k_groups"), get("band_ranks")
        return {i: (int(c["state"][n]), float(c["energy/total"][n]), int(r[n]), int(k[n]), int(b[n]),
                    text(c["label"][n])) for n, i in enumerate(ids)}


def journal(path):
    """(done IDs in order, {id: [(attempt, ranks, npk, npb)]} of the layout records)."""
    done, lay = [], {}
    for p in journal_payloads(path):
        if p[0] in (2, 3, 4, 5) and p[17] == 3:
            done.append(p[1:17].decode())
        elif p[0] == 19:
            check(len(p) == 33, "layout record of %d bytes" % len(p))
            lay.setdefault(p[1:17].decode(), []).append(struct.unpack_from("<4i", p, 17))
    return done, lay


def main():
    furui, workdir, mpiexec = setup(mpiexec=True)
    d = os.path.abspath(workdir)
    write_si64(os.path.join(d, "Si64.vasp"))
    with open(os.path.join(d, "mix.yaml"), "w") as f:
        f.write(SWEEP)
    mpi = [mpiexec, "--oversubscribe", "-n", "4"]

    # the plan, before anything runs
    p = run(mpi + [furui, "screen", "mix.yaml", "--dry-run"], d)
    table = [l.split() for l in p.stdout.splitlines() if l.startswith("  ") and " valid " in l]
    plan = {t[1]: (t[-3], t[-2], t[-1]) for t in table}
    check(p.returncode == 0 and len(plan) == 3, "dry run: 3 valid candidates: %r" % p.stdout)
    big = [i for i, v in plan.items() if "/Si64/" in v[2]]
    small = [i for i, v in plan.items() if "/Si64/" not in v[2]]
    check(len(big) == 1 and plan[big[0]][:2] == ("3", "1x3"),
          "dry run: the 64-atom cell planned on 3 ranks, 1 k-group x 3 band ranks: %r" % plan)
    check(all(plan[i][:2] == ("1", "1x1") for i in small), "dry run: the small cells on 1 rank: %r" % plan)
    if not big:
        return finish()
    big = big[0]

    # a layout that cannot divide the work: one line at pre-flight, nothing written
    for extra, want in ((["--npband", "2"], "mix.yaml:3: --npband 2: layout: 2 band ranks cannot share"),
                        (["--npband", "2", "--group-size", "3"], "--npband 2 does not divide --group-size 3")):
        check_refused(mpi + [furui, "screen", "mix.yaml", "-o", "bad"] + extra, d, want, "bad")

    # the sweep on 4 ranks
    p = run(mpi + [furui, "screen", "mix.yaml", "-o", "g"], d)
    check(p.returncode == 0, "4-rank screen exit %d" % p.returncode)
    print(p.stderr)
    check("pass 1 of 2: 1 candidate(s) on groups of 3 rank(s)" in p.stderr and
          "pass 2 of 2: 2 candidate(s) on groups of 1 rank(s)" in p.stderr,
          "the log names the two group sizes, the large one first")
    check(any(big in l and "done" in l and "3 ranks: 1 x 3" in l for l in p.stderr.splitlines()),
          "the progress line of the 64-atom cell says 3 ranks, 1 x 3")
    log = open(os.path.join(d, "g.log")).read()
    check("# layout: 1 k-group x 3 band ranks" in log, "the SCF log of the 64-atom cell: 1 x 3 layout")
    res = rows(os.path.join(d, "g.h5"))
    check(sorted(res) == sorted(plan), "every candidate has one row: %r" % sorted(res))
    check(all(v[0] == 3 for v in res.values()), "all done: %r" % {k: v[0] for k, v in res.items()})
    done, lay = journal(os.path.join(d, "g.journal"))
    check(sorted(done) == sorted(plan), "one done record per candidate in the journal: %r" % done)
    if big in res:
        check(res[big][2:5] == (3, 1, 3), "results: the 64-atom cell ran on 3 ranks as 1 x 3: %r" % (res[big],))
        check(lay.get(big) == [(1, 3, 1, 3)], "journal: its layout record: %r" % lay.get(big))
    for i in small:
        if i in res:
            check(res[i][2:5] == (1, 1, 1), "results: %s on 1 rank: %r" % (i, res[i]))
            check(lay.get(i) == [(1, 1, 1, 1)], "journal: %s layout record: %r" % (i, lay.get(i)))
    if big in res and all(i in res for i in small):
        check(res[big][2] > max(res[i][2] for i in small), "the large cell on a larger group")

    # the same candidate on 1 rank (the sweep reduced to its ID: the same input and ID)
    with open(os.path.join(d, "one.yaml"), "w") as f:
        f.write(SWEEP.replace("name: mix", "name: one") + "only: [%s]\n" % big)
    p = run([furui, "screen", "one.yaml", "-o", "one"], d)
    check(p.returncode == 0, "1-rank screen exit %d" % p.returncode)
    one = rows(os.path.join(d, "one.h5"))
    if check(big in one and big in res and one[big][0] == 3, "1-rank run of the 64-atom cell done"):
        de = abs(one[big][1] - res[big][1])
        print("64-atom Si: %.12f Ha on 3 ranks (1 x 3), %.12f Ha on 1 rank: %.2e Ha apart"
              % (res[big][1], one[big][1], de))
        check(one[big][2:5] == (1, 1, 1), "the reference ran on 1 rank: %r" % (one[big],))
        check(de <= ETOL, "energy on 3 ranks vs 1 rank: %.2e Ha > %g" % (de, ETOL))

    # a rerun: both passes skip what is final, nothing runs again
    p = run(mpi + [furui, "screen", "mix.yaml", "-o", "g"], d)
    check(p.returncode == 0 and "(0 run now" in p.stdout, "rerun runs nothing: %r" % p.stdout)
    done2, _ = journal(os.path.join(d, "g.journal"))
    check(done2 == done, "rerun: no new done record")
    return finish()


if __name__ == "__main__":
    sys.exit(main())

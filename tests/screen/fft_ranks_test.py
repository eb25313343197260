#!/usr/bin/python3
"""FFT ranks in a screening job (--npband N --npfft G: G of every candidate's N band ranks share
each band's FFTs, src/dft/fftcols.h; issue 24), end to end.

    fft_ranks_test.py --furui BIN --mpiexec MPIEXEC --workdir DIR

An H2 molecule in a 9 x 9.5 x 10 bohr box at Γ (LDA, GTH, 12 Ha: ~1500 plane waves, 7 bands)
on 4 ranks (1 coordinator + 3 workers, oversubscribed) with --npband 3 --npfft 3:
  - it is planned (--dry-run: 1x3/3) and runs on a group of 3 ranks as 1 k-group x 3 band
    ranks, all 3 sharing each band's FFTs: the progress line, the SCF log, the journal's layout record (type 19, with its FFT-rank
    count appended) and the results file's columns ranks / k_groups / band_ranks / fft_ranks
    say so;
  - its energy equals a 1-rank run of the same candidate (same ID) to 1e-9 Ha;
  - --npfft 2 --npband 3 and --npfft 3 without --npband are refused in one line before any
    file is made.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from testlib import check, check_refused, finish, journal_payloads, run, setup, text  # noqa: E402

import h5py  # noqa: E402

SWEEP = """name: h2
candidates:
  - structure:
      poscar: H2.vasp
    name: H2
xc: lda
pseudopotentials: {lda: "cp2k:GTH-PADE"}
ecut: 12 Ha
kpoints: {spacing: 2.0 1/angstrom}
scf: {max_iterations: 60, energy_tolerance: 1e-10 Ha}
"""
H2 = """H2 in a box
0.52917721
9.0 0 0
0 9.5 0
0 0 10.0
H
2
Cartesian
0.0 0.0 0.0
1.4 0.1 0.0
"""
ETOL = 1e-9


def rows(path):
    """{id: (state, energy, ranks, k_groups, band_ranks, fft_ranks)} of a results file."""
    with h5py.File(path, "r") as f:
        c = f["candidates"]
        ids = [text(x) for x in c["id"][()]]
        get = (lambda k: c[k][()] if k in c else [0] * len(ids))
        r, k, b, g = get("ranks"), get("k_groups"), get("band_ranks"), get("fft_ranks")
        return {i: (int(c["state"][n]), float(c["energy/total"][n]), int(r[n]), int(k[n]), int(b[n]),
                    int(g[n])) for n, i in enumerate(ids)}


def layouts(path):
    """{id: [(attempt, ranks, npk, npb, npg)]} of the journal's layout records."""
    lay = {}
    for p in journal_payloads(path):
        if p[0] == 19:
            check(len(p) in (33, 37), "layout record of %d bytes" % len(p))
            v = struct.unpack_from("<4i", p, 17) + ((struct.unpack_from("<i", p, 33)[0],)
                                                    if len(p) == 37 else (1,))
            lay.setdefault(p[1:17].decode(), []).append(v)
    return lay


def main():
    furui, workdir, mpiexec = setup(mpiexec=True)
    d = os.path.abspath(workdir)
    with open(os.path.join(d, "H2.vasp"), "w") as f:
        f.write(H2)
    with open(os.path.join(d, "h2.yaml"), "w") as f:
        f.write(SWEEP)
    mpi = [mpiexec, "--oversubscribe", "-n", "4"]

    # layouts that cannot be: one line at pre-flight, nothing written
    for extra, want in ((["--npband", "3", "--npfft", "2"], "--npfft 2 does not divide --npband 3"),
                        (["--npfft", "3"], "--npfft 3 needs --npband")):
        check_refused(mpi + [furui, "screen", "h2.yaml", "-o", "bad"] + extra, d, want, "bad")

    # the plan: 3 ranks, 1 k-group x 3 band ranks, the 3 sharing each band's FFTs
    p = run(mpi + [furui, "screen", "h2.yaml", "--dry-run", "--npband", "3", "--npfft", "3"], d)
    table = [l.split() for l in p.stdout.splitlines() if l.startswith("  ") and " valid " in l]
    check(p.returncode == 0 and len(table) == 1 and table[0][-3:-1] == ["3", "1x3/3"],
          "dry run: 3 ranks, layout 1x3/3: %r" % p.stdout)

    p = run(mpi + [furui, "screen", "h2.yaml", "-o", "g", "--npband", "3", "--npfft", "3"], d)
    check(p.returncode == 0, "4-rank screen exit %d" % p.returncode)
    print(p.stderr)
    res = rows(os.path.join(d, "g.h5"))
    check(len(res) == 1, "one row: %r" % res)
    if not res:
        return finish()
    cid = list(res)[0]
    check(res[cid][0] == 3, "done: %r" % (res[cid],))
    check(any(cid in l and "3 ranks: 1 x 3, 3 FFT ranks per band" in l for l in p.stderr.splitlines()),
          "the progress line says 3 ranks, 1 x 3, 3 FFT ranks per band")
    log = open(os.path.join(d, "g.log")).read()
    check("# FFT ranks: 1 band group x 3 FFT ranks sharing each band's FFTs" in log,
          "the SCF log names the FFT ranks")
    check(res[cid][2:6] == (3, 1, 3, 3), "results: ranks, k_groups, band_ranks, fft_ranks: %r" % (res[cid],))
    check(layouts(os.path.join(d, "g.journal")).get(cid) == [(1, 3, 1, 3, 3)],
          "journal: the layout record with its FFT ranks: %r" % layouts(os.path.join(d, "g.journal")))

    p = run([furui, "screen", "h2.yaml", "-o", "one"], d)
    check(p.returncode == 0, "1-rank screen exit %d" % p.returncode)
    one = rows(os.path.join(d, "one.h5"))
    if check(cid in one and one[cid][0] == 3, "1-rank run done"):
        de = abs(one[cid][1] - res[cid][1])
        print("H2: %.12f Ha with 3 FFT ranks, %.12f Ha on 1 rank: %.2e Ha apart" % (res[cid][1], one[cid][1], de))
        check(de <= ETOL, "energy with 3 FFT ranks vs 1 rank: %.2e Ha > %g" % (de, ETOL))
    return finish()


if __name__ == "__main__":
    sys.exit(main())

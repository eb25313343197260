#!/usr/bin/python3
"""Where a band-parallel run loses its speed-up, counted without wall time.

    mpiseg.py --furui build/furui [--ranks 2] [--cells 1] [--ecut 8] [--steps 0]
              [--workdir /tmp/furui_mpiseg] [--top 15]

Runs scaling.py's Γ-only Si cell once on 1 rank and once on --ranks ranks with the PMPI
interposer validation/mpicount/mpiseg.c preloaded (furui unchanged). On N ranks every rank
records, for each collective, the CPU seconds it computed since its previous one (CPU time:
whatever other users' processes do to the wall clock does not count) and the wall time inside
the call. Call i closes the same segment on every rank, so on dedicated cores the run takes

    critical = sum_i max_r seg[r][i]   (+ transfer = sum_i min_r of the CPU inside call i)

and the table splits 2 x critical - T1 (T1: the 1-rank CPU seconds) into extra work
(sum over the ranks of their compute minus T1: replicated or added work) and imbalance
(N x critical minus that sum: what the ranks wait for each other), by call site of the
collective that closes the segment. projected = T1 / (critical + transfer) is the speed-up on
N idle cores this count predicts (CPU seconds on a loaded machine still move with its caches:
compare work between sittings with instruction counts, e.g. callgrind). --steps N > 0 stops the
SCF after N steps (max_iterations; furui then exits non-zero, the counts are still written).
"""
import argparse
import collections
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scaling  # noqa: E402


def read(d, n):
    ranks = []
    for r in range(n):
        with open(os.path.join(d, f"mpiseg.{r}.txt"), encoding="utf-8") as f:
            head = f.readline().split()
            recs = [ln.split() for ln in f]
        ranks.append({"total": float(head[2]), "tail": float(head[4]), "recs": recs})
    return ranks


def symbolize(furui, offsets):
    offs = sorted(offsets)
    if not offs:
        return {}
    p = subprocess.run(["addr2line", "-f", "-C", "-e", furui] + [hex(o - 1) for o in offs],
                       capture_output=True, text=True, check=True)
    lines = p.stdout.splitlines()
    return {o: lines[2 * i] for i, o in enumerate(offs)}


def site(rec, names, furui_name):
    fr = []
    for a in rec[4:]:
        if "+0x" not in a:
            continue
        lib, off = a.rsplit("+0x", 1)
        if lib.endswith(furui_name):
            fr.append(names[int(off, 16)])
    # the collective's wrapper (rows_sum, bandpar transposes) and who called it
    return " < ".join(fr[:3]) if fr else "?"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--furui", default="build/furui")
    ap.add_argument("--mpiexec", default="mpiexec")
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--cells", default="1")
    ap.add_argument("--ecut", type=float, default=8)
    ap.add_argument("--steps", type=int, default=0)
    ap.add_argument("--workdir", default="/tmp/furui_mpiseg")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--extra", default="", help="more furui scf arguments, space separated")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    lib = os.path.join(args.workdir, "libmpiseg.so")
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mpicount", "mpiseg.c")
    subprocess.run(["mpicc", "-O2", "-shared", "-fPIC", "-o", lib, src, "-ldl"], check=True)
    dims = scaling.cell_dims(args.cells)
    text = scaling.supercell(dims, args.ecut)
    if args.steps > 0:
        text = text.replace("scf: {", f"scf: {{max_iterations: {args.steps}, ")
    inp = os.path.join(args.workdir, "si.yaml")
    with open(inp, "w", encoding="utf-8") as f:
        f.write(text)
    res = {}
    for n in (1, args.ranks):
        d = os.path.join(args.workdir, f"np{n}")
        os.makedirs(d, exist_ok=True)
        for fn in os.listdir(d):
            if fn.startswith("mpiseg."):
                os.remove(os.path.join(d, fn))
        cmd = [args.mpiexec, "--oversubscribe", "--allow-run-as-root", "-n", str(n),
               "-x", "LD_PRELOAD=" + lib, "-x", "MPISEG_DIR=" + d,
               os.path.abspath(args.furui), "scf", inp, "-o", "out"] + args.extra.split()
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", FURUI_THREADS="1",
                   OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
                   OMPI_MCA_mpi_yield_when_idle="1")
        p = subprocess.run(cmd, cwd=d, env=env, capture_output=True, text=True)
        if p.returncode != 0 and args.steps == 0:
            sys.exit(f"mpiseg.py: {n} ranks failed (exit {p.returncode}):\n{p.stderr[-2000:]}")
        res[n] = read(d, n)
    t1 = res[1][0]["total"]
    rk = res[args.ranks]
    n = args.ranks
    nrec = {len(r["recs"]) for r in rk}
    if len(nrec) != 1:
        sys.exit(f"mpiseg.py: the ranks made different numbers of collectives: {nrec}")
    nrec = nrec.pop()
    furui = os.path.abspath(args.furui)
    fname = os.path.basename(furui)
    offs = set()
    for r in rk:
        for rec in r["recs"]:
            for a in rec[4:]:
                if "+0x" in a and a.rsplit("+0x", 1)[0].endswith(fname):
                    offs.add(int(a.rsplit("+0x", 1)[1], 16))
    names = symbolize(furui, offs)
    crit = trans = 0.0
    comp = [0.0] * n
    by_site = collections.defaultdict(lambda: [0, 0.0, 0.0, 0.0])  # calls, imbalance, transfer, work
    for i in range(nrec):
        segs = [float(r["recs"][i][1]) for r in rk]
        ins = [float(r["recs"][i][3]) for r in rk]  # CPU inside the call
        mx = max(segs)
        crit += mx
        trans += min(ins)
        for j in range(n):
            comp[j] += segs[j]
        s = by_site[site(rk[0]["recs"][i], names, fname)]
        s[0] += 1
        s[1] += n * mx - sum(segs)
        s[2] += min(ins)
        s[3] += sum(segs)
    tails = [r["tail"] for r in rk]
    crit += max(tails)
    for j in range(n):
        comp[j] += tails[j]
    work = sum(comp)
    print(f"Si{8 * dims[0] * dims[1] * dims[2]} Γ, {n} ranks, {nrec} collectives per rank")
    print(f"1 rank CPU s                  {t1:9.3f}")
    print(f"{n} ranks compute CPU s (sum)   {work:9.3f}  extra work {work - t1:+8.3f} "
          f"({100 * (work - t1) / t1:+.1f} % of T1)")
    print(f"critical path s               {crit:9.3f}  imbalance {n * crit - work:8.3f} CPU s "
          f"({100 * (n * crit - work) / t1:.1f} % of T1)")
    print(f"transfer (last comer) s       {trans:9.3f}")
    print(f"per-rank compute s            " + ", ".join(f"{c:.3f}" for c in comp))
    print(f"projected speed-up            {t1 / (crit + trans):9.3f}  "
          f"(without transfer {t1 / crit:.3f})")
    print(f"\n{'site (collective < callers)':90s} {'calls':>6s} {'imbal s':>8s} {'xfer s':>7s} "
          f"{'work s':>8s}")
    top = sorted(by_site.items(), key=lambda kv: -(kv[1][1] + n * kv[1][2]))[:args.top]
    for k, v in top:
        print(f"{k[:90]:90s} {v[0]:6d} {v[1]:8.3f} {v[2]:7.3f} {v[3]:8.3f}")


if __name__ == "__main__":
    main()

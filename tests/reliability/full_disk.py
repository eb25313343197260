#!/usr/bin/python3
"""Full disk and unwritable directory, end to end through `furui scf` and `furui screen`
(CTest label reliability). The store library alone is covered by tests/unit/test_store.c
(RLIMIT_FSIZE, read-only directory); a missing output directory by
tests/cli/bad_input.py (output_dir_missing). This adds the whole commands:

    full_disk.py --furui BIN --workdir DIR [--mpiexec M] CASE

  scf_full_disk        an earlier successful `furui scf` is rerun with RLIMIT_FSIZE at several
                       sizes (0, half the .log, half the .json, half the .h5; SIGXFSZ ignored so
                       write() returns EFBIG): every rerun exits 3 with one line
                       "furui: error: FILE: ... File too large", the earlier .log/.json/.h5 are
                       byte for byte unchanged, no temporary file is left
  scf_readonly_dir     the same rerun in a directory made read-only (chmod 555; as user nobody
                       when run as root, since root ignores permissions): exit 3, one line
                       naming the file and "Permission denied", earlier files unchanged
  screen_full_disk     a finished 2-rank screen is rerun with a limit just above its journal
                       (the session record fits, the results file does not): exit 3, one line,
                       the earlier PREFIX.h5 and journal unchanged except for appended
                       records, `furui status` still verifies; then a fresh screen with a limit
                       inside the journal's growth: exit != 0, one line, the journal stays
                       well-formed, and a rerun without the limit completes every candidate
  screen_readonly_dir  a finished screen rerun in a read-only directory (as nobody): exit 3,
                       one line naming the journal and "Permission denied", files unchanged

Exit 77 (skip) for the read-only cases if the test runs as root and cannot switch to nobody.
"""
import argparse
import glob
import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCF_INPUT = os.path.join(HERE, "..", "cli", "si_small.yaml")
SWEEP = os.path.join(HERE, "vg_sweep.yaml")
# Open MPI keeps its own state in files (PMIx dstore, shared-memory BTL segments) that a
# file-size limit breaks before furui runs: shared memory is switched off (PMIx hash store,
# no vader BTL) and, under mpiexec, only the furui ranks get the limit (prlimit).
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", FURUI_FFTW_WISDOM="off", LC_ALL="C",
           OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", PMIX_MCA_gds="hash",
           OMPI_MCA_btl="self,tcp", OMPI_MCA_pml="ob1")
SINGLETON = dict(OMPI_MCA_ess_singleton_isolated="1", OMPI_MCA_btl="self")
NOBODY = 65534
failures = []
a_mpiexec = ["mpiexec"]


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)
    return cond


def digest(d):
    """{name: sha256} of the regular files of d."""
    out = {}
    for n in sorted(os.listdir(d)):
        p = os.path.join(d, n)
        if os.path.isfile(p):
            out[n] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    return out


def run(cmd, cwd, fsize=None, as_nobody=False, timeout=180):
    def pre():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # inherited by exec: write() -> EFBIG
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        if as_nobody:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
    env = dict(ENV)
    if cmd[0] != a_mpiexec[0]:
        env.update(SINGLETON)
    if as_nobody:
        env["HOME"] = "/tmp"
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                       preexec_fn=pre)
    print("$ %s%s%s -> %d\n  %s" % ("ulimit -f %dB; " % fsize if fsize is not None else "",
                                    "(as nobody) " if as_nobody else "", " ".join(cmd),
                                    p.returncode, p.stderr.strip().replace("\n", "\n  ")), flush=True)
    return p


def one_error_line(p, tag, *pieces):
    lines = [l for l in p.stderr.splitlines() if l.startswith("furui")]
    crash = [m for m in ("Segmentation", "core dumped", "MPI_ABORT", "Process received signal")
             if m in p.stderr]
    check(not crash, "%s: crash report in stderr: %s" % (tag, crash))
    if not check(len(lines) == 1 and lines[0].startswith("furui: error: "),
                 "%s: expected one 'furui: error:' line, got %r" % (tag, lines)):
        return
    for s in pieces:
        check(s in lines[0], "%s: message lacks %r: %s" % (tag, s, lines[0]))


def no_temporaries(d, tag):
    tmp = [n for n in os.listdir(d) if ".tmp." in n]
    check(not tmp, "%s: temporary files left: %s" % (tag, tmp))


def fresh(a, name):
    d = os.path.abspath(os.path.join(a.workdir, "full_disk", name))
    if os.path.exists(d):
        os.chmod(d, 0o755)
        shutil.rmtree(d)
    os.makedirs(d)
    os.chmod(d, 0o755)
    return d


def can_be_nobody():
    if os.geteuid() != 0:
        return True  # permissions apply to us already
    p = subprocess.run(["true"], preexec_fn=lambda: (os.setgroups([]), os.setgid(NOBODY),
                                                      os.setuid(NOBODY)), capture_output=True)
    return p.returncode == 0


def scf_earlier(a, d):
    shutil.copy(SCF_INPUT, os.path.join(d, "in.yaml"))
    os.chmod(os.path.join(d, "in.yaml"), 0o644)
    p = run([a.furui, "scf", "in.yaml", "-o", "out"], d)
    if not check(p.returncode == 0, "earlier scf run: exit %d" % p.returncode):
        sys.exit(1)
    return digest(d)


def case_scf_full_disk(a):
    d = fresh(a, "scf_full_disk")
    before = scf_earlier(a, d)
    sizes = {n: os.path.getsize(os.path.join(d, "out" + n)) for n in (".log", ".json", ".h5")}
    for limit in sorted({0, sizes[".log"] // 2, sizes[".json"] // 2, sizes[".h5"] // 2}):
        tag = "scf, RLIMIT_FSIZE %d B" % limit
        p = run([a.furui, "scf", "in.yaml", "-o", "out"], d, fsize=limit)
        check(p.returncode == 3, "%s: exit %d, expected 3" % (tag, p.returncode))
        one_error_line(p, tag, "out.", "File too large")
        after = digest(d)
        changed = [n for n in before if after.get(n) != before[n]]
        check(not changed, "%s: earlier results changed: %s" % (tag, changed))
        extra = sorted(set(after) - set(before) - {"out.failed.log"})
        check(not extra, "%s: unexpected files: %s" % (tag, extra))
        no_temporaries(d, tag)


def case_scf_readonly_dir(a):
    if not can_be_nobody():
        print("SKIP: cannot switch to user nobody")
        sys.exit(77)
    d = fresh(a, "scf_readonly_dir")
    before = scf_earlier(a, d)
    os.chmod(d, 0o555)
    try:
        p = run([a.furui, "scf", "in.yaml", "-o", "out"], d, as_nobody=os.geteuid() == 0)
    finally:
        os.chmod(d, 0o755)
    tag = "scf in a read-only directory"
    check(p.returncode == 3, "%s: exit %d, expected 3" % (tag, p.returncode))
    one_error_line(p, tag, "out.", "Permission denied")
    check(digest(d) == before, "%s: files changed" % tag)


def screen_cmd(a, prefix, fsize=None):
    """2-rank screen; with fsize, the ranks (not mpiexec) run under RLIMIT_FSIZE = fsize bytes
    (furui screen ignores SIGXFSZ itself)."""
    lim = ["prlimit", "--fsize=%d:%d" % (fsize, fsize)] if fsize is not None else []
    return [a.mpiexec, "--oversubscribe", "-n", "2"] + lim + [a.furui, "screen", SWEEP, "-o", prefix]


def status_ok(a, d, prefix, tag):
    p = run([a.furui, "status", prefix], d)
    check(p.returncode == 0 and "corrupt" not in p.stdout + p.stderr,
          "%s: furui status: exit %d %s" % (tag, p.returncode, p.stdout + p.stderr))
    return p.stdout


def case_screen_full_disk(a):
    d = fresh(a, "screen_full_disk")
    p = run(screen_cmd(a, "s"), d)
    if not check(p.returncode == 0, "earlier screen: exit %d" % p.returncode):
        sys.exit(1)
    h5_before = hashlib.sha256(open(os.path.join(d, "s.h5"), "rb").read()).hexdigest()
    jn = os.path.join(d, "s.journal")
    jbefore = open(jn, "rb").read()
    h5size = os.path.getsize(os.path.join(d, "s.h5"))
    limit = len(jbefore) + 4096
    check(limit < h5size, "setup: journal + 4 KiB (%d) must be below the results size %d"
          % (limit, h5size))
    tag = "screen rerun, RLIMIT_FSIZE %d B" % limit
    p = run(screen_cmd(a, "s", fsize=limit), d)
    check(p.returncode == 3, "%s: exit %d, expected 3" % (tag, p.returncode))
    one_error_line(p, tag, "s.h5", "File too large")
    check(hashlib.sha256(open(os.path.join(d, "s.h5"), "rb").read()).hexdigest() == h5_before,
          "%s: earlier results file changed" % tag)
    check(open(jn, "rb").read().startswith(jbefore), "%s: journal rewritten, not appended" % tag)
    no_temporaries(d, tag)
    status_ok(a, d, "s", tag)
    # a fresh screen whose journal hits the limit while candidates finish
    d2 = fresh(a, "screen_full_disk_fresh")
    limit = len(jbefore) // 2
    tag = "fresh screen, RLIMIT_FSIZE %d B" % limit
    p = run(screen_cmd(a, "f", fsize=limit), d2)
    check(p.returncode != 0, "%s: exit 0 although the journal cannot grow" % tag)
    one_error_line(p, tag, "f.journal", "File too large")
    check(not os.path.exists(os.path.join(d2, "f.h5")), "%s: results written" % tag)
    no_temporaries(d2, tag)
    status_ok(a, d2, "f", tag)
    p = run(screen_cmd(a, "f"), d2)
    check(p.returncode == 0, "%s: rerun without limit: exit %d" % (tag, p.returncode))
    out = status_ok(a, d2, "f", tag + ", rerun")
    check("3 done" in out and "0 left" in out, "%s: rerun incomplete: %s" % (tag, out))


def case_screen_readonly_dir(a):
    if not can_be_nobody():
        print("SKIP: cannot switch to user nobody")
        sys.exit(77)
    d = fresh(a, "screen_readonly_dir")
    p = run(screen_cmd(a, "s"), d)
    if not check(p.returncode == 0, "earlier screen: exit %d" % p.returncode):
        sys.exit(1)
    before = digest(d)
    os.chmod(d, 0o555)
    try:
        p = run(screen_cmd(a, "s"), d, as_nobody=os.geteuid() == 0)
    finally:
        os.chmod(d, 0o755)
    tag = "screen in a read-only directory"
    check(p.returncode == 3, "%s: exit %d, expected 3" % (tag, p.returncode))
    one_error_line(p, tag, "s.", "Permission denied")
    check(digest(d) == before, "%s: files changed" % tag)


CASES = {"scf_full_disk": case_scf_full_disk, "scf_readonly_dir": case_scf_readonly_dir,
         "screen_full_disk": case_screen_full_disk, "screen_readonly_dir": case_screen_readonly_dir}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("--furui", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--mpiexec", default="mpiexec")
    a = ap.parse_args()
    a.furui = os.path.abspath(a.furui)
    a_mpiexec[0] = a.mpiexec
    CASES[a.case](a)
    if failures:
        print("%d failure(s)" % len(failures))
        sys.exit(1)
    print("ok", a.case)


if __name__ == "__main__":
    main()

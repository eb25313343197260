#!/usr/bin/python3
"""The reliability figures of furui in one command.

    validation/reliability_figures.py [--build build] [--quick] [--markdown]

Runs the fast catalogues and reports pass/fail:
  - hostile inputs: every case of tests/cli/bad_input.py (input files, POSCAR, pseudopotentials,
    usage) and of tests/reliability/hostile_results.py (results HDF5 files and journals through
    `furui status` / `furui merge`); plus the fuzz regression inputs (replayed by ctest);
  - kills survived / results lost: runs tests/reliability/fault_injection.py (24 seeded SIGKILLs,
    ~1.5 min) unless --quick, which reads the last CTest log instead;
  - valgrind, sanitizer and reliability tests: read from the latest CTest results
    (BUILD/Testing/Temporary/LastTest.log and build-asan's);
  - fuzz corpus sizes: files in tests/fuzz/corpus/* and tests/fuzz/regressions/*.
--markdown prints the table for README.md.
"""
import argparse
import glob
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = "/usr/bin/python3"


def run(cmd, timeout=900):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired:
        return None, "timeout"


def bad_input(furui, work):
    script = os.path.join(ROOT, "tests/cli/bad_input.py")
    rc, out = run([PY, script, "--list"])
    cases = out.strip().split(";")
    def one(c):
        rc, out = run([PY, script, "--furui", furui, "--workdir", work, c], 300)
        return c, rc == 0, rc is None or "(d) hang" in out, "(d) killed by signal" in out or \
            "(d) crash report" in out
    with ThreadPoolExecutor(2) as ex:
        res = list(ex.map(one, cases))
    return (len(res), sum(r[1] for r in res), [r[0] for r in res if not r[1]],
            sum(r[2] for r in res), sum(r[3] for r in res))


def hostile_results(furui, work):
    rc, out = run([PY, os.path.join(ROOT, "tests/reliability/hostile_results.py"),
                   "--furui", furui, "--workdir", work])
    m = re.search(r"hostile-results: (\d+) cases, (\d+) passed", out)
    fails = re.findall(r"^FAIL (\S+):", out, re.M)
    return (int(m.group(1)), int(m.group(2)), fails) if m else (0, 0, ["did not run"])


def ctest_log(build):
    p = os.path.join(build, "Testing/Temporary/LastTest.log")
    return open(p, errors="replace").read() if os.path.exists(p) else ""


def ctest_status(log, name_re):
    """{test: passed?} of the tests matching name_re in a LastTest.log."""
    out = {}
    for m in re.finditer(r'^\d+/\d+ Test: (\S+)\n.*?^Test (Passed|Failed)', log, re.M | re.S):
        if re.match(name_re, m.group(1)):
            out[m.group(1)] = m.group(2) == "Passed"
    return out


def fault_line(text):
    m = re.search(r"fault-injection: seed (\d+), kills (\d+) \(([^)]*)\), epochs (\d+).*?"
                  r"results lost (\d+).*?failures (\d+)", text)
    return m


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--workdir", default="/tmp/furui-reliability-figures")
    ap.add_argument("--quick", action="store_true", help="do not run the fault injection")
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    furui = os.path.join(os.path.abspath(a.build), "furui")
    if not os.path.exists(furui):
        sys.exit("no %s: build first (cmake --build %s)" % (furui, a.build))
    os.makedirs(a.workdir, exist_ok=True)
    rows = []
    n, ok, bad, hangs, crashes = bad_input(furui, os.path.join(a.workdir, "cli"))
    rows.append(("hostile inputs: run config, POSCAR, pseudopotentials, sweeps, FIFOs, huge cells, "
                 "rank expressions, signals, usage (tests/cli/bad_input.py)",
                 "%d tried, %d pass, hangs %d, crashes %d" % (n, ok, hangs, crashes) +
                 (" (fail: %s)" % ", ".join(bad) if bad else "")))
    n2, ok2, bad2 = hostile_results(furui, a.workdir)
    rows.append(("hostile inputs: results HDF5 and journals via status/merge/rank/export "
                 "(tests/reliability/hostile_results.py)", "%d tried, %d pass" % (n2, ok2) +
                 (" (fail: %s)" % ", ".join(bad2) if bad2 else "")))
    regs = glob.glob(os.path.join(ROOT, "tests/fuzz/regressions/*/*"))
    rows.append(("hostile inputs: fuzz regression inputs (replayed by ctest -L fuzz)",
                 "%d" % len(regs)))
    log = ctest_log(a.build)
    if a.quick:
        m = fault_line(log)
        src = "last ctest"
    else:
        rc, out = run([PY, os.path.join(ROOT, "tests/reliability/fault_injection.py"), "--furui",
                       furui, "--workdir", a.workdir, "--seed", "20261122", "--kills", "24",
                       "--strace"])
        m = fault_line(out)
        src = "run now"
    if m:
        rows.append(("SIGKILLs of a 2-rank screen survived (seed %s; %s; %s)"
                     % (m.group(1), m.group(3), src),
                     "%s kills in %s epochs, %s failures" % (m.group(2), m.group(4), m.group(6))))
        rows.append(("finished results lost or changed by kills", m.group(5)))
    else:
        rows.append(("SIGKILLs survived", "not measured (run ctest -R fault_injection)"))
    for label, build, rx in (("valgrind memcheck (scf, 2-rank screen)", a.build, r"valgrind_"),
                             ("full disk / read-only directory, end to end", a.build, r"full_disk_"),
                             ("SCF divergence (injected NaN) through the recovery ladder", a.build,
                              r"scf_divergence"),
                             ("ASan+UBSan unit tests (build-asan)", os.path.join(ROOT, "build-asan"),
                              r"test_")):
        st = ctest_status(ctest_log(build), rx)
        if st:
            fails = [k for k, v in st.items() if not v]
            rows.append((label + " (latest ctest)", "%d/%d pass" % (len(st) - len(fails), len(st)) +
                         (" (fail: %s)" % ", ".join(fails) if fails else "")))
        else:
            rows.append((label, "no ctest results in %s" % build))
    corp = []
    for d in sorted(glob.glob(os.path.join(ROOT, "tests/fuzz/corpus/*"))):
        corp.append("%s %d" % (os.path.basename(d), len(os.listdir(d))))
    rows.append(("fuzz seed corpus files per harness", ", ".join(corp)))
    if a.markdown:
        print("| figure | value |\n|---|---|")
        for k, v in rows:
            print("| %s | %s |" % (k, v))
    else:
        for k, v in rows:
            print("%-90s %s" % (k + ":", v))


if __name__ == "__main__":
    main()

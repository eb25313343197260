"""Shared helpers of furui's Python end-to-end tests.

    sys.path.insert(0, <tests dir>); from testlib import ENV, check, run, text, failures

ENV is the environment every furui child runs in: Open MPI as root and
oversubscribed with a session directory of the test's own, one thread per
rank, and no FFTW wisdom file, so a test never depends on (or writes) the
user's ~/.cache/furui and runs the same each time.
"""
import atexit
import os
import shutil
import subprocess
import tempfile

# Open MPI's session directories under a base of this test's own: tests run in parallel start
# MPI processes at once, and on the shared /tmp/ompi.HOST.UID tree one may remove what another
# is creating
_SESSION = tempfile.mkdtemp(prefix="fu-ompi-", dir="/tmp")
atexit.register(shutil.rmtree, _SESSION, True)
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", FURUI_FFTW_WISDOM="off",
           OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", OMPI_MCA_orte_tmpdir_base=_SESSION)
failures = []


def check(cond, what):
    """Records a failed check (the test's exit status comes from `failures`)."""
    if not cond:
        failures.append(what)
        print("FAIL:", what)
    return cond


def run(args, cwd, timeout=600):
    """Runs a command in cwd with ENV; prints the command line and its exit code."""
    p = subprocess.run(args, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=timeout)
    print("$ %s -> %d" % (" ".join(args), p.returncode))
    return p


def check_refused(cmd, cwd, want, prefix):
    """cmd exits non-zero with one "furui:" error line containing want, and no file prefix.*
    appears in cwd (refused at pre-flight, nothing written)."""
    p = run(cmd, cwd)
    err = [l for l in p.stderr.splitlines() if l.startswith("furui:")]
    check(p.returncode != 0 and len(err) == 1 and want in err[0],
          "%s: one error line naming it: %r" % (" ".join(cmd), err))
    check(not [f for f in os.listdir(cwd) if f.startswith(prefix + ".")], "%s: files written" % " ".join(cmd))


def text(x):
    """An HDF5 string (bytes or str) as str."""
    return x.decode() if isinstance(x, bytes) else str(x)


def setup(description=None, mpiexec=False):
    """Parses --furui BIN --workdir DIR (and with mpiexec --mpiexec MPIEXEC, default mpiexec)
    and empties DIR; returns (furui, workdir) or (furui, workdir, mpiexec)."""
    import argparse
    import shutil
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--furui", required=True)
    ap.add_argument("--workdir", required=True)
    if mpiexec:
        ap.add_argument("--mpiexec", default="mpiexec")
    a = ap.parse_args()
    shutil.rmtree(a.workdir, ignore_errors=True)
    os.makedirs(a.workdir)
    return (a.furui, a.workdir, a.mpiexec) if mpiexec else (a.furui, a.workdir)


def no_temporaries(directory):
    """True if no DIR.tmp.PID / DIR.old.PID of the directory publisher is left in directory."""
    import glob
    return not glob.glob(os.path.join(directory, "*.tmp.*")) and not glob.glob(os.path.join(directory, "*.old.*"))


def finish():
    """Prints the failure count; the exit status of the test."""
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


def journal_payloads(path):
    """The payloads of a journal's intact frames in order, up to the first damaged one (format:
    src/results/README.md); a missing file has none. payload[0] is the record type: candidate
    records 2..5, checkpoints 16, stage records 17."""
    import hashlib
    import struct
    data = open(path, "rb").read() if os.path.exists(path) else b""
    out, off = [], 16
    while off + 40 <= len(data) and data[off:off + 4] == b"\xa5\x46\x4a\x5a":
        (n,) = struct.unpack_from("<I", data, off + 4)
        payload = data[off + 40:off + 40 + n]
        if len(payload) < n or hashlib.sha256(payload).digest() != data[off + 8:off + 40]:
            break
        out.append(payload)
        off += 40 + n
    return out

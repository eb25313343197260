#!/usr/bin/python3
"""Hostile results files and journals, end to end through `furui status` and `furui merge`
(CTest label reliability). The parsers alone are covered by tests/unit/test_store.c and the
journal/record fuzzers; the input readers by tests/cli/bad_input.py and tests/fuzz.

    hostile_results.py --furui BIN --workdir DIR [--list] [CASE...]

A good results file and journal are made once (`furui screen vg_sweep.yaml`, 3 candidates),
then each case damages a copy and runs `furui status FILE` and `furui merge OUT.h5 FILE`
(and, unless tolerated, `furui rank FILE -o DIR` and `furui export FILE -o DIR`).
Unless the case is marked "tolerated", each run must:
  - exit with the README's code, the same for every subcommand: 1 for damaged content (bad
    input), 3 where the file cannot be read at all (a directory, no permission); not a
    signal, within 60 s (no hang);
  - print exactly one stderr line "furui: error: ..." that names the file (and, where the
    case says so, the key or what is wrong), with no control characters;
  - leave no OUT.h5 (or DIR) and no temporary file (no partial output).
"tolerated" cases are damage the journal format is documented to survive
(src/results/README.md: damage between intact frames is skipped and reported, a torn tail is
ignored): exit 0, a one-line warning naming the file, and a merged file that h5py opens.
For every merged file, all string columns must be valid UTF-8 (the datasets say UTF-8).
One more case, status_counts, appends a failed-but-to-be-retried record to the good journal:
`furui status` must count each candidate once (done + failed + invalid + left = all; it once
counted such a candidate both as failed and as left).
Prints "hostile-results: N cases, P passed" at the end (read by
validation/reliability_figures.py).
"""
import argparse
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SWEEP = os.path.join(HERE, "vg_sweep.yaml")
ENV = dict(os.environ, FURUI_FFTW_WISDOM="off", LC_ALL="C", OMP_NUM_THREADS="1",
           OPENBLAS_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
           OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_ess_singleton_isolated="1",
           OMPI_MCA_pml="ob1", OMPI_MCA_btl="self")
MAGIC = b"\xa5\x46\x4a\x5a"
NOBODY = 65534
# cases where the file cannot be read at all: exit 3 (I/O); every other damage: exit 1
IO_CASES = {"h5_is_directory", "journal_is_directory", "h5_no_read_permission"}


def frames(data):
    """[(offset, payload)] of the intact frames of a journal (src/results/README.md)."""
    out, off = [], 16
    while off + 40 <= len(data) and data[off:off + 4] == MAGIC:
        (n,) = struct.unpack_from("<I", data, off + 4)
        out.append((off, data[off + 40:off + 40 + n]))
        off += 40 + n
    return out


def seal(payload):
    return MAGIC + struct.pack("<I", len(payload)) + hashlib.sha256(payload).digest() + payload


def with_label(payload, label):
    """A candidate record payload with its label replaced (layout: src/results/README.md)."""
    pos = 1 + 16 + 3 + 8 + 16
    (n,) = struct.unpack_from("<I", payload, pos)
    return payload[:pos] + struct.pack("<I", len(label)) + label + payload[pos + 4 + n:]


def h5_copy_edit(src, dst, edit):
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        edit(f)


def make_cases(good_h5, good_jn):
    H = open(good_h5, "rb").read()
    J = open(good_jn, "rb").read()
    fr = frames(J)
    cand = [(o, p) for o, p in fr if p[0] in (2, 3, 4, 5)]  # candidate records, journal versions 1-4
    c = []   # (name, filename, builder(path), pieces expected in the message, tolerated)

    def raw(data):
        return lambda p: open(p, "wb").write(data)

    c.append(("h5_truncated_half", "trunc.h5", raw(H[:len(H) // 2]), [], False))
    c.append(("h5_truncated_superblock", "trunc8.h5", raw(H[:8]), [], False))
    c.append(("h5_empty_file", "empty.h5", raw(b""), ["empty file"], False))
    c.append(("h5_is_directory", "RESULTS.h5", lambda p: os.makedirs(p), [], False))
    c.append(("h5_garbage_after_signature", "garb.h5",
              raw(H[:8] + bytes((i * 37) & 255 for i in range(4096))), [], False))

    def other_schema(p):
        with h5py.File(p, "w") as f:
            f.attrs["schema"] = "nexus.something"
            f.attrs["schema_version"] = 1
            f.create_dataset("candidates/id", data=np.array([b"0123456789abcdef"]))
    c.append(("h5_other_schema", "other.h5", other_schema, ["schema"], False))

    def no_schema(p):
        with h5py.File(p, "w") as f:
            f.create_dataset("data", data=np.arange(10.0))
    c.append(("h5_plain_hdf5_no_schema", "plain.h5", no_schema, ["schema"], False))
    c.append(("h5_newer_schema_version", "newer.h5",
              lambda p: h5_copy_edit(good_h5, p, lambda f: f.attrs.__setitem__("schema_version", 99)),
              ["99"], False))
    c.append(("h5_schema_version_string", "vstr.h5",
              lambda p: h5_copy_edit(good_h5, p, lambda f: f.attrs.__setitem__("schema_version", "one")),
              ["schema_version"], False))

    def short_column(f):
        lab = f["candidates/label"][()]
        del f["candidates/label"]
        f.create_dataset("candidates/label", data=lab[:-1], dtype=h5py.string_dtype())
    c.append(("h5_column_length_mismatch", "short.h5",
              lambda p: h5_copy_edit(good_h5, p, short_column), ["label"], False))

    def dup_ids(f):
        ids = f["candidates/id"][()]
        ids[1] = ids[0]
        f["candidates/id"][...] = ids
    c.append(("h5_duplicate_ids", "dup.h5", lambda p: h5_copy_edit(good_h5, p, dup_ids), [], False))

    def bad_offsets(f):
        o = f["candidates/atom_offset"][()]
        o[-1] = o[-1] + 1000
        f["candidates/atom_offset"][...] = o
    c.append(("h5_offsets_past_end", "offs.h5", lambda p: h5_copy_edit(good_h5, p, bad_offsets),
              ["offsets"], False))
    c.append(("h5_missing_candidates_group", "nocand.h5",
              lambda p: h5_copy_edit(good_h5, p, lambda f: f.__delitem__("candidates")),
              ["candidates"], False))
    # journals
    # an empty file is an empty journal by design (a kill while creating it): no warning
    c.append(("journal_empty_file", "empty.journal", raw(b""), None, True))
    c.append(("journal_foreign_header", "foreign.journal", raw(b"NOTFURUI" + J[8:]), [], False))
    c.append(("journal_newer_version", "newer.journal",
              raw(J[:8] + struct.pack("<I", 99) + J[12:]), ["version"], False))
    mid = cand[len(cand) // 2][0]
    c.append(("journal_garbage_in_middle", "garbage.journal",
              raw(J[:mid + 10] + b"\xde\xad\xbe\xef" * 25 + J[mid + 110:]), ["corrupt"], True))
    c.append(("journal_torn_tail", "torn.journal", raw(J[:-17]), ["torn"], True))
    o, pl = cand[-1]
    bad = seal(with_label(pl, b"Si\xff\xfe\xc0\xafbad"))
    # a record with bytes furui never writes is damage: skipped and reported like any corrupt frame
    c.append(("journal_non_utf8_label", "nonutf8.journal", raw(J[:o] + bad + J[o + 40 + len(pl):]),
              ["corrupt"], True))
    bad = seal(with_label(pl, b"Si\nsecond line\r\x1b[31m"))
    c.append(("journal_control_chars_in_label", "ctrl.journal",
              raw(J[:o] + bad + J[o + 40 + len(pl):]), ["corrupt"], True))
    bad = seal(pl[:len(pl) // 2])
    c.append(("journal_sealed_short_record", "short.journal",
              raw(J[:o] + bad + J[o + 40 + len(pl):]), ["corrupt"], True))
    c.append(("journal_is_directory", "dir.journal", lambda p: os.makedirs(p), [], False))
    c.append(("text_file_as_shard", "notes.txt", raw(b"hello\xff\n"), [], False))
    return c


def retry_record(cid):
    """A version-2 candidate record (type 3): attempt 1 failed, not final (to be retried)."""
    def string(b):
        return struct.pack("<I", len(b)) + b
    return (bytes([3]) + cid + bytes([4, 0, 0]) + struct.pack("<ii", 1, 0) + struct.pack("<dd", 1e9, 1e9 + 1)
            + string(b"Si/retry") + string(b"no-convergence") + string(b"SCF not converged")
            + struct.pack("<dd", float("nan"), float("nan")) + bytes([0]) + struct.pack("<I", 0))


def check_status_counts(furui, root, good_jn):
    d = os.path.join(root, "status_counts")
    os.makedirs(d)
    with open(good_jn, "rb") as f:
        J = f.read()
    with open(os.path.join(d, "retry.journal"), "wb") as f:
        f.write(J + seal(retry_record(b"00000000000000ff")))
    p = run(furui, ["status", "retry.journal"], d)
    if p is None:
        return ["status: hang"]
    out = p.stdout.decode("utf-8", "replace")
    m = re.search(r"(\d+) candidates: (\d+) done, (\d+) failed, (\d+) invalid, (\d+) left", out)
    if p.returncode != 0 or not m:
        return ["status: exit %d, no summary line: %r %r" % (p.returncode, out, p.stderr)]
    n, done, failed, invalid, left = map(int, m.groups())
    probs = []
    if done + failed + invalid + left != n:
        probs.append("status counts a candidate twice: %s" % m.group(0))
    if failed != 0 or left < 1:
        probs.append("a failure to be retried is left, not failed: %s" % m.group(0))
    return probs


def run(furui, args, cwd, as_nobody=False):
    def pre():
        if as_nobody:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
    try:
        p = subprocess.run([furui] + args, cwd=cwd, env=ENV, capture_output=True, timeout=60,
                           preexec_fn=pre)
    except subprocess.TimeoutExpired:
        return None
    return p


def utf8_ok(path):
    bad = []
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and obj.dtype.kind in ("O", "S"):
                for x in np.ravel(obj[()]):
                    if isinstance(x, bytes):
                        try:
                            x.decode("utf-8")
                        except UnicodeDecodeError:
                            bad.append(name)
                            return
                    if name.startswith(("candidates/", "failures/")) and any(ord(ch) < 32 for ch in
                                                          (x.decode("utf-8", "replace") if isinstance(x, bytes) else x)
                                                          if ch not in "\t"):
                        bad.append(name + " (control characters)")
                        return
        f.visititems(visit)
    return bad


def check_one(furui, d, name, fname, pieces, tolerated, sub, as_nobody=False):
    """Run one subcommand on the hostile file; returns a list of problems."""
    probs = []
    out = os.path.join(d, "OUT.h5")
    if os.path.isdir(out):
        shutil.rmtree(out)
    elif os.path.exists(out):
        os.remove(out)
    args = {"status": ["status", fname], "merge": ["merge", "OUT.h5", fname],
            "rank": ["rank", fname, "-o", "OUT.h5"], "export": ["export", fname, "-o", "OUT.h5"]}[sub]
    p = run(furui, args, d, as_nobody)
    if p is None:
        return ["%s: hang (no exit within 60 s)" % sub]
    err = p.stderr.decode("utf-8", "replace")
    lines = [l for l in err.splitlines() if l.strip()]
    if p.returncode < 0:
        probs.append("%s: killed by signal %d" % (sub, -p.returncode))
    if any(ord(ch) < 32 and ch != "\n" for ch in err):
        probs.append("%s: control characters in stderr %r" % (sub, err))
    if tolerated:
        warn = [l for l in (p.stdout.decode("utf-8", "replace") + err).splitlines()
                if l.startswith("warning:")]
        if p.returncode != 0:
            probs.append("%s: exit %d for documented-tolerable damage: %s" % (sub, p.returncode, err))
        if pieces is None:
            if warn:
                probs.append("%s: unexpected warning %r" % (sub, warn))
        elif len(warn) != 1 or fname not in warn[0] or not all(s in warn[0] for s in pieces):
            probs.append("%s: expected one warning naming %s and %s: %r" % (sub, fname, pieces, lines))
        if sub == "merge" and p.returncode == 0:
            try:
                bad = utf8_ok(out)
                if bad:
                    probs.append("merge: output has invalid strings in %s" % bad)
            except Exception as e:  # noqa: BLE001
                probs.append("merge: output does not open: %s" % e)
        return probs
    if p.returncode == 0:
        probs.append("%s: exit 0" % sub)
        if sub == "merge" and os.path.exists(out):
            bad = utf8_ok(out)
            if bad:
                probs.append("merge: output (exit 0) has invalid strings in %s" % bad)
    elif p.returncode != (3 if name in IO_CASES else 1):
        probs.append("%s: exit %d, expected %d (README: 1 bad input, 3 I/O)"
                     % (sub, p.returncode, 3 if name in IO_CASES else 1))
    if p.returncode != 0:
        if len(lines) != 1 or not lines[0].startswith("furui: error: "):
            probs.append("%s: expected one 'furui: error:' line, got %r" % (sub, lines))
        elif fname not in lines[0] or not all(s in lines[0] for s in pieces or []):
            probs.append("%s: message lacks file name %s or %s: %s" % (sub, fname, pieces, lines[0]))
    left = [n for n in os.listdir(d) if n == "OUT.h5" or n.startswith("OUT.h5.")]
    if p.returncode != 0 and left:
        probs.append("%s: partial output left: %s" % (sub, left))
    return probs


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cases", nargs="*")
    ap.add_argument("--furui", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    furui = os.path.abspath(a.furui)
    root = os.path.abspath(os.path.join(a.workdir, "hostile_results"))
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    p = run(furui, ["screen", SWEEP, "-o", "good"], root)
    if p is None or p.returncode != 0:
        print("setup: furui screen failed: %s" % (p.stderr.decode() if p else "hang"))
        sys.exit(1)
    cases = make_cases(os.path.join(root, "good.h5"), os.path.join(root, "good.journal"))
    if os.geteuid() != 0 or subprocess.run(
            ["true"], preexec_fn=lambda: (os.setgroups([]), os.setgid(NOBODY),
                                          os.setuid(NOBODY))).returncode == 0:
        def unreadable(p):
            shutil.copy(os.path.join(root, "good.h5"), p)
            os.chmod(p, 0)
        cases.append(("h5_no_read_permission", "locked.h5", unreadable, ["Permission denied"], False))
    names = set(a.cases)
    total = passed = 0
    for name, fname, build, pieces, tolerated in cases:
        if names and name not in names:
            continue
        d = os.path.join(root, name)
        os.makedirs(d)
        os.chmod(d, 0o777)  # the as-nobody case writes OUT.h5 here
        build(os.path.join(d, fname))
        probs = []
        for sub in ("status", "merge") if tolerated else ("status", "merge", "rank", "export"):
            probs += check_one(furui, d, name, fname, pieces, tolerated, sub,
                               as_nobody=(name == "h5_no_read_permission" and os.geteuid() == 0))
        total += 1
        if probs:
            print("FAIL %s: %s" % (name, "; ".join(probs)), flush=True)
        else:
            passed += 1
            print("ok   %s" % name, flush=True)
    if not names or "status_counts" in names:
        total += 1
        probs = check_status_counts(furui, root, os.path.join(root, "good.journal"))
        if probs:
            print("FAIL status_counts: %s" % "; ".join(probs), flush=True)
        else:
            passed += 1
            print("ok   status_counts", flush=True)
    print("hostile-results: %d cases, %d passed" % (total, passed))
    sys.exit(0 if passed == total else 1)


if __name__ == "__main__":
    main()

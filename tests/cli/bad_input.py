#!/usr/bin/python3
"""End-to-end tests of `furui` on bad input and bad invocations, one CTest per case.

    bad_input.py --furui build/furui --workdir DIR CASE          run one case
    bad_input.py --furui ... --ranks 2 --mpiexec mpiexec CASE    the same under MPI
    bad_input.py --list | --list-mpi                             case names (for CMake)

Every case builds its input from tests/cli/si_small.yaml (Si2, 5 Ha, Gamma:
0.3 s when it runs at all), runs furui in a fresh directory and checks

  (a) the exit code is the documented one (README.md: 1 bad input, 2 SCF not
      converged, 3 other failure such as I/O, 64 usage);
  (b) stderr is exactly one line, starting with "furui: error: ", containing
      the expected pieces (file name, line and/or key, what is wrong);
      under MPI: exactly one such line in all of stderr (not one per rank);
  (c) no PREFIX.json, PREFIX.h5 or leftover temporary file exists afterwards
      (only the inputs and, for errors found after the input was read, a
      PREFIX.failed.log that records the error); and, in a second run in a directory
      holding the PREFIX.log/.json/.h5 of an earlier successful run (of
      si_small.yaml), that the earlier .json/.h5 are left byte for byte
      untouched and still record the earlier input, not this run's (policy:
      EARLIER_RESULTS_AFTER_FAILURE), and so is the earlier PREFIX.log;
  (d) no crash: no death by signal, no sanitizer or Open MPI crash report, no
      hang (timeout).
"""
import argparse
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BASE_INPUT = os.path.join(HERE, "si_small.yaml")
TIMEOUT_S = 60
FIFO = "<fifo>"  # a files{} value: make a named pipe there (an open(2) for reading blocks on it)
SPARSE_3G = "<sparse-3GiB>"  # a files{} value: a 3 GiB file of zeros (sparse: no disk used)
EARLIER_INPUT = "earlier.yaml"  # input of the earlier successful run in the same place

# What happens to PREFIX.json/.h5 of an earlier successful run when a rerun fails.
# Since commit 4f345ee furui keeps them ("an earlier run's results stay untouched
# unless this run succeeds"; each records its own input). Set to "removed" if that
# policy changes. PREFIX.log is rewritten (and records the error) once the input has
# been read ("run" stage) into PREFIX.failed.log; the earlier PREFIX.log is never
# touched, so PREFIX.log/.json/.h5 always belong to one successful run.
EARLIER_RESULTS_AFTER_FAILURE = "kept"

CRASH_MARKERS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                 "ThreadSanitizer", "runtime error:", "Segmentation fault", "core dumped",
                 "Process received signal", "MPI_ABORT", "Aborted", "free(): ", "malloc(): ",
                 "double free", "stack smashing")

with open(BASE_INPUT, "rb") as f:
    BASE = f.read().decode("utf-8")


def mutate(*pairs):
    """The base input with each (old, new) replaced; old must occur exactly once."""
    text = BASE
    for old, new in pairs:
        n = text.count(old)
        if n != 1:
            raise SystemExit(f"bad_input.py: '{old}' occurs {n} times in {BASE_INPUT}")
        text = text.replace(old, new)
    return text


HGH = open("/usr/share/abinit/psp/14si.4.hgh", encoding="utf-8").read() \
    if os.path.exists("/usr/share/abinit/psp/14si.4.hgh") else ""
# Si GTH-PADE-q4 in CP2K's format (values of CP2K's GTH_POTENTIALS)
GTH = """Si GTH-PADE-q4 GTH-LDA-q4
    2    2
     0.44000000    1    -7.33610297
    2
     0.42273813    2     5.90692831    -1.26189397
                                        3.25819622
     0.48427842    1     2.72701346
"""
# a one-candidate sweep with the base input's settings
SWEEP = """name: hostile
candidates:
  - prototype: diamond
    A: Si
pseudopotentials: {lda: "cp2k:GTH-PADE"}
ecut: 5 Ha
kpoints: {grid: [1, 1, 1]}
"""


# a one-element PseudoDojo table: Debian's Si.psp8 and a djson with the PBE standard hints
_SI8 = "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8/Si.psp8"
PSP8_SI = open(_SI8, encoding="utf-8").read() if os.path.exists(_SI8) else ""
DJSON_SI = ('{"pseudos_metadata": {"Si": {"basename": "Si.psp8", "Z_val": 4.0, "hints": '
            '{"low": {"ecut": 14.0}, "normal": {"ecut": 18.0}, "high": {"ecut": 24.0}}}}}\n')

POSCAR_SI = "Si\n5.43\n 0 .5 .5\n .5 0 .5\n .5 .5 0\nSi\n2\nDirect\n 0 0 0\n 0.25 0.25 0.25\n"


def slow_input():
    """The base input made to run for seconds (25 Ha, 4x4x4 k), to be stopped."""
    return mutate(("ecut: 5 Ha", "ecut: 25 Ha"), ("grid: [1, 1, 1]", "grid: [4, 4, 4]"))


def cubic(a):
    """The base input with a simple cubic cell of side a bohr."""
    return mutate(("[0.0, 5.1315, 5.1315]", f"[{a}, 0, 0]"), ("[5.1315, 0.0, 5.1315]", f"[0, {a}, 0]"),
                  ("[5.1315, 5.1315, 0.0]", f"[0, 0, {a}]"))


# Si in a conventional cubic cell (4 atoms) at 1000 Ha
FOUR_ATOMS_1000_HA = mutate(
    ("[0.0, 5.1315, 5.1315]", "[10.263, 0, 0]"), ("[5.1315, 0.0, 5.1315]", "[0, 10.263, 0]"),
    ("[5.1315, 5.1315, 0.0]", "[0, 0, 10.263]"),
    ("    - [Si, 0.25, 0.25, 0.25]\n", "    - [Si, 0.0, 0.5, 0.5]\n    - [Si, 0.5, 0.0, 0.5]\n"
                                      "    - [Si, 0.5, 0.5, 0.0]\n"),
    ("ecut: 5 Ha", "ecut: 1000 Ha"))


def append(extra):
    return BASE + extra


def with_poscar(name):
    """The base input with its inline structure replaced by {poscar: name}."""
    start = BASE.index("structure:")
    end = BASE.index("pseudopotentials:")
    return BASE[:start] + f"structure: {{poscar: {name}}}\n" + BASE[end:]


def copy_of(name):
    with open(os.path.join(HERE, name), "rb") as f:
        return f.read().decode("utf-8")


class Case:
    def __init__(self, name, argv, code, contains, files=None, first="furui: error: ",
                 lines=1, stage=None, mpi=False, not_created=(), timeout=TIMEOUT_S, mem_limit=None,
                 stop=None, env=None):
        self.name = name
        self.env = env or {}          # extra environment variables
        self.argv = argv              # arguments after "furui"
        self.code = code              # expected exit status
        self.contains = contains      # substrings of stderr
        self.files = files or {}      # relative path -> text (str) or None for a directory
        self.first = first            # stderr starts with this
        self.lines = lines            # number of stderr lines (None: any, >= 1)
        self.stage = stage            # where the error is found: "input" (command line or
        #                               input file: no PREFIX.log) or "run" (after PREFIX.log
        #                               is opened: it records the error); None: no PREFIX
        #                               in play, no check of earlier results
        self.mpi = mpi                # also run as an MPI test (label mpi)
        self.not_created = not_created  # paths that must not exist afterwards
        self.timeout = timeout        # seconds before the run counts as a hang
        self.mem_limit = mem_limit    # bytes of address space (prlimit --as), None: no limit
        self.stop = stop              # a signal sent once PREFIX.log.tmp.* exists (SCF running);
        #                               then code is -signal (death by it, after cleaning up)
        self.prefix = None
        if "-o" in argv and argv.index("-o") + 1 < len(argv):
            self.prefix = argv[argv.index("-o") + 1]
        elif argv[:1] == ["scf"] and len(argv) == 2 and argv[1].endswith(".yaml"):
            self.prefix = os.path.splitext(os.path.basename(argv[1]))[0]


IN = "in.yaml"
SCF = ["scf", IN, "-o", "out"]

SLOW = slow_input()

CASES = [
    # --- the input file itself -------------------------------------------------------------
    Case("malformed_yaml", SCF, 1, [IN + ":20:", "syntax", "did not find expected ',' or '}'",
                                         "flow mapping at line 19"],
         files={IN: mutate(("kpoints: {grid: [1, 1, 1], shift: [0, 0, 0]}",
                            "kpoints: {grid: [1, 1, 1], shift: [0, 0, 0]\necut2: 3 Ha"))},
         stage="input"),
    Case("unknown_key", ["scf", IN], 1, [IN + ":18:", "ecutt: unknown key", "allowed:", "ecut"],
         files={IN: mutate(("ecut: 5 Ha", "ecutt: 5 Ha"))}, stage="input", mpi=True),
    Case("missing_unit", SCF, 1, [IN + ":18:", "ecut: missing unit", "'5 Ha'"],
         files={IN: mutate(("ecut: 5 Ha", "ecut: 5"))}, stage="input"),
    Case("ecut_zero", SCF, 1, [IN + ":18:", "ecut: must be > 0", "got 0 Ha"],
         files={IN: mutate(("ecut: 5 Ha", "ecut: 0 Ha"))}, stage="input"),
    Case("ecut_negative", SCF, 1, [IN + ":18:", "ecut: must be > 0", "got -5 Ha"],
         files={IN: mutate(("ecut: 5 Ha", "ecut: -5 Ha"))}, stage="input"),
    Case("input_missing", ["scf", "no_such_input.yaml", "-o", "out"], 3,
         ["no_such_input.yaml", "cannot open", "No such file or directory"], stage="input"),
    Case("input_is_directory", ["scf", "dir.yaml", "-o", "out"], 3,
         ["dir.yaml", "cannot read", "Is a directory"], files={"dir.yaml": None}, stage="input"),
    # --- the structure ---------------------------------------------------------------------
    Case("unknown_element", SCF, 1, [IN + ":14:", "structure.atoms[1][0]", "unknown element 'Xx'"],
         files={IN: mutate(("[Si, 0.25, 0.25, 0.25]", "[Xx, 0.25, 0.25, 0.25]"))}, stage="input"),
    Case("atoms_too_close", SCF, 1,
         [IN + ":", "structure", "atoms 1 (Si) and 2 (Si)", "0.1778 bohr apart", "minimum 0.5"],
         files={IN: mutate(("[Si, 0.25, 0.25, 0.25]", "[Si, 0.01, 0.01, 0.01]"))}, stage="input"),
    Case("atoms_too_close_periodic_image", SCF, 1,
         [IN + ":", "structure", "atoms 1 (Si) and 2 (Si)", "0.0178 bohr apart", "minimum 0.5"],
         files={IN: mutate(("[Si, 0.25, 0.25, 0.25]", "[Si, 0.999, 0.999, 0.999]"))}, stage="input"),
    Case("singular_lattice", SCF, 1, [IN + ":7:", "structure.lattice.vectors", "singular lattice"],
         files={IN: mutate(("- [5.1315, 5.1315, 0.0]", "- [5.1315, 5.1315, 10.263]"))},
         stage="input"),
    Case("malformed_poscar", SCF, 1,
         [IN + ":4:", "structure.poscar", "POSCAR_malformed:5:", "lattice vector 3",
          "expected 3 numbers"],
         files={IN: with_poscar("POSCAR_malformed"),
                "POSCAR_malformed": copy_of("POSCAR_malformed")}, stage="input"),
    Case("poscar_unknown_element", SCF, 1,
         [IN + ":4:", "structure.poscar", "POSCAR_unknown_element:6:", "species line",
          "unknown element 'Xx'"],
         files={IN: with_poscar("POSCAR_unknown_element"),
                "POSCAR_unknown_element": copy_of("POSCAR_unknown_element")}, stage="input"),
    Case("poscar_missing", SCF, 3,
         [IN + ":4:", "structure.poscar", "POSCAR_absent", "cannot open",
          "No such file or directory"],
         files={IN: with_poscar("POSCAR_absent")}, stage="input"),
    # --- pseudopotentials (opened when the SCF starts, after the log is opened) -------------
    Case("psp_missing_library_file", SCF, 3,
         [IN + ": ", "pseudopotentials", "Si", "no_such_file.hgh", "cannot open",
          "No such file or directory"],
         files={IN: mutate(("abinit:14si.4.hgh", "abinit:no_such_file.hgh"))},
         stage="run", mpi=True),
    # A bare path is relative to the input file's directory, not to the current one.
    Case("psp_missing_relative_path", ["scf", "sub/in.yaml", "-o", "out"], 3,
         ["sub/in.yaml: ", "pseudopotentials", "Si", "sub/psp/absent.hgh", "cannot open"],
         files={"sub/in.yaml": mutate(("abinit:14si.4.hgh", "psp/absent.hgh"))},
         stage="run"),
    Case("psp_wrong_element", SCF, 1,
         [IN + ": ", "pseudopotentials", "Si", "6c.4.hgh", "file is for C (Z = 6)",
          "requested Si"],
         files={IN: mutate(("abinit:14si.4.hgh", "abinit:6c.4.hgh"))},
         stage="run", mpi=True),
    Case("psp_pbe_with_xc_lda", SCF, 1,
         [IN + ": ", "pseudopotentials", "Si", "GTH_POTENTIALS", "made for PBE", "xc is LDA"],
         files={IN: mutate(("abinit:14si.4.hgh", "cp2k:GTH-PBE-q4"))},
         stage="run"),
    Case("psp_lda_with_xc_pbe", SCF, 1,
         [IN + ": ", "pseudopotentials", "Si", "14si.4.hgh", "made for LDA", "xc is PBE"],
         files={IN: mutate(("xc: lda", "xc: pbe"))}, stage="run"),
    # --- parameters checked against the system -----------------------------------------------
    Case("too_few_bands", SCF, 1,
         [IN + ": ", "bands", "2 bands cannot hold 8 electrons", "need >= 4"],
         files={IN: append("bands: 2\n")}, stage="run", mpi=True),
    Case("scf_not_converged", ["scf", IN], 2,
         [IN + ": ", "scf", "not converged", "in 2 iterations"],
         files={IN: append("scf: {max_iterations: 2}\n")}, stage="run",
         mpi=True),
    # --- where the output goes ---------------------------------------------------------------
    Case("output_dir_missing", ["scf", IN, "-o", "no_such_dir/sub/out"], 3,
         ["no_such_dir/sub/out.log", "cannot write", "No such file or directory"],
         files={IN: BASE}, not_created=("no_such_dir",)),
    # --- usage (exit 64); today these do not use the "furui: error: " form --------------------
    Case("usage_no_arguments", [], 64, ["usage: furui", "scf INPUT.yaml"],
         first="usage: furui", lines=None),
    Case("usage_scf_without_input", ["scf"], 64, ["no input file", "furui scf INPUT.yaml"]),
    Case("usage_unknown_command", ["frobnicate", IN], 64, ["unknown command 'frobnicate'"],
         files={IN: BASE}),
    Case("usage_unknown_option", ["scf", IN, "--bogus", "-o", "out"], 64,
         ["unknown option", "'--bogus'"], files={IN: BASE}, stage="input"),
    Case("usage_two_inputs", ["scf", IN, "other.yaml", "-o", "out"], 64,
         ["more than one input file"], files={IN: BASE}, stage="input"),
    Case("usage_o_without_argument", ["scf", IN, "-o"], 64, ["-o needs a prefix"],
         files={IN: BASE}),
    Case("usage_o_twice", ["scf", IN, "-o", "a", "-o", "b"], 64, ["-o given twice"],
         files={IN: BASE}),
    Case("usage_o_empty", ["scf", IN, "-o", ""], 64, ["a prefix needs a file name part"],
         files={IN: BASE}),
    Case("usage_o_directory", ["scf", IN, "-o", "sub/"], 64, ["a prefix needs a file name part"],
         files={IN: BASE}),
    # --- hostile run configs: empty, bytes, duplicates, NaN/Inf, huge and negative numbers ------
    Case("input_empty", SCF, 1, [IN], files={IN: ""}, stage="input"),
    Case("input_non_utf8", SCF, 1, [IN, "UTF-8"], files={IN: BASE.encode() + b"# \xff\xfe latin-1 \xe9\n"},
         stage="input"),
    Case("input_nul_byte", SCF, 1, [IN], files={IN: BASE.encode() + b"ecut2\x00: 1\n"}, stage="input"),
    Case("input_duplicate_key", SCF, 1, [IN, "ecut"], files={IN: append("ecut: 6 Ha\n")}, stage="input"),
    Case("ecut_nan", SCF, 1, [IN + ":18:", "ecut"], files={IN: mutate(("ecut: 5 Ha", "ecut: .nan Ha"))},
         stage="input"),
    Case("ecut_inf", SCF, 1, [IN + ":18:", "ecut"], files={IN: mutate(("ecut: 5 Ha", "ecut: .inf Ha"))},
         stage="input"),
    Case("ecut_huge", SCF, 1, [IN + ":18:", "ecut"], files={IN: mutate(("ecut: 5 Ha", "ecut: 1e300 Ha"))},
         stage="input"),
    Case("lattice_nan", SCF, 1, [IN + ":", "lattice"],
         files={IN: mutate(("[0.0, 5.1315, 5.1315]", "[0.0, .nan, 5.1315]"))}, stage="input"),
    Case("lattice_huge", SCF, 1, [IN + ":", "lattice"],
         files={IN: mutate(("[0.0, 5.1315, 5.1315]", "[0.0, 1e300, 5.1315]"))}, stage="input"),
    Case("bands_negative", SCF, 1, [IN + ":", "bands"], files={IN: append("bands: -3\n")}, stage="input"),
    Case("kgrid_zero", SCF, 1, [IN + ":19:", "kpoints.grid[0]", "got 0"],
         files={IN: mutate(("grid: [1, 1, 1]", "grid: [0, 1, 1]"))}, stage="input"),
    Case("kgrid_negative", SCF, 1, [IN + ":19:", "kpoints.grid[0]", "got -2"],
         files={IN: mutate(("grid: [1, 1, 1]", "grid: [-2, 1, 1]"))}, stage="input"),
    Case("smearing_width_negative", SCF, 1, [IN + ":", "width"],
         files={IN: append("smearing: {kind: fermi-dirac, width: -0.01 Ha}\n")}, stage="input"),
    Case("atoms_empty", SCF, 1, [IN + ":", "atoms"],
         files={IN: BASE[:BASE.index("    - [Si, 0.0")] + "    []\n" + BASE[BASE.index("pseudopotentials:"):]},
         stage="input"),
    Case("input_wrong_type_map_for_ecut", SCF, 1, [IN + ":18:", "ecut"],
         files={IN: mutate(("ecut: 5 Ha", "ecut: {value: 5}"))}, stage="input"),
    # --- pseudopotential files with damaged content (HGH via a path, CP2K via FILE:NAME) -----
    Case("hgh_truncated", SCF, 1, [IN, "si.hgh"],
         files={IN: mutate(("abinit:14si.4.hgh", "si.hgh")), "si.hgh": HGH[:HGH.index(" 0.422738")]},
         stage="run"),
    Case("hgh_nan_coefficient", SCF, 1, [IN, "si.hgh"],
         files={IN: mutate(("abinit:14si.4.hgh", "si.hgh")), "si.hgh": HGH.replace("-7.336103", "nan")},
         stage="run"),
    Case("hgh_huge_zion", SCF, 1, [IN, "si.hgh"],
         files={IN: mutate(("abinit:14si.4.hgh", "si.hgh")),
                "si.hgh": HGH.replace("   14   4  010605", "   14   4e300  010605")}, stage="run"),
    Case("hgh_empty_file", SCF, 1, [IN, "si.hgh"],
         files={IN: mutate(("abinit:14si.4.hgh", "si.hgh")), "si.hgh": ""}, stage="run"),
    Case("hgh_is_directory", SCF, 3, [IN, "si.hgh"],
         files={IN: mutate(("abinit:14si.4.hgh", "si.hgh")), "si.hgh": None}, stage="run"),
    Case("gth_negative_projector_count", SCF, 1, [IN, "gth.txt:5:", "nprj_ppnl(l=0)", "got '-2'"],
         files={IN: mutate(("abinit:14si.4.hgh", "cp2k:gth.txt:GTH-PADE-q4")),
                "gth.txt": GTH.replace("     0.42273813    2", "     0.42273813   -2")}, stage="run"),
    Case("gth_truncated_entry", SCF, 1, [IN, "gth.txt:7:", "unexpected end of file"],
         files={IN: mutate(("abinit:14si.4.hgh", "cp2k:gth.txt:GTH-PADE-q4")),
                "gth.txt": GTH[:GTH.index("     0.48427842")]}, stage="run"),
    Case("gth_inf_rloc", SCF, 1, [IN, "gth.txt:3:", "r_loc", "got 'inf'"],
         files={IN: mutate(("abinit:14si.4.hgh", "cp2k:gth.txt:GTH-PADE-q4")),
                "gth.txt": GTH.replace("0.44000000", "inf")}, stage="run"),
    Case("gth_entry_absent", SCF, 1, [IN, "gth.txt", "GTH-PADE-q9"],
         files={IN: mutate(("abinit:14si.4.hgh", "cp2k:gth.txt:GTH-PADE-q9")), "gth.txt": GTH},
         stage="run"),
    # --- hostile sweep specifications (furui screen --dry-run reads and expands them) ---------
    Case("sweep_empty", ["screen", "s.yaml", "--dry-run"], 1, ["s.yaml"], files={"s.yaml": ""}),
    Case("sweep_non_utf8", ["screen", "s.yaml", "--dry-run"], 1, ["s.yaml", "UTF-8"],
         files={"s.yaml": SWEEP.encode() + b"name: caf\xe9\n"}),
    Case("sweep_duplicate_key", ["screen", "s.yaml", "--dry-run"], 1, ["s.yaml", "ecut"],
         files={"s.yaml": SWEEP + "ecut: 6 Ha\n"}),
    Case("sweep_ecut_nan", ["screen", "s.yaml", "--dry-run"], 1, ["s.yaml:", "ecut"],
         files={"s.yaml": SWEEP.replace("ecut: 5 Ha", "ecut: .nan Ha")}),
    Case("sweep_kgrid_negative", ["screen", "s.yaml", "--dry-run"], 1, ["s.yaml:", "grid"],
         files={"s.yaml": SWEEP.replace("grid: [1, 1, 1]", "grid: [1, -1, 1]")}),
    Case("sweep_no_candidates", ["screen", "s.yaml", "--dry-run"], 1, ["s.yaml:", "candidates"],
         files={"s.yaml": SWEEP.replace("  - prototype: diamond\n    A: Si\n", "  []\n")}),
    Case("sweep_unknown_prototype", ["screen", "s.yaml", "--dry-run"], 1, ["s.yaml:", "prototype"],
         files={"s.yaml": SWEEP.replace("prototype: diamond", "prototype: diamnod")}),
    Case("sweep_unknown_element", ["screen", "s.yaml", "--dry-run"], 1, ["s.yaml:", "Xx"],
         files={"s.yaml": SWEEP.replace("A: Si", "A: Xx")}),
    Case("sweep_strain_zero", ["screen", "s.yaml", "--dry-run"], 1, ["s.yaml:", "strain"],
         files={"s.yaml": SWEEP + "strain: 0\n"}),
    Case("sweep_time_limit_negative", ["screen", "s.yaml", "--dry-run"], 1, ["s.yaml:", "candidate_time_limit"],
         files={"s.yaml": SWEEP + "candidate_time_limit: -5\n"}),
    Case("sweep_poscar_dir_missing", ["screen", "s.yaml", "--dry-run"], 1, ["s.yaml:", "no_such_dir"],
         files={"s.yaml": SWEEP.replace("  - prototype: diamond\n    A: Si\n", "  - poscar_dir: no_such_dir\n")}),
    Case("sweep_is_directory", ["screen", "s.yaml", "--dry-run"], 3, ["s.yaml", "Is a directory"],
         files={"s.yaml": None}),
    Case("sweep_only_unknown_id", ["screen", "s.yaml", "--dry-run"], 1,
         ["s.yaml:8:", "only[0]", "'0123456789abcdef' is not the ID of a candidate"],
         files={"s.yaml": SWEEP + "only: [0123456789abcdef]\n"}),
    Case("featurize_sweep_bad", ["featurize", "s.yaml", "-o", "fdir"], 1, ["s.yaml:6:", "ecut"],
         files={"s.yaml": SWEEP.replace("ecut: 5 Ha", "ecut: -5 Ha")}, not_created=("fdir",)),
    Case("sweep_truncated", ["screen", "s.yaml", "--dry-run"], 1, ["s.yaml"],
         files={"s.yaml": SWEEP[:SWEEP.index("kpoints") + 14]}),
    # --- protocols and k-spacings (issue 20): one line before any file is made --------------
    Case("protocol_unknown", SCF, 1, [IN + ":20:", "protocol: unknown protocol 'precise'",
                                      "fast, balanced, stringent"],
         files={IN: append("protocol: precise\n")}, stage="input", mpi=True),
    Case("kspacing_zero", SCF, 1, [IN + ":19:", "kpoints.spacing: must be > 0"],
         files={IN: mutate(("grid: [1, 1, 1]", "spacing: 0 1/angstrom"))}, stage="input"),
    Case("kspacing_negative", SCF, 1, [IN + ":19:", "kpoints.spacing: must be > 0", "got -0.105835 1/bohr"],
         files={IN: mutate(("grid: [1, 1, 1]", "spacing: -0.2 1/angstrom"))}, stage="input"),
    Case("ecut_below_low_hint", SCF, 1, [IN + ":18:", "ecut: 5 Ha is below the low cutoff hint 14 Ha",
                                         "of Si", "allow_unconverged: true"],
         files={IN: mutate(("abinit:14si.4.hgh", "\"table:tab\"")), "tab/Si.psp8": PSP8_SI,
                "tab/standard.djson": DJSON_SI}, stage="input"),
    Case("protocol_no_hint", SCF, 1, [IN + ":19:", "protocol: no low cutoff hint for Si",
                                      "give ecut explicitly"],
         files={IN: mutate(("ecut: 5 Ha\n", "")) + "protocol: fast\n"}, stage="input", mpi=True),
    Case("sweep_protocol_unknown", ["screen", "s.yaml", "-o", "out"], 1,
         ["s.yaml:8:", "protocol: unknown protocol 'Balanced'", "fast, balanced, stringent"],
         files={"s.yaml": SWEEP + "protocol: Balanced\n"}, not_created=("out.h5", "out.journal")),
    Case("sweep_kspacing_zero", ["screen", "s.yaml", "-o", "out"], 1,
         ["s.yaml:7:", "kpoints.spacing[0]: must be > 0"],
         files={"s.yaml": SWEEP.replace("grid: [1, 1, 1]", "spacing: [0 1/angstrom]")},
         not_created=("out.h5", "out.journal")),
    Case("sweep_protocol_no_hint", ["screen", "s.yaml", "-o", "out"], 1,
         ["s.yaml:7:", "protocol: no normal cutoff hint for Si", "give ecut explicitly"],
         files={"s.yaml": SWEEP.replace("ecut: 5 Ha\n", "") + "protocol: balanced\n"},
         not_created=("out.h5", "out.journal")),
    # --- named pipes (FIFOs) where a file is read: open(2) blocked forever; only regular files
    Case("input_is_fifo", SCF, 3, [IN, "not a regular file"], files={IN: FIFO}, stage="input",
         timeout=20),
    Case("poscar_is_fifo", SCF, 3, [IN + ":4:", "structure.poscar", "pipe", "not a regular file"],
         files={IN: with_poscar("pipe"), "pipe": FIFO}, stage="input", timeout=20),
    Case("sweep_is_fifo", ["screen", "s.yaml", "--dry-run"], 3, ["s.yaml", "not a regular file"],
         files={"s.yaml": FIFO}, timeout=20),
    Case("status_of_fifo", ["status", "r.h5"], 3, ["r.h5", "not a regular file"],
         files={"r.h5": FIFO}, timeout=20),
    Case("merge_of_fifo", ["merge", "m.h5", "r.h5"], 3, ["r.h5", "not a regular file"],
         files={"r.h5": FIFO}, not_created=("m.h5",), timeout=20),
    Case("sweep_structure_poscar_fifo", ["screen", "s.yaml", "--dry-run"], 1,
         ["s.yaml:3:", "poscar", "pipe", "not a regular file"],
         files={"s.yaml": SWEEP.replace("  - prototype: diamond\n    A: Si\n",
                                        "  - structure: {poscar: pipe}\n"), "pipe": FIFO}, timeout=20),
    # --- huge cells: the FFT grid search never ended (1e6 bohr) or took 60-85 s (3000 bohr)
    Case("cell_3000_bohr", SCF, 1, [IN + ": ", "cell too large", "along a1", "limit of 1024"],
         files={IN: cubic(3000)}, stage="run", timeout=20),
    Case("cell_1e6_bohr", SCF, 1, [IN + ": ", "cell too large", "along a1", "limit of 1024"],
         files={IN: cubic(1e6)}, stage="run", timeout=20),
    # --- memory: ecut 1000 Ha on a 4-atom cell (150^3 grid, 1.6e6 plane waves, ~19 GB) was
    # refused only by a failed allocation; now at once, with the estimate, before any file
    Case("ecut_1000_memory", SCF, 1, [IN + ": ecut: the SCF would need about", "GB per rank",
                                      "wave functions", "more than the 4.29 GB allowed (FURUI_MEM_PER_RANK)"],
         files={IN: FOUR_ATOMS_1000_HA}, stage="input", timeout=20, env={"FURUI_MEM_PER_RANK": "4G"},
         mpi=True),
    Case("ecut_1000_mem_per_rank", ["scf", IN, "--mem-per-rank", "2GiB"], 1,
         [IN + ": ecut: the SCF would need about", "more than the 2.15 GB allowed (--mem-per-rank)"],
         files={IN: FOUR_ATOMS_1000_HA}, stage="input", timeout=20),
    Case("mem_per_rank_env_bad", SCF, 1, ["FURUI_MEM_PER_RANK", "'lots'"],
         files={IN: BASE}, stage="input", env={"FURUI_MEM_PER_RANK": "lots"}),
    Case("mem_per_rank_option_bad", ["scf", IN, "--mem-per-rank", "0"], 64, ["--mem-per-rank", "size"],
         files={IN: BASE}),
    # --- layout (issue 24): band ranks that cannot divide the work, at pre-flight
    Case("npband_not_dividing", ["scf", IN, "--npband", "3"], 1,
         [IN + ": layout: 3 band ranks do not divide the"], files={IN: BASE}, stage="input", mpi=True),
    Case("npband_too_many", ["scf", IN, "--npband", "1000"], 1,
         [IN + ": layout: 1000 band ranks"], files={IN: BASE}, stage="input"),
    Case("npfft_not_dividing", ["scf", IN, "--npfft", "3"], 1,
         [IN + ": layout: 3 FFT ranks do not divide the"], files={IN: BASE}, stage="input", mpi=True),
    Case("npfft_option_bad", ["scf", IN, "--npfft", "0"], 64, ["--npfft", "FFT ranks"],
         files={IN: BASE}),
    # the screening farm: a layout or a memory limit no candidate can run with, before any file
    # (more band ranks than a candidate's bands: tests/screen/groups_test.py, on 4 ranks)
    Case("sweep_npband_more_than_workers", ["screen", "s.yaml", "-o", "out", "--npband", "2"], 1,
         ["screen: --npband 2: more band ranks than the 1 worker rank(s) of this job"],
         files={"s.yaml": SWEEP}, mpi=True, not_created=("out.h5", "out.journal", "out.log")),
    Case("sweep_mem_per_rank_below_need", ["screen", "s.yaml", "-o", "out", "--mem-per-rank", "1M"], 1,
         ["s.yaml: 1.05 MB per rank (--mem-per-rank) is below what any candidate needs",
          "smallest layout of up to 1 rank(s)", "nothing would run"],
         files={"s.yaml": SWEEP}, mpi=True, not_created=("out.h5", "out.journal", "out.log")),
    Case("sweep_group_size_bad", ["screen", "s.yaml", "-o", "out", "--group-size", "0"], 64,
         ["--group-size", "auto"], files={"s.yaml": SWEEP}, not_created=("out.h5", "out.journal")),
    Case("sweep_npband_option_bad", ["screen", "s.yaml", "-o", "out", "--npband", "-1"], 64,
         ["--npband", "band ranks"], files={"s.yaml": SWEEP}, not_created=("out.h5", "out.journal")),
    Case("npband_option_bad", ["scf", IN, "--npband", "0"], 64, ["--npband", "band ranks"],
         files={IN: BASE}),
    Case("scalapack_min_option_bad", ["scf", IN, "--scalapack-min", "0"], 64,
         ["--scalapack-min", "matrix order"], files={IN: BASE}),
    # --- POSCAR limits: size, line length, coordinates (memory cases under prlimit, 1 GiB)
    Case("poscar_dev_zero", SCF, 3, [IN + ":4:", "structure.poscar", "/dev/zero", "not a regular file"],
         files={IN: with_poscar("/dev/zero")}, stage="input", timeout=20, mem_limit=1 << 30),
    Case("poscar_3gib_of_zeros", SCF, 1, [IN + ":4:", "structure.poscar", "zeros", "larger than any POSCAR"],
         files={IN: with_poscar("zeros"), "zeros": SPARSE_3G}, stage="input", timeout=20,
         mem_limit=1 << 30),
    Case("poscar_300000_trailing_numbers", SCF, 1,
         [IN + ":4:", "structure.poscar", "long.vasp:10:", "line longer than 4096 characters"],
         files={IN: with_poscar("long.vasp"),
                "long.vasp": POSCAR_SI.replace(" 0.25 0.25 0.25", " 0.25 0.25 0.25" + " 1.0" * 300000)},
         stage="input", mem_limit=1 << 30),
    Case("poscar_position_1e300", SCF, 1,
         [IN + ":4:", "structure.poscar", "far.vasp:10:", "position of atom 2",
          "fractional coordinate 1e+300 out of range"],
         files={IN: with_poscar("far.vasp"), "far.vasp": POSCAR_SI.replace(" 0.25 0.25 0.25", " 1e300 0.25 0.25")},
         stage="input"),
    Case("fractional_1e300", SCF, 1, [IN + ":14:", "structure.atoms[1][1]", "fractional coordinate 1e+300 out of range"],
         files={IN: mutate(("[Si, 0.25, 0.25, 0.25]", "[Si, 1e300, 0.25, 0.25]"))}, stage="input"),
    # --- PREFIX.h5 a directory: once exit 3 with this run's PREFIX.json beside the old PREFIX.log
    Case("h5_is_directory", SCF, 3, ["out.h5", "is a directory"],
         files={IN: BASE, "out.h5": None, "out.json": '{"earlier": true}\n', "out.log": "# earlier run\n"}),
    # --- stopped by a signal during the SCF: PREFIX.log.tmp.PID was left behind
    Case("scf_stopped_by_sigterm", SCF, -signal.SIGTERM, [IN, "stopped by SIGTERM", "out.failed.log"],
         files={IN: SLOW}, stage="run", stop=signal.SIGTERM),
    Case("scf_stopped_by_sigint", SCF, -signal.SIGINT, [IN, "stopped by SIGINT"],
         files={IN: SLOW}, stage="run", stop=signal.SIGINT),
    Case("scf_stopped_by_sighup", SCF, -signal.SIGHUP, [IN, "stopped by SIGHUP"],
         files={IN: SLOW}, stage="run", stop=signal.SIGHUP),
    # --- hostile rank expressions: deep nesting once overflowed the parser's stack (exit 139)
    Case("rank_where_2000_parens", ["rank", "r.h5", "--where", "(" * 2000 + "band_gap_ev > 1" + ")" * 2000,
                                    "-o", "d"], 1,
         ["--where", "column 201", "nested too deeply"], not_created=("d",)),
    Case("rank_where_20000_not", ["rank", "r.h5", "--where", "not " * 20000 + "band_gap_ev > 1", "-o", "d"],
         1, ["--where", "nested too deeply"], not_created=("d",)),
    Case("rank_where_120000_minus", ["rank", "r.h5", "--where", "band_gap_ev > " + "-" * 120000 + "1",
                                     "-o", "d"], 1, ["--where", "nested too deeply"], not_created=("d",)),
    Case("rank_where_chain_too_long", ["rank", "r.h5", "--where", "band_gap_ev > 0" + "+0" * 10001,
                                       "-o", "d"], 1, ["--where", "too long"], not_created=("d",)),
]
BY_NAME = {c.name: c for c in CASES}


def fail(case, msg, res=None, cwd=None):
    print(f"FAIL {case.name}: {msg}")
    if res is not None:
        print(f"  command: {' '.join(res['cmd'])}")
        print(f"  exit status: {res['code']}")
        print("  stderr:\n    " + "\n    ".join(res["stderr"].splitlines()))
        if res["stdout"].strip():
            print("  stdout (head):\n    " + "\n    ".join(res["stdout"].splitlines()[:20]))
    if cwd is not None:
        print(f"  files in {cwd}: {sorted(list_files(cwd))}")
    sys.exit(1)


def list_files(root):
    out = set()
    for dirpath, dirnames, filenames in os.walk(root):
        for n in filenames + dirnames:
            out.add(os.path.relpath(os.path.join(dirpath, n), root))
    return out


def setup(case, d):
    if os.path.exists(d):
        shutil.rmtree(d)
    os.makedirs(d)
    for rel, text in case.files.items():
        p = os.path.join(d, rel)
        if text is None:
            os.makedirs(p, exist_ok=True)
        elif text is FIFO:
            os.makedirs(os.path.dirname(p), exist_ok=True)
            os.mkfifo(p)
        elif text is SPARSE_3G:
            with open(p, "wb") as f:
                f.truncate(3 << 30)
        else:
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(text if isinstance(text, bytes) else text.encode("utf-8"))


def run(case, args, d, argv=None):
    env = dict(os.environ)
    # FFTW wisdom cache: next to, not in, the directory whose files are checked
    env["FURUI_FFTW_WISDOM"] = os.path.join(os.path.dirname(d), "fftw.wisdom")
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", LC_ALL="C",
               OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    env.setdefault("ASAN_OPTIONS", "detect_leaks=0")  # Open MPI's allocations (as in .ci/run)
    if argv is None:  # the case's own run, not the earlier successful one
        env.update(case.env)
    if args.ranks == 1:
        # A singleton needs no transport; probing UCX and friends costs 0.4 s a run.
        for k, v in (("OMPI_MCA_ess_singleton_isolated", "1"), ("OMPI_MCA_pml", "ob1"),
                     ("OMPI_MCA_btl", "self")):
            env.setdefault(k, v)
    # Open MPI's session directory per run: singletons started at once by parallel tests race
    # on the shared /tmp/ompi.HOST.UID tree (one removes it while another creates jf.0/1)
    session = tempfile.mkdtemp(prefix="fu-ompi-", dir="/tmp")
    env["OMPI_MCA_orte_tmpdir_base"] = session
    cmd = [args.furui] + (case.argv if argv is None else argv)
    if args.ranks > 1:
        cmd = [args.mpiexec, "-n", str(args.ranks), "--oversubscribe", "--allow-run-as-root"] + cmd
    if case.mem_limit:
        cmd = ["prlimit", f"--as={case.mem_limit}", "--"] + cmd
    p = subprocess.Popen(cmd, cwd=d, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True)
    if case.stop and argv is None:
        t0 = time.time()
        while not glob.glob(os.path.join(d, case.prefix + ".log.tmp.*")) and p.poll() is None \
                and time.time() - t0 < case.timeout:
            time.sleep(0.02)
        time.sleep(0.3)  # into the SCF
        if p.poll() is None:
            p.send_signal(case.stop)
    try:
        out, err = p.communicate(timeout=case.timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        res = dict(cmd=cmd, code=None, stdout=out.decode("utf-8", "replace"),
                   stderr=err.decode("utf-8", "replace"))
        fail(case, f"(d) hang: no exit within {case.timeout} s (killed)", res, d)
    shutil.rmtree(session, ignore_errors=True)
    return dict(cmd=cmd, code=p.returncode, stdout=out.decode("utf-8", "replace"),
                stderr=err.decode("utf-8", "replace"), raw_stderr=err)


def check_run(case, args, res, d):
    # (d) no crash
    if res["code"] < 0 and res["code"] != case.code:
        fail(case, f"(d) killed by signal {-res['code']}", res, d)
    for m in CRASH_MARKERS:
        if m in res["stderr"] or m in res["stdout"]:
            fail(case, f"(d) crash report in the output ('{m}')", res, d)
    # (a) exit status
    if res["code"] != case.code:
        fail(case, f"(a) exit status {res['code']}, expected {case.code}", res, d)
    # (b) stderr
    err = res["stderr"]
    if args.ranks > 1:
        mine = [l for l in err.splitlines() if l.startswith("furui")]
        if len(mine) != 1 or not mine[0].startswith(case.first):
            fail(case, f"(b) expected exactly one stderr line starting with '{case.first}' "
                 f"(one message, not one per rank), got {len(mine)} furui lines", res, d)
        text = mine[0]
    else:
        lines = err.splitlines()
        if not err.endswith("\n"):
            fail(case, "(b) stderr does not end with a newline", res, d)
        if case.lines is not None and len(lines) != case.lines:
            fail(case, f"(b) stderr has {len(lines)} lines, expected {case.lines}", res, d)
        if not lines or not lines[0].startswith(case.first):
            fail(case, f"(b) stderr does not start with '{case.first}'", res, d)
        if any(ord(ch) < 32 and ch not in "\n" for ch in err):
            fail(case, "(b) control character in stderr", res, d)
        text = err
    for s in case.contains:
        if s not in text:
            fail(case, f"(b) stderr lacks '{s}'", res, d)


def check_files(case, res, d, earlier):
    """(c): no result files, no temporaries; the earlier run's files as the policy says."""
    have = list_files(d)
    allowed = set(case.files) | {os.path.dirname(p) for p in case.files if os.path.dirname(p)}
    if case.stage == "run":
        allowed.add(case.prefix + ".failed.log")
    if earlier is not None:
        allowed |= set(earlier)
    extra = have - allowed
    if extra:
        fail(case, f"(c) unexpected files after a failed run: {sorted(extra)}", res, d)
    for p in case.not_created:
        if os.path.lexists(os.path.join(d, p)):
            fail(case, f"(c) {p} was created", res, d)
    for rel, text in case.files.items():  # inputs (and files given as an earlier run's) untouched
        if isinstance(text, (str, bytes)) and text not in (FIFO, SPARSE_3G):
            with open(os.path.join(d, rel), "rb") as f:
                if f.read() != (text if isinstance(text, bytes) else text.encode("utf-8")):
                    fail(case, f"(c) {rel} was modified", res, d)
    if case.stage == "run":
        log = os.path.join(d, case.prefix + ".failed.log")
        if not os.path.isfile(log):
            fail(case, f"(c) {case.prefix}.failed.log was not written", res, d)
        with open(log, "rb") as f:
            body = f.read()
        if b"# ERROR: " not in body:
            fail(case, f"(c) {case.prefix}.failed.log does not record the error", res, d)
    if earlier is None:
        return
    for name, content in earlier.items():
        p = os.path.join(d, name)
        if name.endswith(".log"):
            with open(p, "rb") as f:
                if f.read() != content:
                    fail(case, f"(c) the earlier {name} was modified", res, d)
            continue
        if EARLIER_RESULTS_AFTER_FAILURE == "removed":
            if os.path.lexists(p):
                fail(case, f"(c) the earlier run's {name} survives a failed run", res, d)
            continue
        # kept: untouched (not half-rewritten), and still recording the earlier input
        if not os.path.isfile(p):
            fail(case, f"(c) the earlier run's {name} disappeared (policy: "
                 f"EARLIER_RESULTS_AFTER_FAILURE = '{EARLIER_RESULTS_AFTER_FAILURE}')", res, d)
        with open(p, "rb") as f:
            if f.read() != content:
                fail(case, f"(c) the earlier run's {name} was modified by a failed run", res, d)
        if name.endswith(".json"):
            with open(p, encoding="utf-8") as f:
                js = json.load(f)
            if js.get("input") != BASE or js.get("input_path") != EARLIER_INPUT:
                fail(case, f"(c) {name} does not record the earlier run's input", res, d)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("case", nargs="?")
    ap.add_argument("--furui")
    ap.add_argument("--workdir")
    ap.add_argument("--ranks", type=int, default=1)
    ap.add_argument("--mpiexec", default="mpiexec")
    ap.add_argument("--list", action="store_true", help="print all case names")
    ap.add_argument("--list-mpi", action="store_true", help="print the cases also run under MPI")
    ap.add_argument("--all", action="store_true", help="run every case (outside CTest)")
    args = ap.parse_args()
    if args.list or args.list_mpi:
        print(";".join(c.name for c in CASES if args.list or c.mpi))
        return
    if not args.furui or not args.workdir or not (args.case or args.all):
        ap.error("--furui, --workdir and a CASE (or --all) are required")
    args.furui = os.path.abspath(args.furui)
    names = [c.name for c in CASES] if args.all else [args.case]
    for name in names:
        if name not in BY_NAME:
            ap.error(f"unknown case '{name}'; known: {', '.join(BY_NAME)}")
        run_case(BY_NAME[name], args)


def run_case(case, args):
    tag = case.name if args.ranks == 1 else f"{case.name}.np{args.ranks}"
    d = os.path.abspath(os.path.join(args.workdir, tag))
    # 1. fresh directory
    fresh = os.path.join(d, "fresh")
    setup(case, fresh)
    res = run(case, args, fresh)
    check_run(case, args, res, fresh)
    check_files(case, res, fresh, None)
    # 2. the same where an earlier run of si_small.yaml with this PREFIX succeeded
    if case.stage is not None and case.prefix and args.ranks == 1:
        old = os.path.join(d, "earlier")
        setup(case, old)
        with open(os.path.join(old, EARLIER_INPUT), "wb") as f:
            f.write(BASE.encode("utf-8"))
        r0 = run(case, args, old, ["scf", EARLIER_INPUT, "-o", case.prefix])
        if r0["code"] != 0:
            fail(case, "the earlier (successful) run failed", r0, old)
        os.remove(os.path.join(old, EARLIER_INPUT))
        earlier = {}
        for ext in (".log", ".json", ".h5"):
            with open(os.path.join(old, case.prefix + ext), "rb") as f:
                earlier[case.prefix + ext] = f.read()
        res2 = run(case, args, old)
        check_run(case, args, res2, old)
        check_files(case, res2, old, earlier)
    print(f"ok {tag}: exit {res['code']}: {res['stderr'].splitlines()[0] if res['stderr'] else ''}")


if __name__ == "__main__":
    main()

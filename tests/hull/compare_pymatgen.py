#!/usr/bin/python3
"""Cross-check furui's convex hull (src/props/hull.c, via hull_driver) against
pymatgen's PhaseDiagram on the same energies.

usage: compare_pymatgen.py HULL_DRIVER DATA_DIR WORK_DIR

Datasets: every DATA_DIR/*.csv (hand-made; "id,formula,energy_ha") plus
seeded random quaternary Li-Fe-P-O datasets of 30-60 entries written to
WORK_DIR. Energies go to pymatgen in eV (Ha * 27.211386245988, furui's
FU_HA_EV) as PDEntry(composition, total energy of that composition, name=id):
pymatgen normalises per atom, as furui does. Checked per entry, in eV/atom:
formation energy and energy above hull to 1e-9, the stable flag (pymatgen's
stable_entries), and the decomposition (pymatgen's get_decomp_and_e_above_hull,
amounts = atomic fractions) equal as sets of IDs with fractions to 1e-9.
A dataset without a pure-element entry for some element must make both fail:
furui with a one-line message naming the element and the entry.
Exit 0 pass, 1 fail, 77 pymatgen missing.
"""
import csv
import glob
import os
import random
import subprocess
import sys

try:
    from pymatgen.analysis.phase_diagram import PDEntry, PhaseDiagram
    from pymatgen.core import Composition
except ImportError as exc:  # pragma: no cover
    print(f"SKIP: pymatgen not available ({exc})")
    sys.exit(77)

HA_EV = 27.211386245988
TOL = 1e-9  # eV/atom (issue 21: the same energies, the same hull to 1e-9)

failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL", msg)


def read_csv(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            ident, formula, energy = line.split(",")
            rows.append((ident, formula, float(energy)))
    return rows


def run_driver(driver, path):
    p = subprocess.run([driver, path], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def parse_driver(out):
    res = {}
    for row in csv.reader(out.splitlines()):
        ident, ef, eah, stable, decomp = row
        d = {}
        for part in decomp.split(";"):
            k, v = part.rsplit(":", 1)
            d[k] = float(v)
        res[ident] = (float(ef), float(eah), int(stable), d)
    return res


def pymatgen_results(rows):
    entries = [PDEntry(Composition(f), e * HA_EV, name=i) for i, f, e in rows]
    pd = PhaseDiagram(entries)
    stable_ids = {id(e) for e in pd.stable_entries}
    res = {}
    for e in entries:
        decomp, eah = pd.get_decomp_and_e_above_hull(e, allow_negative=True)
        d = {}
        for de, amt in decomp.items():
            d[de.name] = d.get(de.name, 0.0) + amt
        res[e.name] = (pd.get_form_energy_per_atom(e), eah, int(id(e) in stable_ids), d)
    return res


def compare(name, rows, driver, path):
    rc, out, err = run_driver(driver, path)
    if rc != 0:
        fail(f"{name}: hull_driver exit {rc}: {err.strip()}")
        return
    ours = parse_driver(out)
    ref = pymatgen_results(rows)
    worst_ef = worst_eah = worst_frac = 0.0
    for ident, (ef, eah, st, d) in ref.items():
        if ident not in ours:
            fail(f"{name}: {ident} missing from furui output")
            continue
        oef, oeah, ost, od = ours[ident]
        worst_ef = max(worst_ef, abs(oef - ef))
        worst_eah = max(worst_eah, abs(oeah - eah))
        if abs(oef - ef) > TOL:
            fail(f"{name}: {ident}: formation energy {oef!r} vs pymatgen {ef!r} eV/atom")
        if abs(oeah - eah) > TOL:
            fail(f"{name}: {ident}: e_above_hull {oeah!r} vs pymatgen {eah!r} eV/atom")
        if oeah < 0:
            fail(f"{name}: {ident}: negative e_above_hull {oeah!r}")
        if ost != st:
            fail(f"{name}: {ident}: stable {ost} vs pymatgen {st}")
        a = {k: v for k, v in od.items() if abs(v) > TOL}
        b = {k: v for k, v in d.items() if abs(v) > TOL}
        if set(a) != set(b):
            fail(f"{name}: {ident}: decomposition {sorted(a)} vs pymatgen {sorted(b)}")
            continue
        for k in a:
            worst_frac = max(worst_frac, abs(a[k] - b[k]))
            if abs(a[k] - b[k]) > TOL:
                fail(f"{name}: {ident}: fraction of {k} {a[k]!r} vs pymatgen {b[k]!r}")
    nst = sum(v[2] for v in ref.values())
    print(f"{name}: {len(rows)} entries, {nst} stable; max |diff| e_form {worst_ef:.2e}, "
          f"e_above_hull {worst_eah:.2e} eV/atom, fractions {worst_frac:.2e}")


def random_dataset(seed, n):
    """Seeded quaternary Li-Fe-P-O: elemental polymorphs, scaled duplicates,
    formation energies mostly negative (-1.5..+0.3 eV/atom) so that the hull
    has many facets in all sub-systems."""
    rng = random.Random(seed)
    els = ["Li", "Fe", "P", "O"]
    mu = {el: rng.uniform(-8.0, -2.0) for el in els}  # eV/atom
    rows = []
    for el in els:
        for k in range(rng.randint(1, 2)):
            nat = rng.randint(1, 4)
            e = (mu[el] + (0 if k == 0 else rng.uniform(0.0, 0.2))) * nat
            rows.append((f"{el}_{k}", f"{el}{nat}", e / HA_EV))
    while len(rows) < n:
        sub = rng.sample(els, rng.randint(2, 4))
        counts = {el: rng.randint(1, 6) for el in sub}
        nat = sum(counts.values())
        ef = rng.uniform(-1.5, 0.3)
        e = sum(counts[el] * mu[el] for el in sub) + ef * nat
        formula = "".join(f"{el}{c}" for el, c in counts.items())
        rows.append((f"r{len(rows)}", formula, e / HA_EV))
        if rng.random() < 0.1:  # a scaled copy (same composition, other energy)
            m = rng.randint(2, 3)
            formula2 = "".join(f"{el}{c * m}" for el, c in counts.items())
            e2 = (e + rng.uniform(-0.1, 0.1) * nat) * m
            rows.append((f"r{len(rows)}", formula2, e2 / HA_EV))
    return rows


def write_csv(path, rows):
    with open(path, "w") as f:
        for ident, formula, e in rows:
            f.write(f"{ident},{formula},{e!r}\n")


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 64
    driver, data_dir, work = sys.argv[1:]
    os.makedirs(work, exist_ok=True)
    for path in sorted(glob.glob(os.path.join(data_dir, "*.csv"))):
        name = os.path.basename(path)
        rows = read_csv(path)
        if name.startswith("missing_ref"):
            rc, out, err = run_driver(driver, path)
            if rc != 1 or "no elemental reference for O" not in err or "li2o" not in err \
                    or len(err.strip().splitlines()) != 1:
                fail(f"{name}: expected one-line error naming O and li2o, got exit {rc}: {err!r}")
            try:
                pymatgen_results(rows)
                fail(f"{name}: pymatgen accepted a missing reference")
            except ValueError:
                pass
            print(f"{name}: error as expected: {err.strip()}")
            continue
        compare(name, rows, driver, path)
    for seed in range(1, 9):
        n = 30 + (seed * 7) % 31
        rows = random_dataset(seed, n)
        path = os.path.join(work, f"random_{seed}.csv")
        write_csv(path, rows)
        compare(f"random seed {seed}", rows, driver, path)
    print("OK" if failures == 0 else f"{failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

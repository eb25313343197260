#!/usr/bin/env python3
"""Reads furui results files with h5py, a reader independent of furui's C
code, and checks the documented layout (src/results/README.md): schema
attributes, one row per candidate with unique ascending ids, every
per-candidate column of the same length, ragged arrays consistent with their
offsets, units on every floating-point quantity, the state enumeration, the
failures table and the provenance.

usage: check_results_h5py.py FILE:NCAND:NFAIL ...   (exit 77 if h5py is absent)
"""
import sys

try:
    import h5py
    import numpy as np
except ImportError:
    print("h5py or numpy not installed: skipped")
    sys.exit(77)

FLAGS = {"final", "attempts", "group", "have_result"}  # integer columns without units


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def check(path, ncand, nfail, fails):
    def expect(cond, what):
        if not cond:
            fails.append(f"{path}: {what}")

    with h5py.File(path, "r") as f:
        expect(text(f.attrs["schema"]) == "furui.results", "schema attribute")
        expect(int(f.attrs["schema_version"]) == 2, "schema_version attribute")
        c = f["candidates"]
        ids = [text(x) for x in c["id"][()]]
        n = len(ids)
        expect(n == ncand, f"{n} candidates, expected {ncand}")
        expect(int(f.attrs["n_candidates"]) == n, "n_candidates attribute")
        expect(all(len(i) == 16 and int(i, 16) >= 0 for i in ids), "ids are 16 hex digits")
        expect(ids == sorted(set(ids)), "ids unique and ascending")

        offsets = {"atom_offset": None, "k_offset": None, "band_offset": None, "species_offset": None,
                   "recovery_offset": None, "eos_offset": None}
        for name in offsets:
            o = c[name][()]
            expect(o.shape == (n + 1,) and o[0] == 0 and np.all(np.diff(o) >= 0), f"{name} cumulative")
            offsets[name] = o
        ragged = {"atomic_numbers": "atom_offset", "xred": "atom_offset", "forces": "atom_offset",
                  "kpoints_red": "k_offset", "kweights": "k_offset", "eigenvalues": "band_offset",
                  "occupations": "band_offset", "species": "species_offset",
                  "pseudopotential": "species_offset", "pseudopotential_sha256": "species_offset",
                  "pseudopotential_path": "species_offset", "pseudopotential_format": "species_offset",
                  "pseudopotential_valence": "species_offset",
                  "pseudopotential_cutoff_hints": "species_offset",
                  "recovery_rung": "recovery_offset", "recovery_outcome": "recovery_offset",
                  "recovery_iterations": "recovery_offset", "recovery_seconds": "recovery_offset",
                  "recovery_message": "recovery_offset", "eos_volume": "eos_offset",
                  "eos_energy": "eos_offset"}
        nunits = 0

        def visit(name, obj):
            nonlocal nunits
            if not isinstance(obj, h5py.Dataset):
                return
            base = name.split("/")[-1]
            if name in ragged:
                expect(obj.shape[0] == offsets[ragged[name]][-1], f"{name} length matches its offsets")
            elif name in offsets:
                pass
            else:
                expect(obj.shape[0] == n, f"{name} has one row per candidate")
            if obj.dtype.kind == "f":
                expect("units" in obj.attrs, f"{name} has a units attribute")
                nunits += "units" in obj.attrs
            elif obj.dtype.kind == "i" and base not in FLAGS and "units" in obj.attrs:
                fails.append(f"{path}: integer column {name} should not claim units")

        c.visititems(visit)
        expect(text(c["energy/total"].attrs["units"]) == "Ha", "energy/total in Ha")
        expect(text(c["forces"].attrs["units"]) == "Ha/bohr", "forces in Ha/bohr")

        states = h5py.check_enum_dtype(c["state"].dtype)
        expect(states == {"queued": 1, "started": 2, "done": 3, "failed": 4, "invalid": 5},
               f"state enumeration {states}")
        st = c["state"][()]
        done = st == 3
        et = c["energy/total"][()]
        expect(np.all(np.isfinite(et[done])), "done rows have finite energies")
        expect(np.all(np.isnan(et[~c["have_result"][()].astype(bool)])), "rows without a result hold NaN")
        nk, nb = c["nk"][()], c["nband"][()]
        ns = np.where(c["have_result"][()].astype(bool), c["nspin"][()], 1)
        expect(set(np.unique(ns)) <= {1, 2}, "nspin is 1 or 2")
        expect(np.array_equal(np.diff(offsets["band_offset"]), ns * nk * nb), "band_offset steps = nspin*nk*nband")
        expect(np.array_equal(np.diff(offsets["eos_offset"]), np.maximum(c["eos_npoints"][()], 0)),
               "eos_offset steps = eos_npoints")
        eig = c["eigenvalues"][()]
        if n:
            i = int(np.argmax(ns * nk * nb))  # the largest block: eigenvalues[(s*nk + k)*nband + b]
            block = eig[offsets["band_offset"][i]:offsets["band_offset"][i + 1]].reshape(ns[i], nk[i], nb[i])
            expect(block.shape == (ns[i], nk[i], nb[i]), "eigenvalue block reshapes to (nspin, nk, nband)")

        fl = f["failures"]
        fids = [text(x) for x in fl["id"][()]]
        expect(len(fids) == nfail, f"{len(fids)} failures, expected {nfail}")
        bad = {ids[k] for k in range(n) if st[k] in (4, 5)}
        expect(set(fids) == bad, "failures table = candidates in state failed or invalid")
        expect(all(text(m) for m in fl["message"][()]) or not fids, "failures carry messages")

        p = f["provenance"]
        expect(len(text(p["sweep"][()])) > 0, "verbatim sweep stored")
        expect(text(p["hdf5_version"][()]).startswith("1."), "HDF5 version recorded")
        expect(p["runs/time"].shape[0] >= 1, "at least one session recorded")
        expect(p["sources/path"].shape[0] >= 1, "sources recorded")
        print(f"{path}: {n} candidates ({int(done.sum())} done, {len(fids)} in failures), "
              f"{nunits} float datasets all with units, {p['runs/time'].shape[0]} sessions: ok")


def main():
    fails = []
    for arg in sys.argv[1:]:
        path, ncand, nfail = arg.rsplit(":", 2)
        try:
            check(path, int(ncand), int(nfail), fails)
        except (OSError, KeyError) as e:
            fails.append(f"{path}: {e}")
    for m in fails:
        print("FAIL", m)
    print(f"{0 if fails else len(sys.argv) - 1} passed, {len(fails)} failed")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())

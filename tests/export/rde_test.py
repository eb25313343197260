#!/usr/bin/python3
"""RDE packages, `furui validate` and the MDR draft of `furui export --rde`
(src/export/README.md, src/export/rde.h).

    rde_test.py --furui BIN --workdir DIR

Screens tests/screen/tiny.yaml (the export round-trip test's input: 3
candidates exported, 3 skipped; ~2 s on one rank), exports with --rde and
proves, with tools independent of furui:
  - the zip (the only copy of a package) opens with zipfile (CRC check),
    its SHA256SUMS lists every other entry, every JSON file loads with json;
  - sha256sum -c passes on the export's and each package's SHA256SUMS;
  - invoice.json validates against invoice.schema.json (python3-jsonschema,
    Draft 2020-12);
  - every metadata.json holds every metadata-def key with the defined unit,
    values equal to features.csv and to the results file read with h5py
    (band gap, nsites, volume: unit conversions checked against CODATA);
  - every tile's main_image/ PNG decodes with Pillow (320x320 RGB, drawn);
  - `furui validate` accepts the fresh export, package and zip (exit 0,
    "0 problem(s)"; the unzipped copy too) and rejects, each alone and with exactly one line naming
    file, key and problem: a missing key, an unknown key, a wrong unit, a
    wrong type, a string over 1024 bytes (1024 bytes of UTF-8 pass), a file
    changed after export (directory and zip);
  - --rde-max-tiles 2 and 1 split the 3 rows into 2 and 3 packages with
    every exported candidate in exactly one tile, tiles numbered from 0001;
  - mdr/metadata.yaml loads with PyYAML, has the MDR Schema's required keys,
    marks what the user must complete with PLACEHOLDER, and lists files that
    exist.
"""
import csv
import datetime
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile

import h5py
import jsonschema
import yaml
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
SCREEN = os.path.join(os.path.dirname(HERE), "screen")
HA_EV = 27.211386245988          # CODATA 2018 Hartree in eV
BOHR_ANG = 0.529177210903        # CODATA 2018 Bohr radius in angstrom
sys.path.insert(0, os.path.dirname(HERE))
from testlib import check, finish, run, setup  # noqa: E402


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def tree(d):
    out = {}
    for root, _, files in os.walk(d):
        for f in files:
            p = os.path.join(root, f)
            out[os.path.relpath(p, d).replace(os.sep, "/")] = open(p, "rb").read()
    return out


def problems(p):
    """Problem lines of a validate run (all but the summary line)."""
    lines = p.stdout.strip().splitlines()
    return [l for l in lines if not l.startswith("furui validate:")]


def mutate(pkg, rel, fn, fix_sums=True):
    """Rewrites pkg/rel with fn(bytes) -> bytes; re-hashes it in SHA256SUMS
    so that only the intended problem remains."""
    path = os.path.join(pkg, rel)
    data = fn(open(path, "rb").read())
    open(path, "wb").write(data)
    if fix_sums:
        sums = os.path.join(pkg, "SHA256SUMS")
        lines = open(sums).read().splitlines()
        lines = [("%s  %s" % (sha256(data), rel)) if l.split("  ", 1)[1] == rel else l for l in lines]
        open(sums, "w").write("\n".join(lines) + "\n")


def edit_meta(fn):
    def f(b):
        m = json.loads(b)
        fn(m)
        return json.dumps(m, ensure_ascii=False, indent=4).encode()
    return f


def main():
    furui, w = setup()

    p = run([furui, "screen", os.path.join(SCREEN, "tiny.yaml"), "-o", "tiny"], w)
    check(p.returncode == 0, "tiny screen runs")
    res_path = os.path.join(w, "tiny.h5")
    res = {}
    with h5py.File(res_path, "r") as f:
        c = f["candidates"]
        for i, cid in enumerate(x.decode() if isinstance(x, bytes) else str(x) for x in c["id"][()]):
            res[cid] = dict(gap=float(c["band_gap"][i]), natom=int(c["natom"][i]), volume=float(c["volume"][i]))

    p = run([furui, "export", "tiny.h5", "-o", "ds", "--rde"], w)
    check(p.returncode == 0, "export --rde exits 0: " + p.stderr.strip())
    ds = os.path.join(w, "ds")
    zpath = os.path.join(ds, "rde", "rdeformat_0001.zip")
    check(sorted(os.listdir(os.path.join(ds, "rde"))) == ["rdeformat_0001.zip"],
          "3 rows at the default limit: one package, zipped only")
    check("KKKK" not in p.stdout and "1 RDE package ds/rde/rdeformat_0001.zip," in p.stdout,
          "the summary names the package written: " + p.stdout)
    pkg = os.path.join(w, "pkg")                     # the package unzipped by Python
    with zipfile.ZipFile(zpath) as z:
        z.extractall(pkg)
    with open(os.path.join(ds, "features.csv"), newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    ids = [r["id"] for r in rows]
    card = json.load(open(os.path.join(ds, "dataset.json"), encoding="utf-8"))
    cols = {c["name"]: c for c in card["columns"]}

    # independent tools: sha256sum, zipfile, json, jsonschema
    for d in (ds, pkg):
        q = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=d, capture_output=True, text=True)
        check(q.returncode == 0, "sha256sum -c in %s: %s" % (d, q.stdout + q.stderr))
    listed = {l.split("  ", 1)[1] for l in open(os.path.join(ds, "SHA256SUMS")).read().splitlines()}
    check({"mdr/metadata.yaml", "rde/rdeformat_0001.zip"} <= listed, "export SHA256SUMS covers the MDR draft and the zip")
    inner = {l.split("  ", 1)[1] for l in open(os.path.join(pkg, "SHA256SUMS")).read().splitlines()}
    check(inner == set(tree(pkg)) - {"SHA256SUMS"}, "package SHA256SUMS lists every other file of the zip")
    files = tree(pkg)
    with zipfile.ZipFile(zpath) as z:
        check(z.testzip() is None, "zip CRCs verify")
        names = [n for n in z.namelist() if not n.endswith("/")]
        check(sorted(names) == sorted(files) and len(names) == len(set(names)), "zip entries unique")
        for n in names:
            if n.endswith(".json"):
                try:
                    json.loads(z.read(n).decode("utf-8"))
                except ValueError as e:
                    check(False, "%s in the zip is JSON: %s" % (n, e))
    tiles = sorted({n.split("/")[1] for n in files if n.startswith("divided/")})
    check(tiles == ["%04d" % (i + 1) for i in range(len(ids))], "one tile per exported row, 0001..")
    inv = json.loads(files["invoice/invoice.json"])
    schema = json.loads(files["tasksupport/invoice.schema.json"])
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.Draft202012Validator(schema).validate(inv)
        check(True, "")
    except jsonschema.exceptions.ValidationError as e:
        check(False, "invoice.json validates against invoice.schema.json: %s" % e.message)
    except jsonschema.exceptions.SchemaError as e:
        check(False, "invoice.schema.json is a Draft 2020-12 schema: %s" % e.message)
    check(inv["custom"]["source_results_sha256"] == sha256(open(res_path, "rb").read()),
          "invoice names the results file's SHA-256")

    # metadata.json against metadata-def.json, features.csv and the results file
    mdef = json.loads(files["tasksupport/metadata-def.json"])
    check(all(e["name"]["ja"] and e["name"]["en"] for e in mdef.values()), "every key has ja and en names")
    check(all(any(ord(ch) > 127 for ch in e["name"]["ja"]) for e in mdef.values()), "ja names are Japanese")
    check(not any(k.startswith("MagpieData") for k in mdef), "Magpie statistics stay in structured/ only")
    for k, e in mdef.items():
        if k in cols:
            check(e.get("unit") == (cols[k]["unit"] if cols[k]["unit"] not in (None, "") else None),
                  "metadata-def unit of %s is the dataset.json (catalog) unit" % k)
    for t, cid in zip(tiles, ids):
        m = json.loads(files["divided/%s/meta/metadata.json" % t])
        row = next(r for r in rows if r["id"] == cid)
        c = m["constant"]
        check(m["variable"] == [] and set(c) == set(mdef), "tile %s: constant has exactly the defined keys" % t)
        for k, e in mdef.items():
            check(c[k].get("unit") == e.get("unit"), "tile %s %s: unit" % (t, k))
            if k in row:
                v = c[k]["value"]
                ok = v == row[k] if e["schema"]["type"] == "string" else float(row[k]) == float(v)
                check(ok, "tile %s %s: value %r equals features.csv %r" % (t, k, v, row[k]))
        r = res[cid]
        check(c["id"]["value"] == cid, "tile %s holds candidate %s (row order)" % (t, cid))
        check(abs(c["band_gap_ev"]["value"] - r["gap"] * HA_EV) <= 1e-12 * max(1, abs(r["gap"] * HA_EV)),
              "tile %s band gap = results file gap (Ha) x 27.211386245988" % t)
        check(c["nsites"]["value"] == r["natom"] and isinstance(c["nsites"]["value"], int), "tile %s nsites" % t)
        check(abs(c["volume"]["value"] - r["volume"] * BOHR_ANG ** 3) <= 1e-12 * r["volume"] * BOHR_ANG ** 3,
              "tile %s volume = results volume (bohr^3) x 0.529177210903^3" % t)
        check("divided/%s/structured/%s.csv" % (t, cid) in files and "divided/%s/raw/%s.POSCAR" % (t, cid) in files,
              "tile %s has structured CSV and raw POSCAR" % t)
        img = Image.open(io.BytesIO(files["divided/%s/main_image/%s.png" % (t, cid)]))
        img.load()
        px = list(img.getdata())
        check(img.format == "PNG" and img.size == (320, 320) and img.mode == "RGB",
              "tile %s main_image is a 320x320 RGB PNG (Pillow)" % t)
        check(0.02 < sum(p != (255, 255, 255) for p in px) / len(px) < 0.9, "tile %s picture has a drawing" % t)
        sub = list(csv.DictReader(io.StringIO(files["divided/%s/structured/%s.csv" % (t, cid)].decode())))
        check(sub == [row], "tile %s structured CSV is its features.csv row" % t)

    # validate: clean
    for target in ("ds", "pkg", os.path.join("ds", "rde", "rdeformat_0001.zip")):
        p = run([furui, "validate", target], w)
        check(p.returncode == 0 and problems(p) == [] and "0 problem(s)" in p.stdout,
              "validate accepts %s: %s%s" % (target, p.stdout, p.stderr))

    # validate: each defect alone, one line naming file, key, problem
    t2 = "divided/0002/meta/metadata.json"
    cid1 = ids[0]
    cases = [
        ("missing key", t2, edit_meta(lambda m: m["constant"].pop("band_gap_ev")), True,
         "%s: constant.band_gap_ev: missing (defined in tasksupport/metadata-def.json)" % t2),
        ("unknown key", t2, edit_meta(lambda m: m["constant"].update(foo={"value": 1})), True,
         "%s: constant.foo: not defined in tasksupport/metadata-def.json" % t2),
        ("wrong unit", t2, edit_meta(lambda m: m["constant"]["band_gap_ev"].update(unit="meV")), True,
         '%s: constant.band_gap_ev: unit "meV", metadata-def.json says "eV"' % t2),
        ("wrong type", t2, edit_meta(lambda m: m["constant"]["nsites"].update(value="2")), True,
         "%s: constant.nsites: value is a string, metadata-def.json says integer" % t2),
        ("real for integer", t2, edit_meta(lambda m: m["constant"]["nsites"].update(value=2.0)), True,
         "%s: constant.nsites: value is a real number, metadata-def.json says integer" % t2),
        ("over-long string", t2, edit_meta(lambda m: m["constant"]["label"].update(value="\u3042" * 342)), True,
         "%s: constant.label: string value is 1026 bytes, limit 1024 (rdetoolkit MAX_VALUE_SIZE)" % t2),
        ("changed file", "divided/0001/structured/%s.csv" % cid1, lambda b: b + b"x\r\n", False,
         "divided/0001/structured/%s.csv: SHA-256 " % cid1),
    ]
    for i, (what, rel, fn, fix, want) in enumerate(cases):
        bad = os.path.join(w, "bad%d" % i)
        shutil.copytree(pkg, bad)
        mutate(bad, rel, fn, fix)
        p = run([furui, "validate", bad], w)
        lines = problems(p)
        check(p.returncode == 1, what + ": exit 1")
        check(len(lines) == 1 and lines[0].startswith(bad + "/" + want),
              "%s: exactly the line '%s', got %s" % (what, want, lines))
        if what == "changed file":
            check("differs from SHA256SUMS" in lines[0] and sha256(open(os.path.join(bad, rel), "rb").read()) in lines[0],
                  "changed file: names the new hash")
        check("1 problem(s)" in p.stdout, what + ": summary counts 1 problem")
    # the limit counts bytes: 1024 bytes of 3-byte characters plus one ASCII pass
    ok = os.path.join(w, "ok1024")
    shutil.copytree(pkg, ok)
    mutate(ok, t2, edit_meta(lambda m: m["constant"]["label"].update(value="\u3042" * 341 + "x")))
    p = run([furui, "validate", ok], w)
    check(p.returncode == 0, "a 1024-byte string passes: " + p.stdout)
    # a changed file inside the zip
    bz = os.path.join(w, "bad.zip")
    with zipfile.ZipFile(zpath) as zin, zipfile.ZipFile(bz, "w", zipfile.ZIP_DEFLATED) as zout:
        for n in zin.namelist():
            data = zin.read(n)
            if n == t2:
                data = data.replace(b'"unit": "eV"', b'"unit": "Ha"', 1)
            zout.writestr(n, data)
    p = run([furui, "validate", bz], w)
    lines = problems(p)
    check(p.returncode == 1 and any(l.startswith(bz + ":" + t2 + ": SHA-256") for l in lines)
          and any(l.startswith(bz + ":" + t2 + ": constant.") and 'unit "Ha"' in l for l in lines),
          "changed zip entry: hash and unit problems named: %s" % lines)
    p = run([furui, "validate", os.path.join(w, "tiny.h5")], w)
    check(p.returncode == 1 and p.stderr.startswith("furui: error:") and len(p.stderr.strip().splitlines()) == 1,
          "a file that is not a zip: one-line error, exit 1: " + p.stderr)

    # split at a small limit
    for limit, want in ((2, [2, 1]), (1, [1, 1, 1])):
        out = "split%d" % limit
        p = run([furui, "export", "tiny.h5", "-o", out, "--rde-max-tiles", str(limit)], w)
        check(p.returncode == 0, "export --rde-max-tiles %d" % limit)
        zips = sorted(x for x in os.listdir(os.path.join(w, out, "rde")) if x.endswith(".zip"))
        check(zips == ["rdeformat_%04d.zip" % (k + 1) for k in range(len(want))],
              "limit %d: %d packages, got %s" % (limit, len(want), zips))
        check("%d RDE packages %s/rde/rdeformat_0001.zip .. %s," % (len(want), out, zips[-1] if zips else "?")
              in p.stdout, "limit %d: the summary names the first and last package: %s" % (limit, p.stdout))
        seen, counts = [], []
        for k, zn in enumerate(zips):
            with zipfile.ZipFile(os.path.join(w, out, "rde", zn)) as z:
                metas = sorted(n for n in z.namelist() if n.endswith("/meta/metadata.json"))
                check([m.split("/")[1] for m in metas] == ["%04d" % (i + 1) for i in range(len(metas))],
                      "limit %d package %d: tiles numbered from 0001" % (limit, k + 1))
                counts.append(len(metas))
                seen += [json.loads(z.read(m))["constant"]["id"]["value"] for m in metas]
                inv = json.loads(z.read("invoice/invoice.json"))
                check(inv["custom"]["package_index"] == k + 1 and inv["custom"]["package_count"] == len(want),
                      "limit %d: invoice package %d of %d" % (limit, k + 1, len(want)))
        check(counts == want, "limit %d: tiles per package %s, want %s" % (limit, counts, want))
        check(sorted(seen) == sorted(ids) and len(seen) == len(set(seen)),
              "limit %d: every exported candidate exactly once" % limit)
        p = run([furui, "validate", out], w)
        check(p.returncode == 0 and "%d package(s)" % len(want) in p.stdout,
              "limit %d: validate accepts every package: %s" % (limit, p.stdout))
    p = run([furui, "export", "tiny.h5", "-o", "split0", "--rde-max-tiles", "0"], w)
    check(p.returncode == 64 and not os.path.exists(os.path.join(w, "split0")), "--rde-max-tiles 0 is a usage error")

    # MDR draft
    y = yaml.safe_load(open(os.path.join(ds, "mdr", "metadata.yaml"), encoding="utf-8"))
    for k in ("titles", "creators", "contact_agents", "descriptions", "managing_organization", "visibility",
              "resource_type", "rights"):
        check(k in y, "MDR required key " + k)
    check(y["visibility"] in ("closed", "restricted", "open_to_public") and y["resource_type"] == "dataset",
          "MDR enums")
    check(y["creators"][0]["name"].startswith("PLACEHOLDER") and y["rights"][0]["identifier"].startswith("PLACEHOLDER")
          and y["contact_agents"][0]["name"].startswith("PLACEHOLDER"), "fields for the user marked PLACEHOLDER")
    check(y["creators"][0]["role"] in ("author", "editor", "translator", "depositor", "curator", "operator",
                                       "contact_person"), "creator role in the MDR enum")
    check(all(os.path.isfile(os.path.join(ds, f["filename"])) for f in y["filesets"]), "filesets exist")
    check({f["filename"] for f in y["filesets"]} >= {"features.csv", "features.h5", "dataset.json",
                                                     "rde/rdeformat_0001.zip"}, "filesets list the data")
    cm = y["computational_methods"]
    check(len(cm) >= 1 and all(isinstance(m["calculated_at"], datetime.datetime) for m in cm),
          "calculated_at is a YAML timestamp")
    props = {x["name"]: x["value"] for x in y["custom_properties"]}
    check(props.get("source_results_sha256") == sha256(open(res_path, "rb").read()), "MDR provenance: results SHA-256")
    check(props.get("n_exported") == str(len(ids)) and all(isinstance(v, str) for v in props.values()),
          "custom property values are strings (MDR str())")
    check("tiny" in y["titles"][0]["title"], "title names the sweep")

    return finish()


if __name__ == "__main__":
    sys.exit(main())

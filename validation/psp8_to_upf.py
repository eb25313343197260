#!/usr/bin/python3
"""Write the UPF v2 twin of a scalar-relativistic ABINIT psp8 (ONCVPSP) file.

    /usr/bin/python3 validation/psp8_to_upf.py IN.psp8 OUT.upf

The same samples on the same linear grid, rewritten with the UPF v2 conventions of the
Quantum ESPRESSO format description (pseudopotentials.html, "Unified Pseudopotential Format"):
PP_LOCAL in Ry; PP_BETA holds r·β(r), as the psp8 columns do, and PP_DIJ the Kleinman-Bylander
energies in Ry (psp8: Ha); PP_NLCC is ρ_c(r) (psp8: 4π ρ_c); PP_RHOATOM is 4π r² ρ_v(r) (psp8:
4π ρ_v). furui reads psp8 and UPF through different parsers and unit conversions, so a run on
a file and on its twin agreeing checks the UPF side of the reader against the psp8 side, which
itself agrees with ABINIT (validation/README.md, "ONCV pseudopotentials";
tests/psp/upf_twin_test.py). Numbers are written as in the file (%.13e): nothing is resampled.
"""
import math
import sys


def num(x):
    return float(x.replace("D", "E").replace("d", "e"))


def read_psp8(path):
    lines = open(path).read().split("\n")
    title = lines[0].split()
    zatom, zion = num(lines[1].split()[0]), num(lines[1].split()[1])
    w = lines[2].split()
    pspcod, pspxc, lmax, lloc, mmax = (int(w[k]) for k in range(5))
    if pspcod != 8:
        raise SystemExit("%s: pspcod %d, expected 8" % (path, pspcod))
    fchrg = num(lines[3].split()[1])
    nproj = [int(x) for x in lines[4].split()[:lmax + 1]]
    ext = int(lines[5].split()[0])
    if ext not in (0, 1):
        raise SystemExit("%s: extension_switch %d: fully relativistic files have no scalar twin"
                         % (path, ext))
    i = 6

    def rows(ncol):
        nonlocal i
        block = [[num(x) for x in lines[i + k].split()] for k in range(mmax)]
        i += mmax
        return [b[1] for b in block], [[b[2 + c] for b in block] for c in range(ncol)]

    betas = []  # (l, ekb in Ha, r·β samples)
    r = None
    for l in range(lmax + 1):
        if not nproj[l]:
            continue
        ekb = [num(x) for x in lines[i].split()[1:1 + nproj[l]]]
        i += 1
        r, cols = rows(nproj[l])
        betas += [(l, e, c) for e, c in zip(ekb, cols)]
    if lloc <= lmax:
        raise SystemExit("%s: lloc %d <= lmax: a semilocal channel as local part is not handled"
                         % (path, lloc))
    i += 1
    r, (vloc,) = rows(1)
    rhoc = rows(5)[1][0] if fchrg > 0 else None
    rhov = rows(1)[1][0] if ext == 1 else None
    functional = {11: "PBE", -101130: "PBE", 2: "PZ", -1012: "PZ", 7: "PW", -1013: "PW"}.get(pspxc)
    if functional is None:
        raise SystemExit("%s: pspxc %d not mapped to a UPF functional name" % (path, pspxc))
    return dict(element=title[0], zatom=zatom, zion=zion, lmax=lmax, r=r, vloc=vloc, betas=betas,
                rhoc=rhoc, rhov=rhov, functional=functional)


def block(tag, values, attrs=""):
    out = ["<%s%s>" % (tag, attrs)]
    for k in range(0, len(values), 4):
        out.append(" ".join("%.13e" % v for v in values[k:k + 4]))
    out.append("</%s>" % tag.split()[0])
    return out


def write_upf(p, path):
    r, n, nb = p["r"], len(p["r"]), len(p["betas"])
    h = r[1] - r[0]
    tf = lambda b: "T" if b else "F"  # noqa: E731
    out = ['<UPF version="2.0.1">',
           '<PP_INFO>twin of an ONCVPSP psp8 file, written by furui validation/psp8_to_upf.py'
           '</PP_INFO>',
           '<PP_HEADER generated="psp8_to_upf.py" author="" date="" comment="" element="%s" '
           'pseudo_type="NC" relativistic="scalar" is_ultrasoft="F" is_paw="F" is_coulomb="F" '
           'has_so="F" has_wfc="F" has_gipaw="F" paw_as_gipaw="F" core_correction="%s" '
           'functional="%s" z_valence="%.8f" total_psenergy="0" wfc_cutoff="0" rho_cutoff="0" '
           'l_max="%d" l_max_rho="%d" l_local="-1" mesh_size="%d" number_of_wfc="0" '
           'number_of_proj="%d"/>' % (p["element"], tf(p["rhoc"]), p["functional"], p["zion"],
                                      p["lmax"], 2 * p["lmax"], n, nb),
           '<PP_MESH dx="0" mesh="%d" xmin="0" rmax="%.13e" zmesh="%.4f">' % (n, r[-1], p["zatom"])]
    out += block("PP_R", r, ' type="real" size="%d" columns="4"' % n)
    out += block("PP_RAB", [h] * n, ' type="real" size="%d" columns="4"' % n)
    out.append("</PP_MESH>")
    if p["rhoc"]:
        out += block("PP_NLCC", [x / (4 * math.pi) for x in p["rhoc"]],
                     ' type="real" size="%d" columns="4"' % n)
    out += block("PP_LOCAL", [2 * v for v in p["vloc"]], ' type="real" size="%d" columns="4"' % n)
    out.append("<PP_NONLOCAL>")
    for k, (l, _, beta) in enumerate(p["betas"]):
        last = max([j for j, v in enumerate(beta) if v != 0.0] or [0])
        out += block("PP_BETA.%d" % (k + 1), beta,
                     ' type="real" size="%d" columns="4" index="%d" angular_momentum="%d" '
                     'cutoff_radius_index="%d" cutoff_radius="%.8f" ultrasoft_cutoff_radius="0"'
                     % (n, k + 1, l, last + 1, r[last]))
    dij = [0.0] * (nb * nb)
    for k, (_, e, _) in enumerate(p["betas"]):
        dij[k * nb + k] = 2 * e
    out += block("PP_DIJ", dij, ' type="real" size="%d" columns="4"' % (nb * nb))
    out.append("</PP_NONLOCAL>")
    if p["rhov"]:
        out += block("PP_RHOATOM", [x * ri * ri for x, ri in zip(p["rhov"], r)],
                     ' type="real" size="%d" columns="4"' % n)
    out.append("</UPF>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    write_upf(read_psp8(sys.argv[1]), sys.argv[2])

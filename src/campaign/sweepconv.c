/* A sweep's `converge:` block: the ladders before the farm (campaign/sweepconv.h). */
#include "campaign/sweepconv.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/jsonfile.h"
#include "core/units.h"
#include "crystal/kpoints.h"
#include "dft/protocol.h"
#include "props/converge.h"

/* index of the sweep's target protocol in fu_protocol_all */
static int protocol_index(const char *name) {
    int np;
    const fu_protocol *p = fu_protocol_all(&np);
    for (int k = 0; k < np && k < 3; k++)
        if (!strcmp(p[k].name, name)) return k;
    return 1;
}

/* the choice of an earlier run of the same sweep text, if its JSON is there */
static int reuse(const char *path, const char *sha, fu_sweepconv_choice *out) {
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j) return 0;
    const char *s = json_string_value(json_object_get(j, "sweep_sha256"));
    json_t *ch = json_object_get(j, "chosen");
    double e = json_number_value(json_object_get(ch, "ecut_ha"));
    double k = json_number_value(json_object_get(ch, "kspacing_per_bohr"));
    const char *eb = json_string_value(json_object_get(ch, "ecut_set_by"));
    const char *kb = json_string_value(json_object_get(ch, "kspacing_set_by"));
    int ok = s && !strcmp(s, sha) && e > 0 && k > 0 && eb && kb;
    if (ok) {
        out->ecut = e;
        out->kspacing = k;
        snprintf(out->ecut_by, sizeof out->ecut_by, "%s", eb);
        snprintf(out->kspacing_by, sizeof out->kspacing_by, "%s", kb);
        out->reused = 1;
    }
    json_decref(j);
    return ok;
}

int fu_sweepconv_run(const fu_sweep *sw, const char *prefix, FILE *progress, fu_sweepconv_choice *out,
                     fu_err *err) {
    memset(out, 0, sizeof *out);
    if (!sw->converge) return fu_fail(err, FU_EINPUT, "%s: no converge: block", sw->path);
    char sha[FU_SHA256_HEX_LEN];
    int rc = fu_sha256_hex(sw->text ? sw->text : "", sw->text ? strlen(sw->text) : 0, sha, err);
    if (rc) return rc;
    char jpath[FU_SWEEP_PATH_LEN + 32], lpath[FU_SWEEP_PATH_LEN + 32];
    snprintf(jpath, sizeof jpath, "%s.converge.json", prefix);
    snprintf(lpath, sizeof lpath, "%s.converge.log", prefix);
    if (reuse(jpath, sha, out)) {
        if (progress)
            fprintf(progress, "screen: converge: %s of this sweep: ecut %g Ha, k-spacing %g 1/angstrom\n", jpath,
                    out->ecut, out->kspacing / FU_BOHR_ANGSTROM);
        return FU_OK;
    }
    int pk = protocol_index(sw->converge_protocol);
    const fu_protocol *proto = fu_protocol_find(sw->converge_protocol);
    FILE *log = fopen(lpath, "w");
    if (!log) return fu_fail(err, FU_EIO, "%s: cannot write: %s", lpath, strerror(errno));
    json_t *js = json_object();
    fu_converge_ladder *L = calloc(2, sizeof *L);
    if (!js || !L) {
        fclose(log);
        json_decref(js);
        free(L);
        return fu_fail(err, FU_ENOMEM, "out of memory");
    }
    for (int f = 0; f < sw->converge_nformula && !rc; f++) {
        const fu_candidate *cd = &sw->cand[sw->converge_cand[f]];
        const fu_structure *s = &cd->structure;
        fu_scf_params p = cd->params;
        p.npband = 0;
        memset(L, 0, 2 * sizeof *L);
        L[0].name = "ecut";
        L[1].name = "kpoints";
        /* the cutoff ladder on the protocol's mesh, then the k ladder at the cutoff chosen */
        int kg[3];
        fu_kpoints_grid_from_spacing(s->lattice, proto->kspacing, FU_CONVERGE_MAX_KDIV, kg);
        for (int i = 0; i < sw->converge_necut; i++) {
            L[0].r[i].ecut = sw->converge_ecut[i];
            memcpy(L[0].r[i].kgrid, kg, sizeof kg);
        }
        L[0].n = sw->converge_necut;
        double ecut_f = 0, ksp_f = 0;
        for (int l = 0; l < 2 && !rc; l++) {
            if (l == 1) {
                for (int i = 0; i < sw->converge_nk; i++) {
                    fu_converge_rung *g = &L[1].r[L[1].n];
                    g->ecut = ecut_f;
                    g->spacing = sw->converge_kspacing[i];
                    fu_kpoints_grid_from_spacing(s->lattice, g->spacing, FU_CONVERGE_MAX_KDIV, g->kgrid);
                    if (L[1].n > 0 && !memcmp(g->kgrid, L[1].r[L[1].n - 1].kgrid, sizeof g->kgrid)) continue;
                    L[1].n++;
                }
                if (L[1].n < 2) {
                    rc = fu_fail(err, FU_EINPUT, "%s:%d: converge.kspacing: fewer than 2 distinct meshes for %s",
                                 sw->path, sw->converge_line, sw->converge_formula[f]);
                    break;
                }
            }
            for (int i = 0; i < L[l].n && !rc; i++) {
                fu_converge_rung *g = &L[l].r[i];
                if (progress)
                    fprintf(progress, "screen: converge %s: %s rung %d/%d: ecut %.2f Ha, k-grid %dx%dx%d\n",
                            sw->converge_formula[f], L[l].name, i + 1, L[l].n, g->ecut, g->kgrid[0], g->kgrid[1],
                            g->kgrid[2]);
                fprintf(log, "\n# %s (%s)", sw->converge_formula[f], cd->label);
                rc = fu_converge_run_rung(s, &p, MPI_COMM_SELF, log, g, NULL, err);
            }
            if (!rc && !L[l].r[L[l].n - 1].ok)
                rc = fu_fail(err, FU_EINPUT, "%s:%d: converge: %s ladder of %s: the densest rung's SCF did not "
                             "converge", sw->path, sw->converge_line, L[l].name, sw->converge_formula[f]);
            if (rc) break;
            fu_converge_analyse(&L[l], s->natom);
            fu_converge_print(log, &L[l]);
            int first = sw->converge_all ? L[l].first_all[pk] : L[l].first_energy[pk];
            if (first < 0) {
                rc = fu_fail(err, FU_EINPUT, "%s:%d: converge: no rung of the %s ladder of %s meets the %s %s target "
                             "(%s.converge.log): extend the ladder", sw->path, sw->converge_line, L[l].name,
                             sw->converge_formula[f], sw->converge_protocol,
                             sw->converge_all ? "(all four)" : "energy", prefix);
                break;
            }
            if (l == 0) ecut_f = L[0].r[first].ecut;
            else ksp_f = L[1].r[first].spacing;
        }
        if (!rc) {
            json_t *o = json_object();
            json_object_set_new(o, "candidate", json_string(cd->id));
            json_object_set_new(o, "label", json_string(cd->label));
            json_object_set_new(o, "ecut", fu_converge_ladder_json(&L[0]));
            json_object_set_new(o, "kpoints", fu_converge_ladder_json(&L[1]));
            json_object_set_new(o, "ecut_ha", json_real(ecut_f));
            json_object_set_new(o, "kspacing_per_angstrom", json_real(ksp_f / FU_BOHR_ANGSTROM));
            json_object_set_new(js, sw->converge_formula[f], o);
            if (ecut_f > out->ecut) {
                out->ecut = ecut_f;
                snprintf(out->ecut_by, sizeof out->ecut_by, "%s", sw->converge_formula[f]);
            }
            if (out->kspacing == 0 || ksp_f < out->kspacing) {
                out->kspacing = ksp_f;
                snprintf(out->kspacing_by, sizeof out->kspacing_by, "%s", sw->converge_formula[f]);
            }
        }
        fu_converge_ladder_free(&L[0]);
        fu_converge_ladder_free(&L[1]);
    }
    free(L);
    if (fclose(log) != 0 && !rc) rc = fu_fail(err, FU_EIO, "%s: write failed", lpath);
    if (!rc) {
        json_t *j = json_object();
        json_object_set_new(j, "sweep", json_string(sw->path));
        json_object_set_new(j, "sweep_sha256", json_string(sha));
        json_object_set_new(j, "protocol", json_string(sw->converge_protocol));
        json_object_set_new(j, "target", json_string(sw->converge_all ? "all" : "energy"));
        json_object_set_new(j, "reference", json_string("each ladder's last (densest) rung"));
        json_object_set_new(j, "structures", js);
        js = NULL;
        json_object_set_new(j, "chosen", json_pack("{sfsfsfssss}", "ecut_ha", out->ecut, "kspacing_per_bohr",
                                                   out->kspacing, "kspacing_per_angstrom",
                                                   out->kspacing / FU_BOHR_ANGSTROM, "ecut_set_by", out->ecut_by,
                                                   "kspacing_set_by", out->kspacing_by));
        rc = fu_json_write_atomic(j, jpath, JSON_INDENT(1), err);
        json_decref(j);
    }
    json_decref(js);
    if (!rc && progress)
        fprintf(progress, "screen: converge: ecut %g Ha (set by %s), k-spacing %g 1/angstrom (set by %s); %s\n",
                out->ecut, out->ecut_by, out->kspacing / FU_BOHR_ANGSTROM, out->kspacing_by, jpath);
    return rc;
}

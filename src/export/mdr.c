/* MDR deposit YAML draft (mdr.h), written with the libyaml emitter. */
#include "export/mdr.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

#include "core/hash.h"
#include "core/units.h"
#include "crystal/elements.h"
#include "export/rde.h"
#include "furui_git_version.h"

typedef struct {
    yaml_emitter_t e;
    int ok;
} em;

static void emit(em *m, yaml_event_t *ev) {
    if (m->ok && !yaml_emitter_emit(&m->e, ev)) m->ok = 0;
}

/* quoted: a string that must stay a string (MDR str()); plain: keys, enums,
 * dates and timestamps, which YAML must read as such. */
static void scalar(em *m, const char *s, int quoted) {
    yaml_event_t ev;
    if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), !quoted, quoted,
                                      quoted ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_PLAIN_SCALAR_STYLE)) {
        m->ok = 0;
        return;
    }
    emit(m, &ev);
}
static void key(em *m, const char *k) { scalar(m, k, 0); }
static void kv(em *m, const char *k, const char *v) {
    key(m, k);
    scalar(m, v, 1);
}
static void kv_plain(em *m, const char *k, const char *v) {
    key(m, k);
    scalar(m, v, 0);
}
static void map_start(em *m) {
    yaml_event_t ev;
    yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
    emit(m, &ev);
}
static void map_end(em *m) {
    yaml_event_t ev;
    yaml_mapping_end_event_initialize(&ev);
    emit(m, &ev);
}
static void seq_start(em *m) {
    yaml_event_t ev;
    yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
    emit(m, &ev);
}
static void seq_end(em *m) {
    yaml_event_t ev;
    yaml_sequence_end_event_initialize(&ev);
    emit(m, &ev);
}
static void utc(double t, const char *fmt, char *buf, size_t len) {
    time_t s = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&s, &tm) || !strftime(buf, len, fmt, &tm)) snprintf(buf, len, "unknown");
}

/* "xc lda, cut-off 163.3 eV, fermi-dirac 0.272 eV, pseudopotentials Si cp2k:... (sha256 ...)" */
static void settings_text(const fu_cand_result *res, char *buf, size_t len) {
    int n = snprintf(buf, len, "exchange-correlation %s; plane-wave cut-off %.6g eV; smearing %s, width %.6g eV; "
                               "pseudopotentials:",
                     res->xc ? res->xc : "?", res->ecut * FU_HA_EV, res->smearing ? res->smearing : "?",
                     res->tsmear * FU_HA_EV);
    for (int s = 0; s < res->nspecies && n > 0 && (size_t)n < len; s++)
        n += snprintf(buf + n, len - (size_t)n, "%s %s %s (SHA-256 %s)", s ? "," : "", res->species[s],
                      res->psp_name[s], res->psp_sha256[s]);
}

int fu_mdr_write(const char *path, const fu_results *r, const fu_feature_table *t, const char *src_sha,
                 const char *const *files, const char *const *types, size_t nfiles, fu_err *err) {
    FILE *f = fopen(path, "w");
    if (!f) return fu_fail(err, FU_EIO, "%s: cannot create: %s", path, strerror(errno));
    /* libyaml emits no comments: the header goes first, through the same stream */
    fputs("# MDR (NIMS Materials Data Repository) deposit metadata: a DRAFT written by `furui export --rde`.\n"
          "# Schema: MDR Schema, github.com/nims-dpfc/mdr-schema schema.yaml (check: yamale -s schema.yaml THIS).\n"
          "# Filled from the campaign: titles, descriptions, subjects, resource_type, data_origins, software,\n"
          "#   computational_methods (settings, calculated_at = first screening session), filesets,\n"
          "#   custom_properties (provenance: results/sweep SHA-256, code version, counts).\n"
          "# YOU MUST COMPLETE every \"PLACEHOLDER: ...\" value: creators, contact_agents,\n"
          "#   managing_organization, rights (the license; keep it equal to dataset.json's license).\n"
          "# Review: visibility (closed by default), titles/descriptions; add date_published, fundings,\n"
          "#   related_items (the paper) as needed.\n",
          f);
    em m;
    memset(&m, 0, sizeof m);
    m.ok = yaml_emitter_initialize(&m.e);
    if (!m.ok) {
        fclose(f);
        return fu_fail(err, FU_ENOMEM, "%s: cannot initialise the YAML emitter", path);
    }
    yaml_emitter_set_output_file(&m.e, f);
    yaml_emitter_set_unicode(&m.e, 1);
    yaml_emitter_set_width(&m.e, -1);
    yaml_event_t ev;
    yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
    emit(&m, &ev);
    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
    emit(&m, &ev);
    map_start(&m);

    char name[256], buf[8192], first[64] = "", now[64];
    fu_rde_campaign_name(r, name, sizeof name);
    double t0 = INFINITY;
    for (size_t k = 0; k < r->nruns; k++)
        if (r->runs[k].time < t0) t0 = r->runs[k].time;
    if (isfinite(t0)) utc(t0, "%Y-%m-%dT%H:%M:%SZ", first, sizeof first);
    utc((double)time(NULL), "%Y-%m-%dT%H:%M:%SZ", now, sizeof now);
    /* elements of the exported rows */
    int present[FU_MAX_Z + 1] = {0};
    for (size_t i = 0; i < t->nrow; i++) {
        const fu_cand_result *res = &r->rec[t->rec[i]].res;
        for (int a = 0; a < res->natom; a++)
            if (res->atomic_number[a] >= 1 && res->atomic_number[a] <= FU_MAX_Z) present[res->atomic_number[a]] = 1;
    }
    char elements[4 * (FU_MAX_Z + 1)] = "";
    for (int z = 1; z <= FU_MAX_Z; z++)
        if (present[z] && fu_element_symbol(z)) {
            if (elements[0]) strcat(elements, ", ");
            strcat(elements, fu_element_symbol(z));
        }

    snprintf(buf, sizeof buf, "DFT high-throughput screening %s: %zu crystal structures (furui)",
             name[0] ? name : "(unnamed sweep)", t->nrow);
    key(&m, "titles");
    seq_start(&m);
    map_start(&m);
    kv(&m, "title", buf);
    kv_plain(&m, "lang", "en");
    map_end(&m);
    seq_end(&m);
    key(&m, "creators");
    seq_start(&m);
    map_start(&m);
    kv(&m, "name", "PLACEHOLDER: FAMILY, Given name of each author");
    kv(&m, "orcid", "PLACEHOLDER: https://orcid.org/0000-0000-0000-0000");
    kv(&m, "organization", "PLACEHOLDER: organization");
    kv_plain(&m, "role", "author");
    map_end(&m);
    seq_end(&m);
    key(&m, "contact_agents");
    seq_start(&m);
    map_start(&m);
    kv(&m, "name", "PLACEHOLDER: FAMILY, Given name");
    kv(&m, "email", "PLACEHOLDER: e-mail address");
    map_end(&m);
    seq_end(&m);
    snprintf(buf, sizeof buf,
             "Plane-wave density-functional-theory screening of %zu candidate crystal structures (campaign %s) with "
             "furui %s: %zu converged candidates exported with structure and composition features and DFT targets "
             "(energy per atom, formation energy, energy above hull, band gap, ...; units in dataset.json), %zu "
             "left out with the reason (skipped.csv). Elements: %s. Also packaged for NIMS RDE (rde/, RDEFormat).",
             r->n, name[0] ? name : "(unnamed)", FURUI_VERSION, t->nrow, t->nskip, elements[0] ? elements : "none");
    key(&m, "descriptions");
    seq_start(&m);
    map_start(&m);
    kv(&m, "description", buf);
    kv_plain(&m, "lang", "en");
    map_end(&m);
    seq_end(&m);
    key(&m, "managing_organization");
    map_start(&m);
    kv(&m, "organization", "PLACEHOLDER: managing organization");
    map_end(&m);
    key(&m, "subjects");
    seq_start(&m);
    const char *kw[] = {"density functional theory", "high-throughput screening", "materials informatics",
                        "machine learning dataset"};
    for (size_t i = 0; i < sizeof kw / sizeof *kw; i++) {
        map_start(&m);
        kv(&m, "subject", kw[i]);
        map_end(&m);
    }
    for (int z = 1; z <= FU_MAX_Z; z++)
        if (present[z] && fu_element_symbol(z)) {
            map_start(&m);
            kv(&m, "subject", fu_element_symbol(z));
            map_end(&m);
        }
    seq_end(&m);
    kv_plain(&m, "visibility", "closed");
    kv_plain(&m, "resource_type", "dataset");
    key(&m, "rights");
    seq_start(&m);
    map_start(&m);
    kv(&m, "description", "PLACEHOLDER: license name, e.g. CC BY 4.0");
    kv(&m, "identifier", "PLACEHOLDER: license URL, e.g. https://creativecommons.org/licenses/by/4.0/");
    map_end(&m);
    seq_end(&m);
    /* MDR Schema spells the enum value in the singular */
    key(&m, "data_origins");
    seq_start(&m);
    map_start(&m);
    kv_plain(&m, "data_origin_type", "simulation");
    map_end(&m);
    seq_end(&m);
    key(&m, "software");
    seq_start(&m);
    map_start(&m);
    kv(&m, "name", "furui");
    kv(&m, "version", FURUI_VERSION " (git " FURUI_GIT_VERSION ")");
    kv(&m, "description", "plane-wave DFT engine and MPI screening pipeline");
    map_end(&m);
    seq_end(&m);
    /* one computational method per distinct settings of the exported rows
     * (compared with the few distinct ones so far, not with every row) */
    key(&m, "computational_methods");
    seq_start(&m);
    size_t ndist = 0;
    char **dist = calloc(t->nrow ? t->nrow : 1, sizeof *dist);
    if (!dist) m.ok = 0;
    for (size_t i = 0; dist && i < t->nrow; i++) {
        char mine[4096];
        settings_text(&r->rec[t->rec[i]].res, mine, sizeof mine);
        int dup = 0;
        for (size_t j = 0; j < ndist && !dup; j++) dup = strcmp(mine, dist[j]) == 0;
        if (dup) continue;
        if (!(dist[ndist] = strdup(mine))) {
            m.ok = 0;
            break;
        }
        ndist++;
        map_start(&m);
        kv(&m, "category_description", "density functional theory or electronic structure");
        if (first[0] && strcmp(first, "unknown") != 0) kv_plain(&m, "calculated_at", first);
        kv(&m, "description", mine);
        map_end(&m);
    }
    for (size_t j = 0; j < ndist; j++) free(dist[j]);
    free(dist);
    seq_end(&m);
    key(&m, "filesets");
    seq_start(&m);
    for (size_t i = 0; i < nfiles; i++) {
        map_start(&m);
        kv(&m, "filename", files[i]);
        kv(&m, "content_type", types[i]);
        map_end(&m);
    }
    seq_end(&m);
    key(&m, "custom_properties");
    seq_start(&m);
    char sweep_sha[FU_SHA256_HEX_LEN] = "", n1[32], n2[32], n3[32];
    const char *sweep = r->sweep ? r->sweep : "";
    fu_err e2 = {0};
    if (fu_sha256_hex(sweep, strlen(sweep), sweep_sha, &e2)) sweep_sha[0] = '\0';
    snprintf(n1, sizeof n1, "%zu", r->n);
    snprintf(n2, sizeof n2, "%zu", t->nrow);
    snprintf(n3, sizeof n3, "%zu", t->nskip);
    const char *props[][2] = {{"source_results_sha256", src_sha},
                              {"sweep_sha256", sweep_sha},
                              {"exported_at", now},
                              {"exported_by", "furui " FURUI_VERSION " (git " FURUI_GIT_VERSION ")"},
                              {"n_candidates", n1},
                              {"n_exported", n2},
                              {"n_skipped", n3},
                              {"provenance", "dataset.json: provenance (code, hosts, sweep text, settings, "
                                             "pseudopotential SHA-256, per-candidate convergence)"}};
    for (size_t i = 0; i < sizeof props / sizeof *props; i++) {
        map_start(&m);
        kv(&m, "name", props[i][0]);
        kv(&m, "value", props[i][1]);
        map_end(&m);
    }
    seq_end(&m);
    map_end(&m);
    yaml_document_end_event_initialize(&ev, 1);
    emit(&m, &ev);
    yaml_stream_end_event_initialize(&ev);
    emit(&m, &ev);
    int ok = m.ok && yaml_emitter_flush(&m.e);
    char why[256];
    snprintf(why, sizeof why, "%s", m.e.problem ? m.e.problem : "write error");
    yaml_emitter_delete(&m.e);
    int bad = !ok || ferror(f) || fflush(f) != 0 || fsync(fileno(f)) != 0;
    int e = errno;
    if (fclose(f) != 0) bad = 1;
    if (!ok) return fu_fail(err, FU_EIO, "%s: YAML emitter: %s", path, why);
    return bad ? fu_fail(err, FU_EIO, "%s: write failed: %s", path, strerror(e)) : FU_OK;
}

// labels: unit store screen
/* A property added by one file and one registry line flows through the whole chain with no
 * edit to the journal, store or catalog code: tests/props/toy_property.h (the cell volume per
 * atom) registered with fu_property_register, asked for in a sweep's `properties:`, run by the
 * farm after each SCF, appended to the journal (property record, type 18), written to and
 * read from the results file (/candidates/toy/), compared by merge, and listed in the catalog
 * (rank's vocabulary) and the ML targets. Values are checked against the analytic volume of the
 * diamond cell the sweep names, (s a)³/4 per 2 atoms, a = 5.43 Å, strain s. The tagged-block
 * rules are checked on a payload: an unknown name is skipped, a block from a shorter field
 * table reads the missing fields as 0. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "check.h"

#include <ftw.h>
#include <mpi.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zip.h>

#include "export/export.h"
#include "export/features.h"
#include "props/toy_property.h"
#include "rank/catalog.h"
#include "results/diff.h"
#include "results/codec.h"
#include "campaign/farm.h"
#include "rank/rank_expr.h"
#include "results/store.h"
#include "campaign/sweep.h"
#include "store/store_fixture.h"

static long toy;

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

static const char *sweep_text =
    "name: toy\n"
    "candidates:\n"
    "  - prototype: diamond\n"
    "    A: Si\n"
    "    a: 5.43 angstrom\n"
    "xc: lda\n"
    "pseudopotentials: {lda: \"cp2k:GTH-PADE\"}\n"
    "ecut: 6 Ha\n"
    "kpoints: {grid: [2, 2, 2]}\n"
    "smearing: {kind: fermi-dirac, width: 0.01 Ha}\n"
    "strain: [0.98, 1.0]\n"
    "scf: {max_iterations: 60, energy_tolerance: 1e-9 Ha, density_tolerance: 1e-8}\n";

/* (s a)³/8 Å³ per atom of the diamond cell: the strain from the candidate's label is not
 * trusted; the two candidates are told apart by which of the two values they match. */
static double toy_expected_ang3(double s) { return pow(s * 5.43, 3) / 8.0; }

static int matches_strain(double v_ang3) {
    double rel0 = fabs(v_ang3 / toy_expected_ang3(0.98) - 1), rel1 = fabs(v_ang3 / toy_expected_ang3(1.0) - 1);
    return rel0 < 1e-9 ? 1 : rel1 < 1e-9 ? 2 : 0;
}

static int count_type18(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    unsigned char head[40];
    int n = 0;
    fseek(f, 16, SEEK_SET);
    while (fread(head, 1, 40, f) == 40) {
        uint32_t len = (uint32_t)head[4] | (uint32_t)head[5] << 8 | (uint32_t)head[6] << 16 | (uint32_t)head[7] << 24;
        int type = fgetc(f);
        n += type == 18;
        fseek(f, (long)len - 1, SEEK_CUR);
    }
    fclose(f);
    return n;
}

static void test_payload_rules(void) {
    fu_record r;
    fx_record(&r, 2, FU_RECORD_DONE, 1, 2, 3, 4);
    toy_block *b = calloc(1, sizeof *b);
    b->volume_per_atom = 135.5;
    b->scaled_cell = 813.0;
    b->natom = 2;
    snprintf(b->note, sizeof b->note, "x");
    r.res.block[toy] = b;
    unsigned char *buf;
    size_t len;
    fu_err e;
    CHECK(fu_codec_record_encode(&r, &buf, &len, &e) == FU_OK, "a record with a toy block encodes");
    fu_record back;
    CHECK(fu_codec_record_decode(buf, len, &back, &e) == FU_OK && !fu_diff_record(&back, &r, 1) &&
              back.res.block[toy] && ((toy_block *)back.res.block[toy])->scaled_cell == 813.0,
          "and decodes with it, bit for bit");
    fu_record_free(&back);
    /* the trailing block: string "toy" | u32 length | f64 f64 i32 string */
    size_t blen = 8 + 8 + 4 + 4 + 1, at = len - blen - 4 - 4 - 3;
    CHECK(memcmp(buf + at + 4, "toy", 3) == 0, "the block sits at the payload's end");
    unsigned char *u = malloc(len);
    memcpy(u, buf, len);
    u[at + 6] = 'x'; /* "tox": a property this furui does not know */
    CHECK(fu_codec_record_decode(u, len, &back, &e) == FU_OK && !back.res.block[toy] &&
              !fu_diff_record(&back, &r, 0) == 0 && !strcmp(fu_diff_record(&back, &r, 0), "toy"),
          "an unknown block is skipped; the rest of the record reads");
    fu_record_free(&back);
    /* an older table of the toy: only volume_per_atom (8 bytes) */
    size_t slen = len - (blen - 8);
    memcpy(u, buf, slen);
    u[at + 7] = 8, u[at + 8] = u[at + 9] = u[at + 10] = 0;
    CHECK(fu_codec_record_decode(u, slen, &back, &e) == FU_OK && back.res.block[toy] &&
              ((toy_block *)back.res.block[toy])->volume_per_atom == 135.5 &&
              ((toy_block *)back.res.block[toy])->scaled_cell == 0 && ((toy_block *)back.res.block[toy])->note[0] == 0,
          "a shorter block (older field table) reads its fields, the rest as 0");
    fu_record_free(&back);
    free(u);
    free(buf);
    fu_record_free(&r);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    toy = fu_property_register(&toy_property); /* the registry line */
    CHECK(toy >= 4 && fu_property_find("toy") == toy, "the toy property is registered after the built-in ones");
    test_payload_rules();

    char dir[] = "/tmp/furui_toy_XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "temporary directory");
    char path[256], prefix[256], jpath[300], hpath[300];
    snprintf(path, sizeof path, "%s/toy.yaml", dir);
    snprintf(prefix, sizeof prefix, "%s/toy", dir);
    snprintf(jpath, sizeof jpath, "%s.journal", prefix);
    snprintf(hpath, sizeof hpath, "%s.h5", prefix);
    fu_err e;
    /* without the key, and with `toy: false`, the IDs are those of a sweep without it */
    fu_sweep plain, off, sw;
    char text[2048];
    int rc = fu_sweep_parse(sweep_text, path, &plain, &e);
    snprintf(text, sizeof text, "%sproperties: {toy: false}\n", sweep_text);
    rc |= fu_sweep_parse(text, path, &off, &e);
    snprintf(text, sizeof text, "%sproperties: {toy: {scale: 3}}\n", sweep_text);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    rc |= fu_sweep_read(path, &sw, &e);
    if (rc) fprintf(stderr, "%s\n", e.msg);
    CHECK(rc == FU_OK && sw.n == 2 && sw.nvalid == 2 && plain.n == 2 && off.n == 2, "the sweeps read: 2 candidates");
    if (rc) goto out;
    CHECK(!strcmp(plain.cand[0].id, off.cand[0].id) && strcmp(plain.cand[0].id, sw.cand[0].id) &&
              sw.cand[0].tasks.block_on[toy] && sw.cand[0].tasks.block_opts[toy][0] == 3.0,
          "asking for the property (scale 3) changes the candidate ID; not asking leaves it");
    snprintf(text, sizeof text, "%sproperties: {toy: {scale: -1}}\n", sweep_text);
    fu_sweep bad;
    CHECK(fu_sweep_parse(text, path, &bad, &e) == FU_EINPUT && strstr(e.msg, "scale") && strstr(e.msg, "positive"),
          "its options reader's error names the key");
    fu_sweep_free(&bad);

    fu_farm_opts o;
    fu_farm_opts_default(&o);
    fu_farm_report rep;
    rc = fu_farm_run(&sw, prefix, &o, MPI_COMM_WORLD, &rep, &e);
    if (rc) fprintf(stderr, "%s\n", e.msg);
    CHECK(rc == FU_OK && rep.ndone == 2, "the farm computes both candidates");

    /* journal: a property record before each done record, and the blocks on the records */
    CHECK(count_type18(jpath) == 2, "the journal holds two property records (type 18)");
    fx_list l;
    memset(&l, 0, sizeof l);
    rc = fu_journal_read(jpath, NULL, fx_collect, &l, NULL, &e);
    int seen = 0;
    for (size_t i = 0; !rc && i < l.n; i++) {
        if (l.rec[i].state != FU_RECORD_DONE) continue;
        const toy_block *b = l.rec[i].res.block[toy];
        double v = b ? b->volume_per_atom * pow(FU_BOHR_ANGSTROM, 3) : NAN;
        int m = b ? matches_strain(v) : 0;
        seen |= m;
        CHECK(b && m && b->natom == 2 && fabs(b->scaled_cell / (6 * b->volume_per_atom) - 1) < 1e-12 &&
                  !strcmp(b->note, "Ω/N"),
              "journal: toy block = (s a)^3/8 per atom, 3 x the cell volume, 2 atoms");
    }
    CHECK(seen == 3, "journal: both strains present");

    /* a damaged property record costs the block, not the candidate: a copy of the journal with
     * one byte of the first type-18 payload flipped reads both records, one without its block */
    {
        FILE *jf = fopen(jpath, "rb");
        static unsigned char jb[1 << 20];
        size_t jn = jf ? fread(jb, 1, sizeof jb, jf) : 0;
        if (jf) fclose(jf);
        size_t off = 16;
        while (off + 41 <= jn && jb[off + 40] != 18)
            off += 40 + ((size_t)jb[off + 4] | (size_t)jb[off + 5] << 8 | (size_t)jb[off + 6] << 16);
        char dpath[320];
        snprintf(dpath, sizeof dpath, "%s/damaged.journal", dir);
        int ok = off + 41 + 30 <= jn;
        if (ok) {
            jb[off + 40 + 25] ^= 0x40; /* inside the block, after id and attempt */
            FILE *df = fopen(dpath, "wb");
            ok = df && fwrite(jb, 1, jn, df) == jn;
            if (df) fclose(df);
        }
        fx_list dl;
        memset(&dl, 0, sizeof dl);
        fu_journal_diag dd;
        int done = 0, with = 0;
        if (ok && fu_journal_read(dpath, NULL, fx_collect, &dl, &dd, &e) == FU_OK)
            for (size_t i = 0; i < dl.n; i++)
                if (dl.rec[i].state == FU_RECORD_DONE) done++, with += dl.rec[i].res.block[toy] != NULL;
        CHECK(ok && done == 2 && with == 1 && dd.nbad == 1, "a damaged property record: both candidates done, one block lost, one damage reported");
        fx_list_free(&dl);
    }

    /* results file */
    fu_results res;
    memset(&res, 0, sizeof res);
    rc = fu_results_read(hpath, &res, &e);
    if (rc) fprintf(stderr, "%s\n", e.msg);
    CHECK(rc == FU_OK && res.n == 2, "the results file reads");
    size_t same = 0;
    for (size_t i = 0; !rc && i < res.n; i++)
        for (size_t k = 0; k < l.n; k++)
            same += l.rec[k].state == FU_RECORD_DONE && !strcmp(l.rec[k].id, res.rec[i].id) &&
                    res.rec[i].res.block[toy] && !fu_diff_record(&l.rec[k], &res.rec[i], 0);
    CHECK(same == 2, "results file rows equal the journal's records, toy block included");

    /* catalog (rank's vocabulary), rank expressions, ML targets */
    fu_prop_table t;
    long col = fu_prop_find("toy_volume_per_atom_angstrom3"), col2 = fu_prop_find("toy_scaled_per_atom_bohr3");
    CHECK(col >= 0 && col2 >= 0, "the catalog lists the toy's columns");
    if (!rc && col >= 0 && col2 >= 0 && fu_prop_table_build(&res, &t, &e) == FU_OK) {
        int m = 0;
        for (size_t i = 0; i < t.nrow; i++) {
            m |= matches_strain(fu_prop_num(&t, i, (size_t)col));
            CHECK_CLOSE(fu_prop_num(&t, i, (size_t)col2) * pow(FU_BOHR_ANGSTROM, 3) / 3,
                        fu_prop_num(&t, i, (size_t)col), 1e-9, "catalog: scaled column per atom = 3 x volume per atom");
        }
        CHECK(m == 3, "catalog: (s a)^3/8 angstrom^3 per atom for both strains");
        fu_rank_expr *x = NULL;
        int hits = 0;
        if (fu_rank_expr_parse("toy_volume_per_atom_angstrom3 > 19.5", &x, &e) == FU_OK) {
            for (size_t i = 0; i < t.nrow; i++) hits += fu_rank_expr_eval(x, &t, i) == 1;
            fu_rank_expr_free(x);
        }
        CHECK(hits == 1, "rank --where on the toy column selects the unstrained cell (20.01 vs 18.83)");
        fu_prop_table_free(&t);
    }
    fu_feature_table ft;
    if (!rc && fu_features_build(&res, &ft, &e) == FU_OK) {
        int found = 0;
        for (size_t k = 0; k < ft.ntarget; k++) found |= !strcmp(ft.target[k].name, "toy_volume_per_atom_angstrom3");
        CHECK(found, "export: the toy column is an ML target");
        fu_feature_table_free(&ft);
    }

    /* export with RDE: dataset.json and the RDE metadata definition name the toy column */
    char xdir[320], xpath[400];
    snprintf(xdir, sizeof xdir, "%s/export", dir);
    fu_export_opts xo = {.rde = 1};
    fu_export_report xr;
    rc = fu_export_run(hpath, xdir, &xo, &xr, &e);
    if (rc) fprintf(stderr, "%s\n", e.msg);
    snprintf(xpath, sizeof xpath, "%s/dataset.json", xdir);
    size_t nj = 0;
    FILE *jf = fopen(xpath, "rb");
    static char jtext[1 << 20];
    if (jf) nj = fread(jtext, 1, sizeof jtext - 1, jf), fclose(jf);
    jtext[nj] = 0;
    CHECK(rc == FU_OK && xr.nrow == 2 && strstr(jtext, "toy_volume_per_atom_angstrom3"),
          "export: dataset.json lists the toy column");
    snprintf(xpath, sizeof xpath, "%s/rde/rdeformat_0001.zip", xdir);
    int zerr = 0, in_rde = 0;
    zip_t *z = zip_open(xpath, ZIP_RDONLY, &zerr);
    zip_file_t *zf = z ? zip_fopen(z, "tasksupport/metadata-def.json", 0) : NULL;
    if (zf) {
        zip_int64_t got = zip_fread(zf, jtext, sizeof jtext - 1);
        jtext[got > 0 ? got : 0] = 0;
        in_rde = strstr(jtext, "toy_volume_per_atom_angstrom3") != NULL;
        zip_fclose(zf);
    }
    if (z) zip_close(z);
    CHECK(in_rde, "export: the RDE metadata definition lists the toy column");

    /* merge: the journal and its results file collapse; a different toy value conflicts */
    const char *in[2] = {jpath, hpath};
    fu_merge_report mr;
    char mpath[320];
    snprintf(mpath, sizeof mpath, "%s/merged.h5", dir);
    rc = fu_results_merge(in, 2, NULL, 0, mpath, &mr, &e);
    CHECK(rc == FU_OK && mr.ncand == 2 && mr.ncollapsed == 2 && mr.nconflicts == 0, "merge collapses the copies");
    fu_merge_report_free(&mr);
    fu_results merged;
    memset(&merged, 0, sizeof merged);
    CHECK(fu_results_read(mpath, &merged, &e) == FU_OK && merged.n == 2 && merged.rec[0].res.block[toy] &&
              !fu_diff_record(&merged.rec[0], &res.rec[0], 0),
          "the merged file keeps the toy blocks");
    fu_results_free(&merged);
    if (res.n == 2 && res.rec[0].res.block[toy]) {
        ((toy_block *)res.rec[0].res.block[toy])->scaled_cell *= 1.001;
        char cpath[320];
        snprintf(cpath, sizeof cpath, "%s/changed.h5", dir);
        CHECK(fu_results_write(cpath, &res, &e) == FU_OK, "a changed copy is written");
        const char *in2[2] = {hpath, cpath};
        rc = fu_results_merge(in2, 2, NULL, 0, NULL, &mr, &e);
        CHECK(rc == FU_EINPUT && strstr(e.msg, "scaled_cell"), "merge: a different toy value is a conflict naming its field");
        fu_merge_report_free(&mr);
    }
    fu_results_free(&res);
    fx_list_free(&l);
out:
    nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
    fu_sweep_free(&plain);
    fu_sweep_free(&off);
    fu_sweep_free(&sw);
    MPI_Finalize();
    CHECK_DONE();
}

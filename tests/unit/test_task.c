/* The farm's task message (campaign/task.h): every field set to a distinct value comes back
 * bit for bit (NaN and -0.0 included), pointers are not carried, and a damaged message (any
 * truncation, a trailing byte, another version or magic, counts out of range) is refused
 * without a crash. The struct sizes that task.c pins make a new field a build failure. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "campaign/task.h"

static int same(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

static void fill(fu_task *t, double (*xred)[3], int *typat, double (*rx)[3]) {
    memset(t, 0, sizeof *t);
    t->job_seconds_left = 123.25;
    t->time_limit = -0.0;
    t->recovery_rungs = 3;
    t->fault_nan_rungs = 2;
    memcpy(t->id, "0123456789abcdef", 17);
    fu_scf_params *p = &t->params;
    for (int i = 0; i < FU_MAX_SPECIES; i++) snprintf(p->pseudo[i], sizeof p->pseudo[i], "table:/x/%d.psp8", i);
    memset(p->pseudo[3], 'q', FU_SPEC_LEN - 1); /* the longest spec */
    p->pseudo[3][FU_SPEC_LEN - 1] = '\0';
    snprintf(p->xc, sizeof p->xc, "gga_x_pbe+gga_c_pbe");
    p->ecut = 17.125;
    for (int i = 0; i < 3; i++) p->kgrid[i] = 4 + i, p->kshift[i] = 0.5 * i, p->fft[i] = 30 + i;
    p->nband = 11;
    p->smearing = FU_SMEAR_COLD_ABINIT_MONO;
    p->smearing_order = 2;
    p->tsmear = 0.0125;
    p->use_symmetry = 1;
    p->time_reversal = 0;
    p->symprec = 1e-5;
    p->max_iterations = 77;
    p->tol_energy = 1e-11;
    p->tol_density = NAN;
    p->mixing_damping = 0.35;
    p->mixing_history = 9;
    p->kerker_k0 = -1;
    p->compute_forces = 1;
    p->compute_stress = 1;
    p->verbosity = 2;
    p->nspin = 2;
    for (int i = 0; i < FU_MAX_SPECIES; i++) p->spin_moment[i] = 0.25 * i - 1;
    p->fft_patient = 1;
    p->threads = 5;
    snprintf(p->protocol, sizeof p->protocol, "stringent");
    p->npband = 3;
    p->scalapack_min = 77;
    p->npfft = 2;
    fu_cand_tasks *k = &t->tasks;
    k->relax = 1;
    k->relax_opts.relax_cell = 1;
    k->relax_opts.pressure = 1e-4;
    k->relax_opts.max_steps = 31;
    k->relax_opts.force_tol = 2e-4;
    k->relax_opts.stress_tol = 3e-7;
    k->relax_opts.algorithm = FU_RELAX_FIRE;
    k->relax_opts.max_step = 0.2;
    k->relax_opts.h0 = 0.7;
    k->relax_opts.final_scf = 0;
    k->relax_opts.deadline = 99.5;
    k->relax_opts.log = stderr; /* pointers: not sent */
    k->bands = 1;
    k->bands_density = 20.5;
    k->eos = 1;
    k->eos_points = 9;
    k->eos_range = 0.03;
    k->block_on[1] = 1, k->block_on[FU_PROPERTY_MAX - 1] = 1;
    k->block_opts[1][0] = 2.5, k->block_opts[FU_PROPERTY_MAX - 1][FU_PROPERTY_OPTS - 1] = -0.0;
    k->block_opts[3][2] = 1e300;
    fu_structure *s = &t->structure;
    for (int i = 0; i < 9; i++) (&s->lattice[0][0])[i] = 0.1 * i + (i % 4 == 0 ? 10 : 0);
    s->nspecies = 2;
    snprintf(s->symbol[0], FU_SYMBOL_LEN, "Ga");
    snprintf(s->symbol[1], FU_SYMBOL_LEN, "As");
    s->znucl[0] = 31, s->znucl[1] = 33;
    s->natom = 3;
    s->xred = xred;
    s->typat = typat;
    for (int a = 0; a < 3; a++) {
        for (int c = 0; c < 3; c++) xred[a][c] = a * 0.25 + c * 0.01, rx[a][c] = xred[a][c] + 1e-3;
        typat[a] = a % 2;
    }
    t->relax_steps = 4;
    t->relax_fft[0] = 24, t->relax_fft[1] = 25, t->relax_fft[2] = 27;
    for (int i = 0; i < 9; i++) (&t->relax_lattice[0][0])[i] = (&s->lattice[0][0])[i] * 1.01;
    t->relax_xred = rx;
    t->neos = 3;
    for (int i = 0; i < 3; i++) t->eos_volume[i] = 270 + i, t->eos_energy[i] = -15.5 - 0.001 * i;
}

static void compare(const fu_task *a, const fu_task *b) {
    CHECK(same(a->job_seconds_left, b->job_seconds_left) && same(a->time_limit, b->time_limit) &&
              a->recovery_rungs == b->recovery_rungs && a->fault_nan_rungs == b->fault_nan_rungs &&
              !strcmp(a->id, b->id),
          "control and ID");
    const fu_scf_params *p = &a->params, *q = &b->params;
    int ok = 1;
    for (int i = 0; i < FU_MAX_SPECIES; i++) ok &= !strcmp(p->pseudo[i], q->pseudo[i]) && same(p->spin_moment[i], q->spin_moment[i]);
    for (int i = 0; i < 3; i++) ok &= p->kgrid[i] == q->kgrid[i] && same(p->kshift[i], q->kshift[i]) && p->fft[i] == q->fft[i];
    CHECK(ok, "per-species and per-direction parameters");
    CHECK(!strcmp(p->xc, q->xc) && same(p->ecut, q->ecut) && p->nband == q->nband && p->smearing == q->smearing &&
              p->smearing_order == q->smearing_order && same(p->tsmear, q->tsmear) &&
              p->use_symmetry == q->use_symmetry && p->time_reversal == q->time_reversal &&
              same(p->symprec, q->symprec) && p->max_iterations == q->max_iterations &&
              same(p->tol_energy, q->tol_energy) && same(p->tol_density, q->tol_density) &&
              same(p->mixing_damping, q->mixing_damping) && p->mixing_history == q->mixing_history &&
              same(p->kerker_k0, q->kerker_k0) && p->compute_forces == q->compute_forces &&
              p->compute_stress == q->compute_stress && p->verbosity == q->verbosity && p->nspin == q->nspin &&
              p->fft_patient == q->fft_patient && p->threads == q->threads && !strcmp(p->protocol, q->protocol) &&
              p->npband == q->npband && p->scalapack_min == q->scalapack_min &&
              p->npfft == q->npfft,
          "scalar SCF parameters (NaN tolerance and -0.0 time limit bit for bit)");
    const fu_cand_tasks *k = &a->tasks, *l = &b->tasks;
    const fu_relax_opts *r = &k->relax_opts, *u = &l->relax_opts;
    CHECK(k->relax == l->relax && r->relax_cell == u->relax_cell && same(r->pressure, u->pressure) &&
              r->max_steps == u->max_steps && same(r->force_tol, u->force_tol) && same(r->stress_tol, u->stress_tol) &&
              r->algorithm == u->algorithm && same(r->max_step, u->max_step) && same(r->h0, u->h0) &&
              r->final_scf == u->final_scf && same(r->deadline, u->deadline) && k->bands == l->bands &&
              same(k->bands_density, l->bands_density) && k->eos == l->eos && k->eos_points == l->eos_points &&
              same(k->eos_range, l->eos_range),
          "properties and relaxation options");
    int blocks_same = !memcmp(k->block_on, l->block_on, sizeof k->block_on);
    for (int i = 0; i < FU_PROPERTY_MAX; i++)
        for (int o = 0; o < FU_PROPERTY_OPTS; o++) blocks_same &= same(k->block_opts[i][o], l->block_opts[i][o]);
    CHECK(blocks_same, "block properties asked for and their options");
    CHECK(!u->log && !u->stop && !u->on_step && !u->on_step_ctx, "pointers are not carried");
    const fu_structure *s = &a->structure, *z = &b->structure;
    ok = s->natom == z->natom && s->nspecies == z->nspecies && z->xred && z->typat;
    for (int i = 0; ok && i < 9; i++) ok = same((&s->lattice[0][0])[i], (&z->lattice[0][0])[i]);
    for (int i = 0; ok && i < s->nspecies; i++) ok = !strcmp(s->symbol[i], z->symbol[i]) && s->znucl[i] == z->znucl[i];
    for (int i = 0; ok && i < s->natom; i++)
        ok = s->typat[i] == z->typat[i] && !memcmp(s->xred[i], z->xred[i], sizeof s->xred[i]);
    CHECK(ok, "structure");
    ok = a->relax_steps == b->relax_steps && !memcmp(a->relax_fft, b->relax_fft, sizeof a->relax_fft) &&
         !memcmp(a->relax_lattice, b->relax_lattice, sizeof a->relax_lattice) && b->relax_xred &&
         !memcmp(a->relax_xred, b->relax_xred, (size_t)s->natom * sizeof *a->relax_xred) && a->neos == b->neos;
    for (int i = 0; ok && i < a->neos; i++) ok = same(a->eos_volume[i], b->eos_volume[i]) && same(a->eos_energy[i], b->eos_energy[i]);
    CHECK(ok, "relaxation checkpoint and EOS points");
}

int main(void) {
    double xred[3][3], rx[3][3];
    int typat[3];
    fu_task *t = malloc(sizeof *t), *d = malloc(sizeof *d);
    if (!t || !d) return EXIT_FAILURE;
    fill(t, xred, typat, rx);
    unsigned char *buf = NULL;
    size_t len = 0;
    fu_err err = {0};
    CHECK(fu_task_encode(t, &buf, &len, &err) == FU_OK, "encode");
    CHECK(len < sizeof(fu_scf_params), "the message is smaller than the raw parameter struct it replaces");
    printf("task message: %zu bytes (fu_scf_params alone: %zu)\n", len, sizeof(fu_scf_params));
    CHECK(fu_task_decode(buf, len, d, &err) == FU_OK, "decode");
    compare(t, d);
    fu_task_free(d);

    /* without checkpoints */
    t->relax_steps = 0, t->neos = 0;
    unsigned char *b0 = NULL;
    size_t l0 = 0;
    CHECK(!fu_task_encode(t, &b0, &l0, &err) && !fu_task_decode(b0, l0, d, &err) && d->structure.natom == 3 &&
              d->relax_steps == 0 && !d->relax_xred && d->neos == 0,
          "no checkpoints");
    fu_task_free(d);
    free(b0);
    t->structure.natom = 0;
    CHECK(fu_task_encode(t, &b0, &l0, &err) == FU_EINPUT && !b0, "a structure without atoms is not a task");
    t->structure.natom = 3;

    /* damage: every truncation, a trailing byte, version, magic, counts */
    int refused = 1;
    for (size_t n = 0; n < len; n++) {
        refused &= fu_task_decode(buf, n, d, NULL) != FU_OK;
        fu_task_free(d);
    }
    CHECK(refused, "every truncated message is refused");
    unsigned char *big = malloc(len + 1);
    memcpy(big, buf, len);
    big[len] = 0;
    CHECK(fu_task_decode(big, len + 1, d, &err) != FU_OK && strstr(err.msg, "trailing"), "a trailing byte");
    fu_task_free(d);
    big[6] ^= 1;
    CHECK(fu_task_decode(big, len, d, &err) != FU_OK && strstr(err.msg, "version"), "another version");
    fu_task_free(d);
    big[6] ^= 1, big[0] = 'X';
    CHECK(fu_task_decode(big, len, d, &err) != FU_OK && strstr(err.msg, "not a furui task"), "another magic");
    fu_task_free(d);
    typat[2] = 7;
    unsigned char *bt = NULL;
    size_t lt = 0;
    CHECK(!fu_task_encode(t, &bt, &lt, &err) && fu_task_decode(bt, lt, d, &err) != FU_OK, "species index out of range");
    fu_task_free(d);
    free(bt);
    typat[2] = 0;
    t->structure.natom = -1;
    CHECK(fu_task_encode(t, &bt, &lt, &err) == FU_EINPUT && !bt, "negative atom count not encoded");
    t->structure.natom = 3, t->neos = FU_EOS_MAXPOINTS + 1;
    CHECK(fu_task_encode(t, &bt, &lt, &err) == FU_EINPUT, "too many EOS points not encoded");
    /* a huge atom count in a short message: refused before any allocation */
    memcpy(big, buf, len);
    int flipped = 0;
    for (size_t off = 8; off + 4 <= len && !flipped; off++) {
        int32_t v;
        memcpy(&v, buf + off, 4);
        if (v == 3 && off + 4 + 3 * 28 <= len) { /* natom is the first 3 followed by the atoms */
            double x;
            memcpy(&x, buf + off + 4, 8);
            if (x == 0.0) {
                int32_t huge = 1 << 21;
                memcpy(big + off, &huge, 4);
                flipped = 1;
            }
        }
    }
    CHECK(flipped && fu_task_decode(big, len, d, &err) != FU_OK, "an atom count beyond the message");
    fu_task_free(d);
    free(big);
    free(buf);
    free(t);
    free(d);
    CHECK_DONE();
}

#include "rank/catalog.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "crystal/elements.h"
#include "crystal/formula.h"
#include "crystal/molecule.h"
#include "crystal/symmetry.h"
#include "props/dos.h"
#include "props/correction.h"
#include "props/hull.h"
#include "props/property.h"

#define AMU_GRAM 1.66053906660e-24 /* CODATA 2018 */
#define ANG3_CM3 1e-24

/* The catalog's own columns in order; campaign-level properties are filled by fill_hull, the
 * others per row by fill_row. The columns of the properties (props/property.h: band path,
 * relaxation, equation of state, block properties) come from their descriptors, spliced in
 * after the column each names (build_all); P_* index this table, not the catalog. */
enum {
    P_ID, P_LABEL, P_STATE, P_FORMULA, P_FORMULA_PRETTY, P_ELEMENTS, P_NELEMENTS, P_NSITES,
    P_IS_MOLECULE, P_XC, P_SMEARING,
    P_ECUT, P_KMESH, P_SPACEGROUP, P_VOLUME, P_VOLUME_PER_ATOM, P_DENSITY, P_A, P_B, P_C,
    P_ALPHA, P_BETA, P_GAMMA, P_A_CONV, P_B_CONV, P_C_CONV, P_ENERGY_PER_ATOM, P_FORMATION,
    P_FORMATION_CORR, P_CORRECTION, P_CORRECTIONS, P_ABOVE_HULL, P_ABOVE_HULL_UNCORR, P_ABOVE_HULL_CORR,
    P_HULL_ENERGIES, P_STABLE, P_DECOMPOSITION, P_DECOMPOSITION_FORMULA, P_GAP, P_GAP_DIRECT, P_VBM, P_CBM, P_FERMI,
    P_DOS_FERMI, P_PRESSURE, P_MAX_FORCE,
    P_SPIN, P_MAGNETIZATION, P_ABS_MAGNETIZATION, P_SCF_ITERATIONS, P_ATTEMPTS, P_COUNT
};

static const fu_prop_def catalog[P_COUNT] = {
    [P_ID] = {"id", FU_PROP_TEXT, "", "candidate ID: 16 hex digits of the SHA-256 of its physics inputs",
              "候補ID（物理入力のSHA-256の先頭16桁）", 0},
    [P_LABEL] = {"label", FU_PROP_TEXT, "", "human-readable candidate name from the sweep",
                 "候補名（スイープ定義より）", 0},
    [P_STATE] = {"state", FU_PROP_TEXT, "", "final state: done, failed, invalid, queued, started",
                 "最終状態", 0},
    [P_FORMULA] = {"chemical_formula_reduced", FU_PROP_TEXT, "",
                   "reduced chemical formula, elements in alphabetical order (OPTIMADE)",
                   "組成式（既約、OPTIMADE）", 0},
    [P_FORMULA_PRETTY] = {"formula", FU_PROP_TEXT, "",
                          "reduced chemical formula as chemists write it: elements by increasing "
                          "electronegativity (pymatgen reduced_formula: SrO, CsPbI3, O2)",
                          "組成式（電気陰性度順）", 0},
    [P_ELEMENTS] = {"elements", FU_PROP_TEXT, "", "element symbols, alphabetical, comma-separated (OPTIMADE)",
                    "構成元素", 0},
    [P_NELEMENTS] = {"nelements", FU_PROP_INT, "1", "number of distinct elements (OPTIMADE)",
                     "元素数", 0},
    [P_NSITES] = {"nsites", FU_PROP_INT, "1", "atoms in the computed cell (OPTIMADE)",
                  "単位胞内の原子数", 0},
    [P_IS_MOLECULE] = {"is_molecule", FU_PROP_INT, "1",
                       "1 for a molecule in a box (no bonded network reaches its periodic image); "
                       "its solid-state properties (gap, density, lattice, EOS) are left empty",
                       "分子（箱の中）なら1", 0},
    [P_XC] = {"xc", FU_PROP_TEXT, "", "exchange-correlation functional (libxc names)",
              "交換相関汎関数", 0},
    [P_SMEARING] = {"smearing", FU_PROP_TEXT, "", "occupation smearing scheme", "スメアリング法", 0},
    [P_ECUT] = {"ecut_ev", FU_PROP_REAL, "eV", "plane-wave kinetic energy cut-off",
                "平面波カットオフエネルギー", 0},
    [P_KMESH] = {"kpoint_mesh", FU_PROP_TEXT, "", "Monkhorst-Pack divisions, e.g. 6x6x6",
                 "k点メッシュ", 0},
    [P_SPACEGROUP] = {"spacegroup_number", FU_PROP_INT, "1",
                      "international space group number of the computed structure (spglib)",
                      "空間群番号", 0},
    [P_VOLUME] = {"volume", FU_PROP_REAL, "angstrom^3", "cell volume (OPTIMADE/MP)", "単位胞体積", 0},
    [P_VOLUME_PER_ATOM] = {"volume_per_atom", FU_PROP_REAL, "angstrom^3/atom", "cell volume per atom",
                           "原子あたり体積", 0},
    [P_DENSITY] = {"density", FU_PROP_REAL, "g/cm^3", "mass density (MP)", "密度", 0},
    [P_A] = {"lattice_a", FU_PROP_REAL, "angstrom", "length of the first lattice vector",
             "格子定数a", 0},
    [P_B] = {"lattice_b", FU_PROP_REAL, "angstrom", "length of the second lattice vector",
             "格子定数b", 0},
    [P_C] = {"lattice_c", FU_PROP_REAL, "angstrom", "length of the third lattice vector",
             "格子定数c", 0},
    [P_ALPHA] = {"lattice_alpha", FU_PROP_REAL, "degree", "angle between lattice vectors b and c",
                 "格子角α", 0},
    [P_BETA] = {"lattice_beta", FU_PROP_REAL, "degree", "angle between lattice vectors a and c",
                "格子角β", 0},
    [P_GAMMA] = {"lattice_gamma", FU_PROP_REAL, "degree", "angle between lattice vectors a and b",
                 "格子角γ", 0},
    [P_A_CONV] = {"lattice_a_conventional", FU_PROP_REAL, "angstrom",
                  "a of the conventional standard cell (International Tables setting, spglib): "
                  "the cubic a of an fcc primitive cell",
                  "慣用単位胞の格子定数a", 0},
    [P_B_CONV] = {"lattice_b_conventional", FU_PROP_REAL, "angstrom",
                  "b of the conventional standard cell", "慣用単位胞の格子定数b", 0},
    [P_C_CONV] = {"lattice_c_conventional", FU_PROP_REAL, "angstrom",
                  "c of the conventional standard cell", "慣用単位胞の格子定数c", 0},
    [P_ENERGY_PER_ATOM] = {"energy_per_atom_ev", FU_PROP_REAL, "eV/atom",
                           "DFT total (free) energy per atom; comparable only within one settings group",
                           "原子あたり全エネルギー", 1},
    [P_FORMATION] = {"formation_energy_ev_per_atom", FU_PROP_REAL, "eV/atom",
                     "formation energy per atom against the campaign's elemental references",
                     "原子あたり生成エネルギー", 1},
    [P_FORMATION_CORR] = {"formation_energy_corrected_ev_per_atom", FU_PROP_REAL, "eV/atom",
                          "formation energy per atom with the fitted anion corrections of the group's "
                          "settings (props/correction.h; empty when none apply, the note says why)",
                          "補正後の原子あたり生成エネルギー", 1},
    [P_CORRECTION] = {"energy_correction_ev_per_atom", FU_PROP_REAL, "eV/atom",
                      "fitted correction added to the energy per atom (0: no corrected anion)",
                      "原子あたりエネルギー補正", 1},
    [P_CORRECTIONS] = {"corrections", FU_PROP_TEXT, "",
                       "name of the fitted correction set applied (validation/formation/corrections.json)",
                       "適用した補正セット", 0},
    [P_ABOVE_HULL] = {"e_above_hull_ev_per_atom", FU_PROP_REAL, "eV/atom",
                      "energy above the convex hull of the campaign, from the energies named in hull_energies",
                      "凸包からのエネルギー", 1},
    [P_ABOVE_HULL_UNCORR] = {"e_above_hull_uncorrected_ev_per_atom", FU_PROP_REAL, "eV/atom",
                             "energy above the hull of the uncorrected energies", "凸包からのエネルギー（補正なし）",
                             1},
    [P_ABOVE_HULL_CORR] = {"e_above_hull_corrected_ev_per_atom", FU_PROP_REAL, "eV/atom",
                           "energy above the hull of the corrected energies", "凸包からのエネルギー（補正後）", 1},
    [P_HULL_ENERGIES] = {"hull_energies", FU_PROP_TEXT, "",
                         "corrected or uncorrected: the energies of e_above_hull_ev_per_atom, is_stable and "
                         "the decomposition (furui rank/export --hull)",
                         "凸包に用いたエネルギー（補正の有無）", 0},
    [P_STABLE] = {"is_stable", FU_PROP_INT, "1", "1 if the candidate is a vertex of the convex hull",
                  "凸包上の安定相なら1", 1},
    [P_DECOMPOSITION] = {"decomposition", FU_PROP_TEXT, "",
                         "hull decomposition products as ID:atomic fraction;...",
                         "分解生成物（ID:原子分率）", 1},
    [P_DECOMPOSITION_FORMULA] = {"decomposition_formula", FU_PROP_TEXT, "",
                                 "hull decomposition as formulas with atomic fractions, "
                                 "\"0.5 Li2O + 0.5 Li2O2\" (the candidate's own formula if stable)",
                                 "分解生成物（組成式と原子分率）", 1},
    [P_GAP] = {"band_gap_ev", FU_PROP_REAL, "eV", "band gap on the SCF k-mesh (0 for metals)",
               "バンドギャップ", 1},
    [P_GAP_DIRECT] = {"band_gap_direct", FU_PROP_INT, "1", "1 if valence maximum and conduction minimum share a k-point",
                      "直接遷移型なら1", 1},
    [P_VBM] = {"vbm_ev", FU_PROP_REAL, "eV", "highest occupied eigenvalue (absolute, code-specific reference)",
               "価電子帯上端", 1},
    [P_CBM] = {"cbm_ev", FU_PROP_REAL, "eV", "lowest unoccupied eigenvalue (absolute, code-specific reference)",
               "伝導帯下端", 1},
    [P_FERMI] = {"fermi_level_ev", FU_PROP_REAL, "eV", "Fermi level (absolute, code-specific reference)",
                 "フェルミ準位", 1},
    [P_DOS_FERMI] = {"dos_at_fermi_states_per_ev", FU_PROP_REAL, "states/eV/cell",
                     "density of states at the Fermi level, both spins, Gaussian broadening 0.005 Ha "
                     "(smeared runs only)",
                     "フェルミ準位の状態密度", 1},
    [P_PRESSURE] = {"pressure_gpa", FU_PROP_REAL, "GPa", "pressure -tr(stress)/3 of the computed structure",
                    "圧力", 1},
    [P_MAX_FORCE] = {"max_force_ev_per_angstrom", FU_PROP_REAL, "eV/angstrom",
                     "largest atomic force magnitude", "最大原子間力", 1},
    [P_SPIN] = {"spin_polarized", FU_PROP_INT, "1", "1 if computed with collinear spin polarisation",
                "スピン分極計算なら1", 0},
    [P_MAGNETIZATION] = {"total_magnetization", FU_PROP_REAL, "mu_B",
                         "total magnetic moment per cell (MP); 0 when not spin-polarised", "全磁化（単位胞あたり）",
                         1},
    [P_ABS_MAGNETIZATION] = {"absolute_magnetization", FU_PROP_REAL, "mu_B",
                             "integral of |m(r)| over the cell", "絶対磁化（単位胞あたり）", 1},
    [P_SCF_ITERATIONS] = {"scf_iterations", FU_PROP_INT, "1", "SCF iterations of the final run",
                          "SCF反復回数", 0},
    [P_ATTEMPTS] = {"attempts", FU_PROP_INT, "1", "runs of the candidate, resumes included",
                    "計算試行回数", 0},
};

/* The catalog: the own columns above with each property's columns after the column it names
 * (catalog_after), and those naming none at the end; rebuilt when the registry has grown. */
#define MAX_COLS (P_COUNT + FU_PROPERTY_MAX * FU_PROPERTY_COLUMNS)
static fu_prop_def all[MAX_COLS];
static struct {
    long prop;     /* registry index; -1: an own column */
    size_t column; /* index into its columns */
} all_src[MAX_COLS];
static size_t pos[P_COUNT]; /* own column -> catalog index */
static size_t nall, all_nreg;

static void add_columns(const fu_property *p, size_t pi) {
    for (size_t k = 0; k < p->ncolumns && nall < MAX_COLS; k++) {
        const fu_property_column *c = &p->columns[k];
        all[nall] = (fu_prop_def){c->name, c->text ? FU_PROP_TEXT : c->integer ? FU_PROP_INT : FU_PROP_REAL, c->unit,
                                  c->description, c->description_ja, c->target};
        all_src[nall].prop = (long)pi;
        all_src[nall++].column = k;
    }
}

static void build_all(void) {
    size_t nreg;
    const fu_property *const *reg = fu_property_registry(&nreg);
    if (nall && all_nreg == nreg) return;
    nall = 0;
    for (size_t k = 0; k < P_COUNT; k++) {
        all_src[nall].prop = -1;
        pos[k] = nall;
        all[nall++] = catalog[k];
        for (size_t p = 0; p < nreg; p++)
            if (reg[p]->catalog_after && strcmp(reg[p]->catalog_after, catalog[k].name) == 0) add_columns(reg[p], p);
    }
    for (size_t p = 0; p < nreg; p++)
        if (!reg[p]->catalog_after) add_columns(reg[p], p);
    all_nreg = nreg;
}

const fu_prop_def *fu_prop_catalog(size_t *n) {
    build_all();
    *n = nall;
    return all;
}

long fu_prop_find(const char *name) {
    build_all();
    for (size_t i = 0; i < nall; i++)
        if (strcmp(all[i].name, name) == 0) return (long)i;
    return -1;
}

void fu_prop_table_free(fu_prop_table *t) {
    if (t->text)
        for (size_t i = 0; i < t->nrow * t->nprop; i++) free(t->text[i]);
    if (t->note)
        for (size_t i = 0; i < t->nrow; i++) free(t->note[i]);
    free(t->num);
    free(t->text);
    free(t->note);
    memset(t, 0, sizeof *t);
}

static int set_text_col(fu_prop_table *t, size_t row, size_t col, const char *s, fu_err *err) {
    char **slot = &t->text[row * t->nprop + col];
    free(*slot);
    *slot = strdup(s ? s : "");
    return *slot ? FU_OK : fu_fail(err, FU_ENOMEM, "out of memory building the property table");
}

/* p: an own column (P_*) */
static int set_text(fu_prop_table *t, size_t row, int p, const char *s, fu_err *err) {
    return set_text_col(t, row, pos[p], s, err);
}
static void set_num(fu_prop_table *t, size_t row, int p, double v) { t->num[row * t->nprop + pos[p]] = v; }

static double norm3(const double v[3]) { return sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]); }

static double angle_deg(const double u[3], const double v[3]) {
    double c = (u[0] * v[0] + u[1] * v[1] + u[2] * v[2]) / (norm3(u) * norm3(v));
    return acos(fmax(-1.0, fmin(1.0, c))) * 180.0 / FU_PI;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Everything computable from one record alone. */

/* Conventional lattice constants and is_molecule from the stored structure;
 * a molecule's solid-state properties are left empty, so that a filter on a
 * gap or a density never selects a gas. Best effort: a structure spglib or
 * the bond search cannot handle leaves the columns empty. */
/* The stored structure of r as a fu_structure (species by atomic number);
 * 0 if it has none or cannot be represented. */
static int record_structure(const fu_cand_result *r, fu_structure *s) {
    if (r->natom < 1 || !r->xred || !r->atomic_number) return 0;
    fu_err e = {0};
    if (fu_structure_alloc(s, r->natom, &e)) return 0;
    memcpy(s->lattice, r->lattice, sizeof s->lattice);
    int ok = 1;
    for (int a = 0; a < r->natom && ok; a++) {
        int z = r->atomic_number[a], sp = 0;
        while (sp < s->nspecies && s->znucl[sp] != z) sp++;
        if (sp == s->nspecies) {
            if (sp == FU_MAX_SPECIES || !fu_element_symbol(z)) {
                ok = 0;
                break;
            }
            s->znucl[sp] = z;
            snprintf(s->symbol[sp], FU_SYMBOL_LEN, "%s", fu_element_symbol(z));
            s->nspecies++;
        }
        memcpy(s->xred[a], r->xred[a], sizeof s->xred[a]);
        s->typat[a] = sp;
    }
    if (!ok) fu_structure_free(s);
    return ok;
}

int fu_prop_record_is_molecule(const fu_cand_result *r) {
    fu_structure s;
    if (!record_structure(r, &s)) return 0;
    int mol = fu_molecule_is_finite(&s);
    fu_structure_free(&s);
    return mol;
}

static int structure_props(fu_prop_table *t, size_t i, const fu_cand_result *r) {
    fu_structure s;
    fu_err e = {0};
    if (!record_structure(r, &s)) return FU_OK;
    int mol = fu_molecule_is_finite(&s);
    set_num(t, i, P_IS_MOLECULE, mol);
    double abc[3], ang[3];
    /* 0.01 Å, pymatgen's default symprec */
    if (!mol && !fu_symmetry_conventional(&s, 0.01 / FU_BOHR_ANGSTROM, abc, ang, &e)) {
        set_num(t, i, P_A_CONV, abc[0] * FU_BOHR_ANGSTROM);
        set_num(t, i, P_B_CONV, abc[1] * FU_BOHR_ANGSTROM);
        set_num(t, i, P_C_CONV, abc[2] * FU_BOHR_ANGSTROM);
    }
    if (mol) {
        static const int solid[] = {P_VOLUME, P_VOLUME_PER_ATOM, P_DENSITY, P_A, P_B, P_C,
                                    P_ALPHA, P_BETA, P_GAMMA, P_GAP, P_GAP_DIRECT,
                                    P_DOS_FERMI, P_PRESSURE};
        for (size_t k = 0; k < sizeof solid / sizeof solid[0]; k++) set_num(t, i, solid[k], NAN);
        size_t nreg;
        const fu_property *const *reg = fu_property_registry(&nreg);
        for (size_t col = 0; col < t->nprop; col++)
            if (all_src[col].prop >= 0 && reg[all_src[col].prop]->columns[all_src[col].column].solid)
                t->num[i * t->nprop + col] = NAN;
    }
    fu_structure_free(&s);
    return FU_OK;
}

/* The columns of the properties: where the property was computed (or always), its value
 * function or field times scale (per atom if asked); text columns through their function. */
static int prop_columns(fu_prop_table *t, size_t i, const fu_cand_result *r, fu_err *err) {
    size_t nreg;
    const fu_property *const *reg = fu_property_registry(&nreg);
    for (size_t col = 0; col < t->nprop; col++) {
        if (all_src[col].prop < 0) continue;
        size_t pi = (size_t)all_src[col].prop;
        const fu_property *p = reg[pi];
        const fu_property_column *c = &p->columns[all_src[col].column];
        if (!c->always && !fu_property_present(p, pi, r)) continue;
        if (c->text) {
            char buf[256];
            c->text(r, buf, sizeof buf);
            int rc = set_text_col(t, i, col, buf, err);
            if (rc) return rc;
            continue;
        }
        const void *d = fu_property_data(p, pi, r);
        double v;
        if (c->value) v = c->value(r);
        else if (!d || (c->per_atom && r->natom < 1)) continue;
        else {
            v = fu_property_value(&p->fields[c->field], d, 0) * c->scale;
            if (c->per_atom) v /= r->natom;
        }
        t->num[i * t->nprop + col] = v;
    }
    return FU_OK;
}

static int fill_row(fu_prop_table *t, size_t i, const fu_record *rec, fu_err *err) {
    int rc = set_text(t, i, P_ID, rec->id, err);
    if (!rc) rc = set_text(t, i, P_LABEL, rec->label, err);
    if (!rc) rc = set_text(t, i, P_STATE, fu_record_state_name(rec->state), err);
    if (rc) return rc;
    set_num(t, i, P_ATTEMPTS, rec->attempt);
    /* done rows, and queued rows that carry their as-given structure (furui featurize) */
    if (!rec->have_result || (rec->state != FU_RECORD_DONE && rec->state != FU_RECORD_QUEUED)) return FU_OK;
    const fu_cand_result *r = &rec->res;

    /* composition from the per-atom atomic numbers */
    int count[FU_MAX_Z + 1] = {0};
    for (int a = 0; a < r->natom; a++)
        if (r->atomic_number[a] > 0 && r->atomic_number[a] <= FU_MAX_Z) count[r->atomic_number[a]]++;
    const char *sym[FU_MAX_Z + 1];
    int nel = 0;
    double mass = 0;
    for (int z = 1; z <= FU_MAX_Z; z++)
        if (count[z]) {
            sym[nel++] = fu_element_symbol(z);
            mass += count[z] * fu_element_mass(z);
        }
    qsort(sym, (size_t)nel, sizeof sym[0], cmp_str);
    char elements[4 * (FU_MAX_Z + 1)] = "";
    for (int k = 0; k < nel; k++) {
        if (k) strcat(elements, ",");
        strcat(elements, sym[k]);
    }
    char kmesh[64];
    snprintf(kmesh, sizeof kmesh, "%dx%dx%d", r->kgrid[0], r->kgrid[1], r->kgrid[2]);
    char pretty[256];
    fu_formula_pretty(count, pretty, sizeof pretty);
    rc = set_text(t, i, P_FORMULA, r->formula, err);
    if (!rc) rc = set_text(t, i, P_FORMULA_PRETTY, pretty, err);
    if (!rc) rc = set_text(t, i, P_ELEMENTS, elements, err);
    if (!rc) rc = set_text(t, i, P_XC, r->xc, err);
    if (!rc) rc = set_text(t, i, P_SMEARING, r->smearing, err);
    if (!rc) rc = set_text(t, i, P_KMESH, kmesh, err);
    if (rc) return rc;

    const double b3 = FU_BOHR_ANGSTROM * FU_BOHR_ANGSTROM * FU_BOHR_ANGSTROM;
    double vol = r->volume * b3;
    set_num(t, i, P_NELEMENTS, nel);
    set_num(t, i, P_NSITES, r->natom);
    set_num(t, i, P_ECUT, r->ecut * FU_HA_EV);
    set_num(t, i, P_SPACEGROUP, r->spacegroup);
    set_num(t, i, P_VOLUME, vol);
    set_num(t, i, P_VOLUME_PER_ATOM, r->natom > 0 ? vol / r->natom : NAN);
    set_num(t, i, P_DENSITY, mass * AMU_GRAM / (vol * ANG3_CM3));
    set_num(t, i, P_A, norm3(r->lattice[0]) * FU_BOHR_ANGSTROM);
    set_num(t, i, P_B, norm3(r->lattice[1]) * FU_BOHR_ANGSTROM);
    set_num(t, i, P_C, norm3(r->lattice[2]) * FU_BOHR_ANGSTROM);
    set_num(t, i, P_ALPHA, angle_deg(r->lattice[1], r->lattice[2]));
    set_num(t, i, P_BETA, angle_deg(r->lattice[0], r->lattice[2]));
    set_num(t, i, P_GAMMA, angle_deg(r->lattice[0], r->lattice[1]));
    set_num(t, i, P_ENERGY_PER_ATOM, r->natom > 0 ? r->etotal * FU_HA_EV / r->natom : NAN);
    set_num(t, i, P_GAP, r->gap * FU_HA_EV);
    set_num(t, i, P_GAP_DIRECT, r->gap_direct);
    set_num(t, i, P_VBM, r->vbm * FU_HA_EV);
    set_num(t, i, P_CBM, r->cbm * FU_HA_EV);
    set_num(t, i, P_FERMI, r->efermi * FU_HA_EV);
    if (r->have_stress)
        set_num(t, i, P_PRESSURE,
                -(r->stress[0][0] + r->stress[1][1] + r->stress[2][2]) / 3.0 * FU_HA_BOHR3_GPA);
    if (r->have_forces && r->forces) {
        double fbig = 0;
        for (int a = 0; a < r->natom; a++) fbig = fmax(fbig, norm3(r->forces[a]));
        set_num(t, i, P_MAX_FORCE, fbig * FU_HA_EV / FU_BOHR_ANGSTROM);
    }
    int nspin = fu_cand_nspin(r);
    if (r->smearing && strcmp(r->smearing, "none") != 0 && r->eig && r->nk > 0)
        set_num(t, i, P_DOS_FERMI,
                fu_dos_at(nspin, r->nk, r->nband, r->eig, r->kweight, FU_DOS_SIGMA_DEFAULT, r->efermi) / FU_HA_EV);
    set_num(t, i, P_SPIN, nspin == 2);
    set_num(t, i, P_MAGNETIZATION, nspin == 2 ? r->magnetization : 0.0);
    set_num(t, i, P_ABS_MAGNETIZATION, nspin == 2 ? r->abs_magnetization : 0.0);
    set_num(t, i, P_SCF_ITERATIONS, r->iterations);
    rc = prop_columns(t, i, r, err);
    return rc ? rc : structure_props(t, i, r);
}

/* Settings under which energies are comparable: one hull per group. The
 * pseudopotentials are matched per element (psp_compatible), since a
 * compound and its elements use different sets. */
static int settings_key(const fu_cand_result *r, char *key, size_t len) {
    int n = snprintf(key, len, "%s|%.17g|%s|%.17g", r->xc ? r->xc : "", r->ecut,
                     r->smearing ? r->smearing : "", r->tsmear);
    return n > 0 && (size_t)n < len;
}

/* 1 if every species of r has the pseudopotential psp[Z] of its element
 * (or none recorded yet); with add, records r's. */
static int psp_compatible(const fu_cand_result *r, char (*psp)[65], int add) {
    for (int sp = 0; sp < r->nspecies; sp++) {
        int z = fu_element_z(r->species[sp]);
        if (z <= 0 || z > FU_MAX_Z) continue;
        if (!add && psp[z][0] && strcmp(psp[z], r->psp_sha256[sp]) != 0) return 0;
        if (add) memcpy(psp[z], r->psp_sha256[sp], 65);
    }
    return 1;
}

static int set_note(fu_prop_table *t, size_t row, const char *msg, fu_err *err) {
    free(t->note[row]);
    t->note[row] = strdup(msg);
    return t->note[row] ? FU_OK : fu_fail(err, FU_ENOMEM, "out of memory building the property table");
}

/* "0.5 Li2O + 0.5 Li2O2": the products' formulas (the formula column) with
 * their atomic fractions (%.4g), in the hull's order. */
static int decomposition_formula(fu_prop_table *t, const fu_hull *h, const size_t *ent_row, int k,
                                 fu_err *err) {
    size_t cap = 64, used = 0;
    char *buf = malloc(cap);
    if (!buf) return fu_fail(err, FU_ENOMEM, "out of memory for a decomposition");
    buf[0] = 0;
    int single = h->decomp_off[k + 1] - h->decomp_off[k] == 1;
    for (int d = h->decomp_off[k]; d < h->decomp_off[k + 1]; d++) {
        const char *f = t->text[ent_row[h->decomp_idx[d]] * t->nprop + pos[P_FORMULA_PRETTY]];
        char item[320];
        int w = single ? snprintf(item, sizeof item, "%s", f ? f : "?")
                       : snprintf(item, sizeof item, "%s%.4g %s", d > h->decomp_off[k] ? " + " : "",
                                  h->decomp_frac[d], f ? f : "?");
        if (w < 0) continue;
        if (used + (size_t)w + 1 > cap) {
            while (used + (size_t)w + 1 > cap) cap *= 2;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                return fu_fail(err, FU_ENOMEM, "out of memory for a decomposition");
            }
            buf = nb;
        }
        memcpy(buf + used, item, (size_t)w + 1);
        used += (size_t)w;
    }
    int rc = set_text(t, ent_row[k], P_DECOMPOSITION_FORMULA, buf, err);
    free(buf);
    return rc;
}

static int append_note(fu_prop_table *t, size_t row, const char *msg, fu_err *err) {
    const char *old = t->note[row] ? t->note[row] : "";
    char *buf = malloc(strlen(old) + strlen(msg) + 3);
    if (!buf) return fu_fail(err, FU_ENOMEM, "out of memory building the property table");
    sprintf(buf, "%s%s%s", old, old[0] ? "; " : "", msg);
    free(t->note[row]);
    t->note[row] = buf;
    return FU_OK;
}

/* Hull distance, stability and decomposition of the entries of h into the
 * columns of the selected hull. */
static int hull_columns(fu_prop_table *t, const fu_hull *h, const fu_hull_entry *ent, const size_t *ent_row,
                        int m, const char *which, fu_err *err) {
    int rc = FU_OK;
    for (int k = 0; k < m && !rc; k++) {
        size_t row = ent_row[k];
        set_num(t, row, P_ABOVE_HULL, fu_hull_e_above_hull_ev(h, k));
        set_num(t, row, P_STABLE, h->stable[k]);
        int need = fu_hull_decomp_string(h, ent, k, NULL, 0);
        char *buf = malloc((size_t)need + 1);
        if (!buf) return fu_fail(err, FU_ENOMEM, "out of memory for a decomposition");
        fu_hull_decomp_string(h, ent, k, buf, need + 1);
        rc = set_text(t, row, P_DECOMPOSITION, buf, err);
        free(buf);
        if (!rc) rc = decomposition_formula(t, h, ent_row, k, err);
        if (!rc) rc = set_text(t, row, P_HULL_ENERGIES, which, err);
    }
    return rc;
}

/* The correction set whose key the group's settings match (NULL and the
 * reason in why if none): the first row's settings (the group shares them)
 * and the pseudopotential of every element of the group. */
static const fu_correction_set *group_corrections(const fu_results *res, const size_t *rows, size_t n,
                                                  const fu_prop_options *o, char *why, size_t len) {
    int z[FU_MAX_Z + 1], nel = 0;
    const char *sha[FU_MAX_Z + 1];
    char seen[FU_MAX_Z + 1] = {0};
    for (size_t k = 0; k < n; k++) {
        const fu_cand_result *r = &res->rec[rows[k]].res;
        for (int sp = 0; sp < r->nspecies; sp++) {
            int zz = fu_element_z(r->species[sp]);
            if (zz <= 0 || zz > FU_MAX_Z || seen[zz]) continue;
            seen[zz] = 1;
            z[nel] = zz;
            sha[nel++] = r->psp_sha256[sp];
        }
    }
    const fu_cand_result *r0 = &res->rec[rows[0]].res;
    return fu_correction_find(o->sets, o->nsets, r0->xc, r0->ecut, r0->smearing, r0->tsmear, nel, z, sha, why,
                              len);
}

/* Formation energy, hull distance and decomposition of the done rows in
 * `rows` (one settings group): from the uncorrected energies, and from the
 * corrected ones when a stored correction set matches the group; the hull
 * columns from the ones o->hull selects. */
static int fill_hull_group(fu_prop_table *t, const fu_results *res, const size_t *rows, size_t n,
                           const fu_prop_options *o, fu_err *err) {
    fu_hull_entry *ent = calloc(n ? n : 1, sizeof *ent), *cent = calloc(n ? n : 1, sizeof *cent);
    size_t *ent_row = calloc(n ? n : 1, sizeof *ent_row), *cent_row = calloc(n ? n : 1, sizeof *cent_row);
    int rc = (!ent || !ent_row || !cent || !cent_row) ? fu_fail(err, FU_ENOMEM, "out of memory for the hull")
                                                       : FU_OK;
    char why[512] = "";
    const fu_correction_set *set = rc || !n ? NULL : group_corrections(res, rows, n, o, why, sizeof why);
    /* elements that have a pure candidate in this group */
    char has_pure[FU_MAX_Z + 1] = {0};
    for (size_t k = 0; k < n && !rc; k++) {
        const fu_cand_result *r = &res->rec[rows[k]].res;
        int z0 = r->natom ? r->atomic_number[0] : 0, pure = r->natom > 0;
        for (int a = 1; a < r->natom; a++) pure &= r->atomic_number[a] == z0;
        if (pure && z0 > 0 && z0 <= FU_MAX_Z) has_pure[z0] = 1;
    }
    int m = 0, mc = 0;
    for (size_t k = 0; k < n && !rc; k++) {
        const fu_record *rec = &res->rec[rows[k]];
        const fu_cand_result *r = &rec->res;
        double amount[FU_MAX_Z + 1] = {0};
        int count[FU_MAX_Z + 1] = {0};
        int missing = 0;
        for (int a = 0; a < r->natom; a++) {
            int z = r->atomic_number[a];
            if (z <= 0 || z > FU_MAX_Z) continue;
            amount[z] += 1;
            count[z]++;
            if (!has_pure[z] && !missing) missing = z;
        }
        if (missing) {
            char msg[160];
            snprintf(msg, sizeof msg,
                     "no elemental reference for %s: add a pure-%s candidate with the same settings",
                     fu_element_symbol(missing), fu_element_symbol(missing));
            rc = set_note(t, rows[k], msg, err);
            continue;
        }
        rc = fu_hull_entry_from_amounts(&ent[m], rec->id, amount, r->etotal, err);
        ent_row[m++] = rows[k];
        if (rc || !set) continue;
        fu_structure s;
        const char *ox = NULL;
        if (count[8] && record_structure(r, &s)) {
            ox = fu_correction_oxide_type(&s);
            fu_structure_free(&s);
        }
        double corr = 0;
        char cwhy[512];
        if (fu_correction_energy(set, count, ox, &corr, cwhy, sizeof cwhy)) {
            rc = append_note(t, rows[k], cwhy, err);
            continue;
        }
        set_num(t, rows[k], P_CORRECTION, corr / r->natom);
        rc = set_text(t, rows[k], P_CORRECTIONS, set->name, err);
        if (!rc) rc = fu_hull_entry_from_amounts(&cent[mc], rec->id, amount, r->etotal + corr / FU_HA_EV, err);
        cent_row[mc++] = rows[k];
    }
    if (!rc && !set && why[0])
        for (int k = 0; k < m && !rc; k++) {
            char msg[600];
            snprintf(msg, sizeof msg, "no corrections: %s", why);
            rc = append_note(t, ent_row[k], msg, err);
        }
    fu_hull h, hc;
    memset(&h, 0, sizeof h);
    memset(&hc, 0, sizeof hc);
    int have_h = 0, have_hc = 0;
    if (!rc && m > 0) rc = fu_hull_compute(ent, m, NULL, 0, &h, err), have_h = !rc;
    if (!rc && mc > 0) rc = fu_hull_compute(cent, mc, NULL, 0, &hc, err), have_hc = !rc;
    for (int k = 0; k < m && !rc; k++) {
        set_num(t, ent_row[k], P_FORMATION, fu_hull_e_form_ev(&h, k));
        set_num(t, ent_row[k], P_ABOVE_HULL_UNCORR, fu_hull_e_above_hull_ev(&h, k));
    }
    for (int k = 0; k < mc && !rc; k++) {
        set_num(t, cent_row[k], P_FORMATION_CORR, fu_hull_e_form_ev(&hc, k));
        set_num(t, cent_row[k], P_ABOVE_HULL_CORR, fu_hull_e_above_hull_ev(&hc, k));
    }
    int corrected = o->hull == FU_HULL_CORRECTED || (o->hull == FU_HULL_AUTO && set);
    if (!rc && corrected && have_hc) rc = hull_columns(t, &hc, cent, cent_row, mc, "corrected", err);
    else if (!rc && !corrected && have_h) rc = hull_columns(t, &h, ent, ent_row, m, "uncorrected", err);
    if (have_h) fu_hull_free(&h);
    if (have_hc) fu_hull_free(&hc);
    free(ent);
    free(ent_row);
    free(cent);
    free(cent_row);
    return rc;
}

static int fill_hull(fu_prop_table *t, const fu_results *r, const fu_prop_options *o, fu_err *err) {
    size_t n = r->n;
    char (*key)[2048] = calloc(n ? n : 1, sizeof *key);
    unsigned char *used = calloc(n ? n : 1, 1);
    size_t *rows = calloc(n ? n : 1, sizeof *rows);
    int rc = (!key || !used || !rows) ? fu_fail(err, FU_ENOMEM, "out of memory for the hull") : FU_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        const fu_record *rec = &r->rec[i];
        if (rec->state != FU_RECORD_DONE || !rec->have_result || !isfinite(rec->res.etotal)) {
            used[i] = 1;
            continue;
        }
        if (!settings_key(&rec->res, key[i], sizeof key[i]))
            rc = fu_fail(err, FU_EINTERNAL, "candidate %s: settings key too long", rec->id);
    }
    char (*psp)[65] = rc ? NULL : malloc((FU_MAX_Z + 1) * sizeof *psp);
    if (!rc && !psp) rc = fu_fail(err, FU_ENOMEM, "out of memory for the hull");
    for (size_t i = 0; i < n && !rc; i++) {
        if (used[i]) continue;
        size_t m = 0;
        memset(psp, 0, (FU_MAX_Z + 1) * sizeof *psp);
        for (size_t j = i; j < n; j++)
            if (!used[j] && strcmp(key[i], key[j]) == 0 && psp_compatible(&r->rec[j].res, psp, 0)) {
                psp_compatible(&r->rec[j].res, psp, 1);
                rows[m++] = j;
                used[j] = 1;
            }
        rc = fill_hull_group(t, r, rows, m, o, err);
    }
    free(psp);
    free(key);
    free(used);
    free(rows);
    return rc;
}

int fu_prop_hull_parse(const char *s, fu_hull_energies *out) {
    static const char *names[] = {"auto", "corrected", "uncorrected"};
    for (int i = 0; i < 3; i++)
        if (s && strcmp(s, names[i]) == 0) {
            *out = (fu_hull_energies)i;
            return 0;
        }
    return -1;
}

int fu_prop_table_build(const fu_results *r, fu_prop_table *t, fu_err *err) {
    return fu_prop_table_build_opts(r, NULL, t, err);
}

int fu_prop_table_build_opts(const fu_results *r, const fu_prop_options *opts, fu_prop_table *t, fu_err *err) {
    fu_prop_options o = {FU_HULL_AUTO, NULL, 0, 0};
    if (opts) o = *opts;
    if (!o.own_sets) o.sets = fu_correction_data_sets(&o.nsets);
    memset(t, 0, sizeof *t);
    size_t n = r->n, ncol;
    const fu_prop_def *cat = fu_prop_catalog(&ncol);
    t->nrow = n;
    t->nprop = ncol;
    t->num = malloc(sizeof(double) * (n ? n : 1) * ncol);
    t->text = calloc((n ? n : 1) * ncol, sizeof(char *));
    t->note = calloc(n ? n : 1, sizeof(char *));
    if (!t->num || !t->text || !t->note) {
        fu_prop_table_free(t);
        return fu_fail(err, FU_ENOMEM, "out of memory for a property table of %zu rows", n);
    }
    for (size_t i = 0; i < n * ncol; i++) t->num[i] = cat[i % ncol].kind == FU_PROP_TEXT ? 0 : NAN;
    int rc = FU_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        rc = set_note(t, i, "", err);
        if (!rc) rc = fill_row(t, i, &r->rec[i], err);
        if (rc) fu_err_prefix(err, "candidate %s", r->rec[i].id);
    }
    /* text columns never hold NULL, so consumers need no checks */
    for (size_t i = 0; i < n * ncol && !rc; i++)
        if (cat[i % ncol].kind == FU_PROP_TEXT && !t->text[i]) rc = set_text_col(t, i / ncol, i % ncol, "", err);
    if (!rc) rc = fill_hull(t, r, &o, err);
    if (rc) fu_prop_table_free(t);
    return rc;
}

/* UPF v2 norm-conserving pseudopotentials (Quantum ESPRESSO's Unified
 * Pseudopotential Format), read with libxml2: a well-kept XML parser with
 * entity-expansion and nesting limits on by default, which matters for files
 * from anywhere. UPF values are in Rydberg: V_loc and D_ij are halved here;
 * PP_BETA holds r β (its units cancel in β D β), PP_NLCC ρ_c(r) and
 * PP_RHOATOM 4π r² ρ_val(r). */
#include <ctype.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/hash.h"
#include "core/units.h"
#include "crystal/elements.h"
#include "dft/psp.h"
#include "dft/psp_radial.h"

#define UPF_QMAX 30.0    /* as for psp8 files (psp.c RADIAL_QMAX) */
#define MESH_MAX 100000

static const xmlNode *child(const xmlNode *n, const char *name) {
    for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0) return c;
    return NULL;
}

/* Attribute value with surrounding blanks removed, into buf; NULL if absent. */
static const char *attr(const xmlNode *n, const char *name, char *buf, size_t cap) {
    xmlChar *v = n ? xmlGetProp((xmlNode *)n, (const xmlChar *)name) : NULL;
    if (!v) return NULL;
    const char *s = (const char *)v;
    while (isspace((unsigned char)*s)) s++;
    snprintf(buf, cap, "%s", s);
    xmlFree(v);
    size_t k = strlen(buf);
    while (k && isspace((unsigned char)buf[k - 1])) buf[--k] = '\0';
    return buf;
}

static int truthy(const char *v) {
    return v && (v[0] == 'T' || v[0] == 't' || v[0] == '.' || strcasecmp(v, "true") == 0) &&
           strcasecmp(v, ".false.") != 0;
}

/* Reads up to n numbers of element `node` into out; fewer is an error
 * unless allow_short (then the rest stays 0). */
static int numbers(const xmlNode *node, const char *origin, const char *tag, double *out, int n,
                   int allow_short, fu_err *err) {
    if (!node) return fu_fail(err, FU_EINPUT, "%s: %s: element missing", origin, tag);
    xmlChar *txt = xmlNodeGetContent((xmlNode *)node);
    if (!txt) return fu_fail(err, FU_ENOMEM, "%s: %s: out of memory", origin, tag);
    char *s = (char *)txt;
    int k = 0, rc = FU_OK;
    for (; k < n; k++) {
        while (isspace((unsigned char)*s)) s++;
        if (!*s) break;
        char tok[64];
        size_t m = 0;
        while (*s && !isspace((unsigned char)*s) && m + 1 < sizeof tok) {
            char c = *s++;
            tok[m++] = (c == 'd' || c == 'D') ? 'e' : c;
        }
        tok[m] = '\0';
        char *end;
        double v = strtod(tok, &end);
        if (end == tok || *end || !isfinite(v) || fabs(v) > 1e8) {
            rc = fu_fail(err, FU_EINPUT, "%s:%d: %s: value %d '%.30s' is not a finite number",
                         origin, node->line, tag, k + 1, tok);
            break;
        }
        out[k] = v;
    }
    if (!rc && k < n && !allow_short)
        rc = fu_fail(err, FU_EINPUT, "%s:%d: %s: %d values, expected %d", origin, node->line, tag,
                     k, n);
    xmlFree(txt);
    return rc;
}

static void functional_of(const char *f, char *out, size_t cap) {
    char up[128];
    size_t k = 0;
    for (; f[k] && k + 1 < sizeof up; k++) up[k] = (char)toupper((unsigned char)f[k]);
    up[k] = '\0';
    const char *fam = "unknown";
    if (strstr(up, "PBESOL") || strstr(up, "PSX")) fam = "PBEsol";
    else if (strstr(up, "PBE") || strstr(up, "PBX")) fam = "PBE";
    else if (strstr(up, "BLYP") || strstr(up, "B88")) fam = "BLYP";
    else if (strstr(up, "TPSS") || strstr(up, "SCAN")) fam = "unknown";
    else if (strstr(up, "NOGX") || strstr(up, "PZ") || strstr(up, "LDA") || strstr(up, "PW"))
        fam = "LDA";
    snprintf(out, cap, "%s", fam);
}

static int parse_doc(const xmlNode *root, const char *origin, fu_psp *p, fu_psp_radial **out,
                     fu_err *err) {
    char v[256], buf[256];
    if (strcmp((const char *)root->name, "UPF") != 0)
        return fu_fail(err, FU_EINPUT, "%s: a UPF v1 file (no <UPF version=...> root); furui "
                       "reads UPF v2: convert it with Quantum ESPRESSO's upfconv", origin);
    const xmlNode *hd = child(root, "PP_HEADER");
    if (!hd) return fu_fail(err, FU_EINPUT, "%s: PP_HEADER: element missing", origin);
    const char *type = attr(hd, "pseudo_type", v, sizeof v);
    if (truthy(attr(hd, "is_ultrasoft", buf, sizeof buf)) ||
        truthy(attr(hd, "is_paw", buf, sizeof buf)) ||
        (type && (strcasecmp(type, "US") == 0 || strcasecmp(type, "USPP") == 0 ||
                  strcasecmp(type, "PAW") == 0)))
        return fu_fail(err, FU_EINPUT, "%s:%d: pseudo_type: an %s pseudopotential; furui reads "
                       "norm-conserving ones only", origin, hd->line,
                       type && strcasecmp(type, "PAW") == 0 ? "PAW" : "ultrasoft");
    if (truthy(attr(hd, "has_so", buf, sizeof buf)) ||
        ((attr(hd, "relativistic", buf, sizeof buf)) && strcasecmp(buf, "full") == 0))
        return fu_fail(err, FU_EINPUT, "%s:%d: relativistic: a fully relativistic (spin-orbit) "
                       "file; furui reads scalar-relativistic ones", origin, hd->line);
    if (truthy(attr(hd, "is_coulomb", buf, sizeof buf)))
        return fu_fail(err, FU_EINPUT, "%s:%d: is_coulomb: a bare Coulomb potential, not a "
                       "pseudopotential", origin, hd->line);
    if (!attr(hd, "element", buf, sizeof buf) || !(p->znucl = fu_element_z(buf)))
        return fu_fail(err, FU_EINPUT, "%s:%d: element: missing or unknown", origin, hd->line);
    snprintf(p->element, sizeof p->element, "%s", fu_element_symbol(p->znucl));
    char *end;
    if (!attr(hd, "z_valence", buf, sizeof buf) || !((p->zion = strtod(buf, &end)) > 0) ||
        *end || p->zion > p->znucl + 1e-9)
        return fu_fail(err, FU_EINPUT, "%s:%d: z_valence: expected a valence charge in (0, %d]",
                       origin, hd->line, p->znucl);
    functional_of(attr(hd, "functional", buf, sizeof buf) ? buf : "", p->functional,
                  sizeof p->functional);
    int nmesh = 0, nbeta = 0;
    if (attr(hd, "mesh_size", buf, sizeof buf)) nmesh = atoi(buf);
    if (attr(hd, "number_of_proj", buf, sizeof buf)) nbeta = atoi(buf);
    int core = truthy(attr(hd, "core_correction", buf, sizeof buf));
    const xmlNode *mesh = child(root, "PP_MESH");
    if (nmesh <= 0 && mesh && attr(mesh, "mesh", buf, sizeof buf)) nmesh = atoi(buf);
    if (nmesh < 8 || nmesh > MESH_MAX)
        return fu_fail(err, FU_EINPUT, "%s:%d: mesh_size: %d points, expected 8..%d", origin,
                       hd->line, nmesh, MESH_MAX);
    if (nbeta < 0 || nbeta > FU_PSP_RADIAL_MAXBETA)
        return fu_fail(err, FU_EINPUT, "%s:%d: number_of_proj: %d, expected 0..%d", origin,
                       hd->line, nbeta, FU_PSP_RADIAL_MAXBETA);

    fu_psp_radial *rad = fu_psp_radial_new(nmesh);
    double *rab = rad ? fu_psp_radial_array(rad) : NULL;
    if (!rab) {
        fu_psp_radial_free(rad);
        return fu_fail(err, FU_ENOMEM, "%s: out of memory", origin);
    }
    rad->zion = p->zion;
    int rc = numbers(child(mesh, "PP_R"), origin, "PP_R", rad->r, nmesh, 0, err);
    if (!rc) rc = numbers(child(mesh, "PP_RAB"), origin, "PP_RAB", rab, nmesh, 0, err);
    if (!rc) rc = numbers(child(root, "PP_LOCAL"), origin, "PP_LOCAL", rad->vloc, nmesh, 0, err);
    for (int i = 0; i < nmesh && !rc; i++) rad->vloc[i] *= 0.5; /* Ry -> Ha */
    if (!rc && core) {
        rad->rhoc = fu_psp_radial_array(rad);
        if (!rad->rhoc) rc = fu_fail(err, FU_ENOMEM, "%s: out of memory", origin);
        else rc = numbers(child(root, "PP_NLCC"), origin, "PP_NLCC", rad->rhoc, nmesh, 0, err);
        p->has_core = 1;
    }
    const xmlNode *nl = child(root, "PP_NONLOCAL");
    int count[FU_PSP_MAXL] = {0};
    for (int b = 0; b < nbeta && !rc; b++) {
        char tag[32];
        snprintf(tag, sizeof tag, "PP_BETA.%d", b + 1);
        const xmlNode *bn = child(nl, tag);
        int l = -1;
        if (bn && attr(bn, "angular_momentum", buf, sizeof buf)) l = atoi(buf);
        if (!bn || l < 0 || l > 3 || count[l] >= FU_PSP_MAXPROJ) {
            rc = fu_fail(err, FU_EINPUT, "%s: %s: %s", origin, tag,
                         !bn ? "element missing"
                             : (l < 0 || l > 3 ? "angular_momentum must be 0..3"
                                               : "more than 3 projectors in one channel"));
            break;
        }
        rad->beta[b] = fu_psp_radial_array(rad);
        if (!rad->beta[b]) {
            rc = fu_fail(err, FU_ENOMEM, "%s: out of memory", origin);
            break;
        }
        rad->beta_l[b] = l;
        rad->beta_of[l][count[l]] = b;
        count[l]++;
        rad->nbeta++;
        /* some writers stop at cutoff_radius_index: the rest is zero */
        rc = numbers(bn, origin, tag, rad->beta[b], nmesh, 1, err);
    }
    if (!rc && nbeta > 0) {
        double *d = malloc(sizeof(double) * (size_t)nbeta * nbeta);
        if (!d) rc = fu_fail(err, FU_ENOMEM, "%s: out of memory", origin);
        else rc = numbers(child(nl, "PP_DIJ"), origin, "PP_DIJ", d, nbeta * nbeta, 0, err);
        for (int a = 0; a < nbeta && !rc; a++)
            for (int b = 0; b < nbeta && !rc; b++) {
                double x = 0.5 * d[a * nbeta + b]; /* Ry -> Ha */
                int la = rad->beta_l[a], lb = rad->beta_l[b];
                if (la != lb) {
                    if (x != 0.0)
                        rc = fu_fail(err, FU_EINPUT, "%s: PP_DIJ: couples projectors %d and %d "
                                     "of different l", origin, a + 1, b + 1);
                    continue;
                }
                int ia = -1, ib = -1;
                for (int k = 0; k < FU_PSP_MAXPROJ; k++) {
                    if (rad->beta_of[la][k] == a) ia = k;
                    if (rad->beta_of[la][k] == b) ib = k;
                }
                p->h[la][ia][ib] = x;
            }
        free(d);
    }
    const xmlNode *rho = child(root, "PP_RHOATOM");
    if (!rc && rho) {
        rad->rhov = fu_psp_radial_array(rad);
        if (!rad->rhov) rc = fu_fail(err, FU_ENOMEM, "%s: out of memory", origin);
        else rc = numbers(rho, origin, "PP_RHOATOM", rad->rhov, nmesh, 0, err);
        /* 4π r² ρ -> ρ; at r = 0 the weight r² is zero anyway */
        for (int i = 0; i < nmesh && !rc; i++) {
            double r = rad->r[i];
            rad->rhov[i] = r > 0 ? rad->rhov[i] / (4 * FU_PI * r * r) : 0.0;
        }
        p->has_valence = 1;
    }
    for (int l = 0; l < FU_PSP_MAXL; l++) p->nproj[l] = count[l];
    if (!rc) rc = fu_psp_radial_finish(rad, rab, UPF_QMAX, origin, err);
    if (rc) {
        fu_psp_radial_free(rad);
        return rc;
    }
    p->lmax = -1;
    for (int l = 0; l < FU_PSP_MAXL; l++)
        if (count[l]) p->lmax = l;
    *out = rad;
    return FU_OK;
}

int fu_psp_parse_upf(const char *text, size_t len, const char *origin, fu_psp *psp, fu_err *err) {
    if (!origin) origin = "(upf text)";
    if (!text || !psp) return fu_fail(err, FU_EINPUT, "%s: no text or output given", origin);
    if (len > (size_t)INT32_MAX) return fu_fail(err, FU_EINPUT, "%s: file too large", origin);
    const char *t = text;
    while (isspace((unsigned char)*t)) t++;
    if (strncmp(t, "<PP_INFO", 8) == 0 || strncmp(t, "<PP_HEADER", 10) == 0)
        return fu_fail(err, FU_EINPUT, "%s:1: a UPF v1 file (no <UPF version=...> root); furui "
                       "reads UPF v2: convert it with Quantum ESPRESSO's upfconv", origin);
    fu_psp p;
    memset(&p, 0, sizeof p);
    /* no network, no entity substitution, libxml2's default size and depth limits */
    xmlDoc *doc = xmlReadMemory(text, (int)len, NULL, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *e = xmlGetLastError();
        char msg[160];
        snprintf(msg, sizeof msg, "%s", e && e->message ? e->message : "parse error");
        msg[strcspn(msg, "\n")] = '\0';
        return fu_fail(err, FU_EINPUT, "%s:%d: not well-formed XML: %s", origin, e ? e->line : 0,
                       msg);
    }
    fu_psp_radial *rad = NULL;
    const xmlNode *root = xmlDocGetRootElement(doc);
    int rc = root ? parse_doc(root, origin, &p, &rad, err)
                  : fu_fail(err, FU_EINPUT, "%s: empty XML document", origin);
    xmlFreeDoc(doc);
    if (rc) return rc;
    p.radial = rad;
    snprintf(p.format, sizeof p.format, "upf");
    snprintf(p.path, sizeof p.path, "%s", origin);
    const char *base = strrchr(origin, '/');
    snprintf(p.name, sizeof p.name, "%s", base ? base + 1 : origin);
    char hex[FU_SHA256_HEX_LEN];
    if ((rc = fu_sha256_hex(text, len, hex, err))) {
        fu_psp_release(&p);
        return rc;
    }
    snprintf(p.sha256, sizeof p.sha256, "%s", hex);
    *psp = p;
    return FU_OK;
}

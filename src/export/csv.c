#include "export/csv.h"

void fu_features_csv_write(FILE *f, const fu_feature_table *t, size_t r0, size_t r1) {
    int first = 1;
    const fu_col *sets[3] = {t->meta, t->feat, t->target};
    size_t ns[3] = {t->nmeta, t->nfeat, t->ntarget};
    for (int s = 0; s < 3; s++)
        for (size_t c = 0; c < ns[s]; c++) {
            if (!first) fputc(',', f);
            first = 0;
            fu_csv_field(f, sets[s][c].name);
        }
    fputs("\r\n", f);
    for (size_t i = r0; i < r1 && i < t->nrow; i++) {
        for (size_t c = 0; c < t->nmeta; c++) {
            if (c) fputc(',', f);
            fu_csv_field(f, t->meta_val[i * t->nmeta + c]);
        }
        for (size_t c = 0; c < t->nfeat; c++) fprintf(f, ",%.17g", t->X[i * t->nfeat + c]);
        for (size_t c = 0; c < t->ntarget; c++) fprintf(f, ",%.17g", t->Y[i * t->ntarget + c]);
        fputs("\r\n", f);
    }
}

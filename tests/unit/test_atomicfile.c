// labels: unit
/* core/atomicfile.h: a committed file appears whole under its name and leaves
 * no temporary; an aborted one leaves nothing; fu_atomic_remove_stale removes
 * exactly the "PATH.tmp.DIGITS" files of other processes and nothing else
 * (not our own PID's, not other targets', not look-alike names). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/atomicfile.h"

static int exists(const char *dir, const char *name) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    struct stat st;
    return stat(p, &st) == 0;
}

static void touch(const char *dir, const char *name) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (f) fclose(f);
}

int main(void) {
    char dir[] = "atomic_test_XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char target[256], own[64];
    snprintf(target, sizeof target, "%s/R.h5", dir);
    fu_err err = {0};
    fu_atomic_file af;
    CHECK(fu_atomic_open(&af, target, &err) == FU_OK, "open");
    fputs("payload\n", af.f);
    CHECK(!exists(dir, "R.h5"), "the target does not exist before commit");
    CHECK(fu_atomic_commit(&af, &err) == FU_OK && exists(dir, "R.h5"), "commit publishes the target");
    snprintf(own, sizeof own, "R.h5.tmp.%ld", (long)getpid());
    CHECK(!exists(dir, own), "no temporary after commit");
    CHECK(fu_atomic_open(&af, target, &err) == FU_OK, "reopen");
    fu_atomic_abort(&af);
    CHECK(!exists(dir, own), "abort removes the temporary");

    const char *stale[] = {"R.h5.tmp.1", "R.h5.tmp.4194304"};
    const char *keep[] = {"R.h5.tmp.12ab", "R.h5.tmp.", "R.h5.tmpx.7", "S.h5.tmp.7", "R.h5x.tmp.7"};
    for (int i = 0; i < 2; i++) touch(dir, stale[i]);
    for (int i = 0; i < 5; i++) touch(dir, keep[i]);
    touch(dir, own);
    CHECK(fu_atomic_remove_stale(target) == 2, "two stale temporaries removed");
    CHECK(!exists(dir, stale[0]) && !exists(dir, stale[1]), "they are gone");
    int kept = exists(dir, own);
    for (int i = 0; i < 5; i++) kept &= exists(dir, keep[i]);
    CHECK(kept && exists(dir, "R.h5"), "our own, other targets' and look-alike files are kept");
    CHECK(fu_atomic_remove_stale("no_such_dir/R.h5") == -1, "an unreadable directory is -1");

    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    CHECK_DONE();
}

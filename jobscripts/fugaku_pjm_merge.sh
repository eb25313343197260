#!/bin/bash
# Merge of the shards of fugaku_pjm_bulk.sh, as a small job once the bulk job
# has ended (pjstat shows no sub-job left), e.g.
#   pjsub -x SHARD_COUNT=4 fugaku_pjm_merge.sh
# or as the next step of a step job, which starts whatever the exit of the
# previous step: pjsub --step --sparam "jid=JOBID" fugaku_pjm_merge.sh.
# The merge uses the journals (the source of truth, complete even after a hard
# kill). With --sweep the expected candidates come from the sweep, so a shard
# that never ran is reported as missing: the merged file is still written and
# the exit status is 2 (resubmit those sub-jobs: pjsub --bulk --sparam K-K).
# Spack: as in fugaku_pjm_bulk.sh (furui needs its libraries here too).
#PJM -N furui-merge
#   the project group (accounting): replace hp000000 by yours
#PJM -g hp000000
#PJM -L "node=1"
#PJM -L "rscgrp=small"
#PJM -L "elapse=00:30:00"
#PJM -x PJM_LLIO_GFSCACHE=/vol0004
#PJM -S

# ---- settings (environment overrides; as in fugaku_pjm_bulk.sh) ----
SWEEP=${SWEEP:-sweep.yaml}
FURUI=${FURUI:-furui}
OUTDIR=${OUTDIR:-screen-out}
NAME=${NAME:-$(basename "$SWEEP" .yaml)}
SHARD_COUNT=${SHARD_COUNT:-4}                    # sub-jobs of the bulk job (0-3 -> 4)
MERGED=${MERGED:-$OUTDIR/$NAME.h5}
FURUI_CP2K_POTENTIALS=${FURUI_CP2K_POTENTIALS:-}  # as in fugaku_pjm_bulk.sh: merge --sweep reads the sweep
SPACK_SETUP=${SPACK_SETUP:-/vol0004/apps/oss/spack/share/spack/setup-env.sh}
SPACK_PACKAGES=${SPACK_PACKAGES:-fujitsu-mpi fftw libxc spglib libyaml openblas openssl jansson hdf5 libzip libpng}
# ----------------------------------------------------------------------

set -u
cd "${PJM_O_WORKDIR:-.}" || exit 1
[ -z "$FURUI_CP2K_POTENTIALS" ] || export FURUI_CP2K_POTENTIALS
if [ -n "$SPACK_SETUP" ] && [ -f "$SPACK_SETUP" ]; then
    # shellcheck disable=SC1090
    . "$SPACK_SETUP"
fi
if command -v spack > /dev/null; then
    for p in $SPACK_PACKAGES; do spack load "$p" || echo "furui-merge: warning: spack load $p failed"; done
fi
shards=()
for ((k = 0; k < SHARD_COUNT; k++)); do
    j=$OUTDIR/$NAME.shard$k-of-$SHARD_COUNT.journal
    if [ -f "$j" ]; then shards+=("$j"); else echo "furui-merge: warning: shard $k has no journal ($j): never ran"; fi
done
[ "${#shards[@]}" -gt 0 ] || { echo "furui-merge: no shard journals in $OUTDIR"; exit 1; }
"$FURUI" merge --sweep "$SWEEP" "$MERGED" "${shards[@]}"; rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 2 ] || exit "$rc"
"$FURUI" status "$MERGED" | head -n 40
[ "$rc" -eq 2 ] && echo "furui-merge: incomplete: resubmit the missing sub-jobs (pjsub -x SHARD_COUNT=$SHARD_COUNT --bulk --sparam K-K fugaku_pjm_bulk.sh), then this merge"
exit "$rc"

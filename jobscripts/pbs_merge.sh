#!/bin/bash
# Merge of the shards of pbs_array.sh; submit it dependent on the array:
#   jid=$(qsub -J 0-3 -v SHARD_COUNT=4 pbs_array.sh)     (Torque: qsub -t 0-3)
#   qsub -W depend=afterany:$jid -v SHARD_COUNT=4 pbs_merge.sh
# afterany: it runs even when some subjobs failed or hit the walltime; the merge
# uses the journals (the source of truth, complete even after a hard kill).
# With --sweep the expected candidates come from the sweep, so a shard that never
# ran is reported as missing: the merged file is still written, and the exit
# status is 2 (resubmit the shards listed, then this merge).
#PBS -N furui-merge
#PBS -l select=1:ncpus=1
#PBS -l walltime=00:30:00
#PBS -j oe

# ---- settings (environment overrides; as in pbs_array.sh) ----
SWEEP=${SWEEP:-sweep.yaml}
FURUI=${FURUI:-furui}
OUTDIR=${OUTDIR:-screen-out}
NAME=${NAME:-$(basename "$SWEEP" .yaml)}
SHARD_COUNT=${SHARD_COUNT:-4}                    # must match the array (-J 0-3 -> 4)
MERGED=${MERGED:-$OUTDIR/$NAME.h5}               # merged results file
# ---------------------------------------------------------------

set -u
cd "${PBS_O_WORKDIR:-.}" || exit 1
shards=()
for ((k = 0; k < SHARD_COUNT; k++)); do
    j=$OUTDIR/$NAME.shard$k-of-$SHARD_COUNT.journal
    if [ -f "$j" ]; then shards+=("$j"); else echo "furui-merge: warning: shard $k has no journal ($j): never ran"; fi
done
[ "${#shards[@]}" -gt 0 ] || { echo "furui-merge: no shard journals in $OUTDIR"; exit 1; }
"$FURUI" merge --sweep "$SWEEP" "$MERGED" "${shards[@]}"; rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 2 ] || exit "$rc"
"$FURUI" status "$MERGED" | head -n 40
[ "$rc" -eq 2 ] && echo "furui-merge: incomplete: resubmit the missing shards (qsub -v SHARD_INDEX=K,SHARD_COUNT=$SHARD_COUNT pbs_array.sh), then this merge"
exit "$rc"

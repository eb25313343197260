#!/bin/bash
# Merge of the shards of slurm_array.sh; submit it dependent on the array:
#   sbatch --dependency=afterany:$jid --export=ALL,SHARD_COUNT=$N slurm_merge.sh
# afterany: it runs even when some array tasks failed or hit the time limit; the
# merge uses the journals (the source of truth, complete even after a hard kill),
# and furui status lists what is left for a resubmit of those shards.
#SBATCH --job-name=furui-merge
#SBATCH --ntasks=1
#SBATCH --time=00:30:00
#SBATCH --output=furui-merge-%j.out

# ---- settings (environment overrides; as in slurm_array.sh) ----
SWEEP=${SWEEP:-sweep.yaml}
FURUI=${FURUI:-furui}
OUTDIR=${OUTDIR:-screen-out}
NAME=${NAME:-$(basename "$SWEEP" .yaml)}
SHARD_COUNT=${SHARD_COUNT:-4}                    # must match the array's task count
MERGED=${MERGED:-$OUTDIR/$NAME.h5}               # merged results file
# -----------------------------------------------------------------

set -u
shards=()
for ((k = 0; k < SHARD_COUNT; k++)); do
    j=$OUTDIR/$NAME.shard$k-of-$SHARD_COUNT.journal
    if [ -f "$j" ]; then shards+=("$j"); else echo "furui-merge: warning: shard $k has no journal ($j): never ran"; fi
done
[ "${#shards[@]}" -gt 0 ] || { echo "furui-merge: no shard journals in $OUTDIR"; exit 1; }
# --sweep: the expected candidates come from the sweep, so a shard that never ran is
# listed as missing; the merged file is still written and the exit status is 2
"$FURUI" merge --sweep "$SWEEP" "$MERGED" "${shards[@]}"; rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 2 ] || exit "$rc"
"$FURUI" status "$MERGED"
[ "$rc" -eq 2 ] && echo "furui-merge: incomplete: resubmit the missing shards (sbatch --array=K slurm_array.sh), then this merge"
exit "$rc"

#!/bin/bash
# furui screen as a Slurm job array: array task k runs shard k of the sweep.
#
#   N=4; jid=$(sbatch --parsable --array=0-$((N-1)) slurm_array.sh)
#   sbatch --dependency=afterany:$jid --export=ALL,SHARD_COUNT=$N slurm_merge.sh
# (or jobscripts/slurm_submit.sh, which does both). Adapt the #SBATCH lines and
# the variables below to the site and the sweep; see jobscripts/README.md.
#
# Signals: --signal=B:USR1@300 makes Slurm send SIGUSR1 to this batch shell 300 s
# before the time limit; the trap forwards it to the launcher (srun and Open MPI's
# mpiexec both pass SIGUSR1 on to the ranks), furui hands out no more work,
# finishes the running candidates, writes the results and exits 0. --deadline
# (time left minus MARGIN) does the same earlier when the next candidate would
# not fit. Resubmitting: rerun the same array task (same shard index/count and
# prefix); done candidates are skipped, e.g. sbatch --array=<k> slurm_array.sh.
#SBATCH --job-name=furui-screen
#SBATCH --array=0-3
#SBATCH --nodes=1
#SBATCH --ntasks=9
#SBATCH --time=04:00:00
#SBATCH --signal=B:USR1@300
#SBATCH --output=furui-screen-%A_%a.out

# ---- settings (environment overrides) ----
SWEEP=${SWEEP:-sweep.yaml}                       # sweep file
FURUI=${FURUI:-furui}                            # furui binary
OUTDIR=${OUTDIR:-screen-out}                     # per-shard journals and results
NAME=${NAME:-$(basename "$SWEEP" .yaml)}         # campaign name (file prefix)
FURUI_OPTS=${FURUI_OPTS:---group-size 4}         # further furui screen options
MARGIN=${MARGIN:-600}                            # s kept for the finalize before the limit
LAUNCH=${LAUNCH:-srun}                           # MPI launcher: srun, or "mpiexec" (Open MPI reads the allocation)
RESUBMIT=${RESUBMIT:-0}                          # 1: sbatch this array task again when candidates are left
# ------------------------------------------

set -u
# shard = position of this task in the array (the array must be contiguous, step 1)
SHARD_INDEX=$(( ${SLURM_ARRAY_TASK_ID:?not a Slurm array task} - ${SLURM_ARRAY_TASK_MIN:-0} ))
SHARD_COUNT=${SHARD_COUNT:-${SLURM_ARRAY_TASK_COUNT:?SLURM_ARRAY_TASK_COUNT unset; set SHARD_COUNT}}
PREFIX=$OUTDIR/$NAME.shard$SHARD_INDEX-of-$SHARD_COUNT

# seconds from D-HH:MM:SS, HH:MM:SS, MM:SS
to_seconds() {
    local t=$1 d=0 h=0 m=0 s=0
    case $t in *-*) d=${t%%-*}; t=${t#*-} ;; esac
    IFS=: read -r a b c <<< "$t"
    if [ -n "${c:-}" ]; then h=$a m=$b s=$c; elif [ -n "${b:-}" ]; then m=$a s=$b; else s=$a; fi
    echo $(( 10#$d * 86400 + 10#$h * 3600 + 10#$m * 60 + 10#$s ))
}
# time left: SLURM_JOB_END_TIME (newer Slurm), else squeue, else the #SBATCH --time above
if [ -n "${SLURM_JOB_END_TIME:-}" ]; then
    LEFT=$(( SLURM_JOB_END_TIME - $(date +%s) ))
elif command -v squeue > /dev/null && L=$(squeue -h -j "${SLURM_JOB_ID:-0}" -o %L 2> /dev/null) && [ -n "$L" ]; then
    LEFT=$(to_seconds "$L")
else
    LEFT=$(to_seconds "${TIME_LIMIT:-04:00:00}")
fi
DEADLINE=$(( LEFT - MARGIN ))
[ "$DEADLINE" -ge 60 ] || DEADLINE=60

mkdir -p "$OUTDIR" || exit 1
echo "furui-screen: shard $SHARD_INDEX of $SHARD_COUNT, prefix $PREFIX, deadline $DEADLINE s ($(date -u))"
# installed before the launch, so an early signal is not lost; the launcher forwards it to the ranks
pid=
trap 'echo "furui-screen: signal: asking furui to stop"; [ -n "$pid" ] && kill -USR1 "$pid" 2> /dev/null' USR1 TERM
# shellcheck disable=SC2086  # FURUI_OPTS and LAUNCH are word lists
$LAUNCH "$FURUI" screen "$SWEEP" -o "$PREFIX" --shard-index "$SHARD_INDEX" --shard-count "$SHARD_COUNT" \
    --deadline "$DEADLINE" $FURUI_OPTS &
pid=$!
wait "$pid"; rc=$?
while kill -0 "$pid" 2> /dev/null; do wait "$pid"; rc=$?; done   # wait returns early on a trapped signal
echo "furui-screen: furui exited $rc"
status=$("$FURUI" status "$PREFIX")
echo "$status" | head -n 20
if [ "$rc" -eq 0 ] && ! echo "$status" | head -n 1 | grep -q ' 0 left ('; then
    echo "furui-screen: candidates left; resubmit: sbatch --array=${SLURM_ARRAY_TASK_ID} $0"
    if [ "$RESUBMIT" = 1 ]; then sbatch --array="${SLURM_ARRAY_TASK_ID}" "$0"; fi
fi
exit "$rc"

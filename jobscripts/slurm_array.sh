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
# prefix); done candidates are skipped: sbatch --array=K slurm_array.sh (the shard
# count is read from shard K's journal; or add --export=ALL,SHARD_COUNT=N).
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
FURUI_OPTS=${FURUI_OPTS:---group-size auto}         # further furui screen options
MARGIN=${MARGIN:-600}                            # s kept for the finalize before the limit
LAUNCH=${LAUNCH:-srun}                           # MPI launcher: srun, or "mpiexec" (Open MPI reads the allocation)
RESUBMIT=${RESUBMIT:-0}                          # 1: sbatch this array task again when candidates are left
# ------------------------------------------

set -u
# Open MPI's mpiexec answers SIGTERM (a time limit, scancel, qdel) by sending the ranks
# SIGTERM after odls_base_sigkill_timeout seconds and SIGKILL as long again (default 1 s:
# too short for a running SCF iteration to end and the results to be written). 10 s: the
# ranks are killed 20 s after the signal, inside Slurm's default KillWait of 30 s; furui
# writes the results file as soon as a rank sees the signal (README "Stopping").
export OMPI_MCA_odls_base_sigkill_timeout=${OMPI_MCA_odls_base_sigkill_timeout:-10}
# shard index = array task ID (arrays start at 0), not ID - SLURM_ARRAY_TASK_MIN: the
# resubmission of one task, sbatch --array=K, has MIN = K. SHARD_INDEX overrides.
SHARD_INDEX=${SHARD_INDEX:-${SLURM_ARRAY_TASK_ID:?not a Slurm array task (or set SHARD_INDEX)}}
# shard count: SHARD_COUNT, else from the journal this shard wrote before (a resubmitted
# task's array says nothing about the others), else the size of a whole 0-based array
if [ -z "${SHARD_COUNT:-}" ]; then
    shopt -s nullglob
    prev=("$OUTDIR/$NAME.shard$SHARD_INDEX-of-"*.journal)
    shopt -u nullglob
    if [ "${#prev[@]}" -gt 1 ]; then
        echo "furui-screen: ${prev[*]}: several shard counts for shard $SHARD_INDEX; set SHARD_COUNT" >&2
        exit 1
    elif [ "${#prev[@]}" -eq 1 ]; then
        SHARD_COUNT=${prev[0]##*-of-}
        SHARD_COUNT=${SHARD_COUNT%.journal}
    elif [ "${SLURM_ARRAY_TASK_MIN:-}" = 0 ] && [ -n "${SLURM_ARRAY_TASK_COUNT:-}" ] &&
        [ "${SLURM_ARRAY_TASK_MAX:-}" = $((SLURM_ARRAY_TASK_COUNT - 1)) ]; then
        SHARD_COUNT=$SLURM_ARRAY_TASK_COUNT
    else
        echo "furui-screen: SHARD_COUNT unset and array ${SLURM_ARRAY_TASK_MIN:-?}-${SLURM_ARRAY_TASK_MAX:-?} is not a whole 0-based array (no journal $OUTDIR/$NAME.shard$SHARD_INDEX-of-N.journal either); set SHARD_COUNT" >&2
        exit 1
    fi
fi
case $SHARD_INDEX$SHARD_COUNT in *[!0-9]*)
    echo "furui-screen: SHARD_INDEX '$SHARD_INDEX' / SHARD_COUNT '$SHARD_COUNT': not numbers" >&2; exit 1 ;;
esac
if [ "$SHARD_INDEX" -ge "$SHARD_COUNT" ]; then
    echo "furui-screen: shard index $SHARD_INDEX >= SHARD_COUNT $SHARD_COUNT (arrays start at 0)" >&2
    exit 1
fi
# the resubmit hint must name the user's script: Slurm runs a spooled copy ($0)
SCRIPT=${SCRIPT:-$(scontrol show job "${SLURM_JOB_ID:-0}" 2> /dev/null | sed -n 's/^ *Command=//p' | head -n 1)}
[ -f "${SCRIPT:-}" ] || SCRIPT=$0
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
    echo "furui-screen: candidates left; resubmit (from ${SLURM_SUBMIT_DIR:-$PWD}, same settings):" \
        "sbatch --array=$SHARD_INDEX --export=ALL,SHARD_COUNT=$SHARD_COUNT $SCRIPT"
    if [ "$RESUBMIT" = 1 ]; then sbatch --array="$SHARD_INDEX" --export=ALL,SHARD_COUNT="$SHARD_COUNT" "$SCRIPT"; fi
fi
exit "$rc"

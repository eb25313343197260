#!/bin/bash
# furui screen as a PBS array job: subjob k runs shard k of the sweep.
#   PBS Pro:  qsub -J 0-3 -v SHARD_COUNT=4 pbs_array.sh
#   Torque:   qsub -t 0-3 -v SHARD_COUNT=4 pbs_array.sh   (index in $PBS_ARRAYID; replace
#             the select line below by  #PBS -l nodes=1:ppn=9)
# The array range is given to qsub, not as a directive: "#PBS -J" is PBS Pro only
# (Torque's qsub rejects it), and a script carrying it cannot be submitted as one
# subjob. Merge once all subjobs ended: qsub -W depend=afterany:<array id>
# -v SHARD_COUNT=N pbs_merge.sh, which runs furui merge --sweep and furui status.
#
# Stopping: PBS sends SIGTERM on qdel and at the walltime, SIGKILL kill_delay
# seconds later (often 10 s), too little to finish a candidate: --deadline
# (walltime minus MARGIN minus what has elapsed) stops furui in time; the trap
# still forwards SIGTERM as SIGUSR1. Resubmitting one shard K (same count and
# prefix; done candidates are skipped): qsub -v SHARD_INDEX=K,SHARD_COUNT=N pbs_array.sh
#PBS -N furui-screen
#PBS -l select=1:ncpus=9:mpiprocs=9
#PBS -l walltime=04:00:00
#PBS -j oe

# ---- settings (environment overrides) ----
SWEEP=${SWEEP:-sweep.yaml}                       # sweep file (relative to the submit directory)
FURUI=${FURUI:-furui}                            # furui binary
OUTDIR=${OUTDIR:-screen-out}
NAME=${NAME:-$(basename "$SWEEP" .yaml)}
SHARD_COUNT=${SHARD_COUNT:-4}                    # number of subjobs (-J 0-3 -> 4)
FURUI_OPTS=${FURUI_OPTS:---group-size auto}
WALLTIME=${WALLTIME:-04:00:00}                   # as #PBS -l walltime
MARGIN=${MARGIN:-600}                            # s kept for the finalize
LAUNCH=${LAUNCH:-mpiexec}                        # Open MPI with PBS (tm) support takes the hosts from PBS
# ------------------------------------------

set -u
# Open MPI's mpiexec answers SIGTERM (a time limit, scancel, qdel) by sending the ranks
# SIGTERM after odls_base_sigkill_timeout seconds and SIGKILL as long again (default 1 s:
# too short for a running SCF iteration to end and the results to be written). 10 s: the
# ranks are killed 20 s after the signal, inside Slurm's default KillWait of 30 s; furui
# writes the results file as soon as a rank sees the signal (README "Stopping").
export OMPI_MCA_odls_base_sigkill_timeout=${OMPI_MCA_odls_base_sigkill_timeout:-10}
T0=$(date +%s)
cd "${PBS_O_WORKDIR:-.}" || exit 1
SHARD_INDEX=${SHARD_INDEX:-${PBS_ARRAY_INDEX:-${PBS_ARRAYID:?not a PBS array subjob (or set SHARD_INDEX)}}}
# PBS does not say the array size: a SHARD_COUNT other than the one this shard ran with
# before would silently start a different split
shopt -s nullglob
for j in "$OUTDIR/$NAME.shard$SHARD_INDEX-of-"*.journal; do
    if [ "$j" != "$OUTDIR/$NAME.shard$SHARD_INDEX-of-$SHARD_COUNT.journal" ]; then
        echo "furui-screen: $j exists but SHARD_COUNT is $SHARD_COUNT; set SHARD_COUNT to that shard count (or use another OUTDIR)" >&2
        exit 1
    fi
done
shopt -u nullglob
PREFIX=$OUTDIR/$NAME.shard$SHARD_INDEX-of-$SHARD_COUNT
IFS=: read -r h m s <<< "$WALLTIME"
DEADLINE=$(( 10#$h * 3600 + 10#$m * 60 + 10#$s - MARGIN - ($(date +%s) - T0) ))
[ "$DEADLINE" -ge 60 ] || DEADLINE=60

mkdir -p "$OUTDIR" || exit 1
echo "furui-screen: shard $SHARD_INDEX of $SHARD_COUNT, prefix $PREFIX, deadline $DEADLINE s ($(date -u))"
# installed before the launch, so an early signal is not lost; the launcher forwards it to the ranks
pid=
trap 'echo "furui-screen: signal: asking furui to stop"; [ -n "$pid" ] && kill -USR1 "$pid" 2> /dev/null' USR1 TERM
# shellcheck disable=SC2086
$LAUNCH "$FURUI" screen "$SWEEP" -o "$PREFIX" --shard-index "$SHARD_INDEX" --shard-count "$SHARD_COUNT" \
    --deadline "$DEADLINE" $FURUI_OPTS &
pid=$!
wait "$pid"; rc=$?
while kill -0 "$pid" 2> /dev/null; do wait "$pid"; rc=$?; done
echo "furui-screen: furui exited $rc"
status=$("$FURUI" status "$PREFIX")
echo "$status" | head -n 20
if [ "$rc" -eq 0 ] && ! echo "$status" | head -n 1 | grep -q ' 0 left ('; then
    echo "furui-screen: candidates left; resubmit (same settings): qsub -v SHARD_INDEX=$SHARD_INDEX,SHARD_COUNT=$SHARD_COUNT pbs_array.sh"
fi
exit "$rc"

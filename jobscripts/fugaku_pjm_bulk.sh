#!/bin/bash
# furui screen as a Fugaku (PJM) bulk job: sub-job k runs shard k of the sweep.
#   pjsub -x SHARD_COUNT=4 --bulk --sparam 0-3 fugaku_pjm_bulk.sh
# Merge afterwards: pjsub -x SHARD_COUNT=4 fugaku_pjm_merge.sh (or by hand on a login node:
#   furui merge --sweep SWEEP OUT.h5 OUTDIR/NAME.shard*-of-4.journal)
#
# To be adapted to the site and the project: the group (-g, below), resource
# group, the volume in PJM_LLIO_GFSCACHE, the Spack packages (below they are the
# libraries furui links: MPI, FFTW, libxc, spglib, libyaml, LAPACKE/OpenBLAS (or
# Fujitsu SSL2), OpenSSL libcrypto, jansson, HDF5, libzip, libpng), or use a furui
# built with the Fujitsu compilers and load nothing. MPI is Fujitsu MPI: launch with
# its mpiexec (no --oversubscribe; -n = ranks). LLIO: llio_transfer copies the
# binary and the read-only inputs (sweep, pseudopotentials) to the compute
# nodes' cache, so thousands of processes do not read one FEFS file.
# Pseudopotentials: Fugaku has no /usr/share/cp2k (furui's default for cp2k:
# families). Copy GTH_POTENTIALS (Debian's cp2k-data, or data/GTH_POTENTIALS of
# CP2K) to a FEFS directory of the project and set FURUI_CP2K_POTENTIALS to it
# below (ABINIT files: FURUI_ABINIT_PSP_DIR); the script distributes it with
# llio_transfer and checks with furui screen --dry-run that the sweep finds its
# files before any rank starts.
# Journals and results go to FEFS (OUTDIR), not to $PJM_LOCALTMP, which is
# deleted at the end of the job.
# Stopping: --deadline from the elapse limit minus MARGIN; SIGTERM/SIGUSR1 to
# this script is forwarded to mpiexec as SIGUSR1. Resubmitting one shard K (same
# count and prefix; done candidates are skipped):
#   pjsub -x SHARD_COUNT=N --bulk --sparam K-K fugaku_pjm_bulk.sh
#PJM -N furui-screen
#   the project group (accounting): replace hp000000 by yours
#PJM -g hp000000
#PJM -L "node=1"
#PJM -L "rscgrp=small"
#PJM -L "elapse=04:00:00"
#PJM --mpi "max-proc-per-node=48"
#PJM -x PJM_LLIO_GFSCACHE=/vol0004
#PJM -S

# ---- settings (environment overrides) ----
SWEEP=${SWEEP:-sweep.yaml}
FURUI=${FURUI:-furui}
OUTDIR=${OUTDIR:-screen-out}
NAME=${NAME:-$(basename "$SWEEP" .yaml)}
SHARD_COUNT=${SHARD_COUNT:-4}                    # sub-jobs in --sparam (0-3 -> 4)
FURUI_OPTS=${FURUI_OPTS:---group-size auto}
RANKS=${RANKS:-48}                               # 1 coordinator + workers
ELAPSE=${ELAPSE:-04:00:00}                       # as #PJM -L elapse
MARGIN=${MARGIN:-600}
FURUI_CP2K_POTENTIALS=${FURUI_CP2K_POTENTIALS:-}  # GTH_POTENTIALS on FEFS (see above); unset: /usr/share/cp2k
PSP_FILES=${PSP_FILES:-$FURUI_CP2K_POTENTIALS ${FURUI_ABINIT_PSP_DIR:-}}  # distributed with LLIO
SPACK_SETUP=${SPACK_SETUP:-/vol0004/apps/oss/spack/share/spack/setup-env.sh}
SPACK_PACKAGES=${SPACK_PACKAGES:-fujitsu-mpi fftw libxc spglib libyaml openblas openssl jansson hdf5 libzip libpng}
LAUNCH=${LAUNCH:-mpiexec}
# ------------------------------------------

set -u
T0=$(date +%s)
SHARD_INDEX=${SHARD_INDEX:-${PJM_BULKNUM:?not a PJM bulk sub-job (or set SHARD_INDEX)}}
# PJM does not say the bulk size: a SHARD_COUNT other than the one this shard ran with
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

# Spack environment (site specific): the libraries furui was built against
if [ -n "$SPACK_SETUP" ] && [ -f "$SPACK_SETUP" ]; then
    # shellcheck disable=SC1090
    . "$SPACK_SETUP"
fi
if command -v spack > /dev/null; then
    for p in $SPACK_PACKAGES; do spack load "$p" || echo "furui-screen: warning: spack load $p failed"; done
fi

# LLIO: distribute the common read-only files to the second-layer cache
TRANSFERRED=()
if command -v llio_transfer > /dev/null; then
    for f in $(command -v "$FURUI" || echo "$FURUI") "$SWEEP" $PSP_FILES; do
        if [ -e "$f" ] && llio_transfer "$f"; then TRANSFERRED+=("$f"); fi
    done
fi

# the sweep must load here (pseudopotential files found) before any rank starts
[ -z "$FURUI_CP2K_POTENTIALS" ] || export FURUI_CP2K_POTENTIALS
if ! "$FURUI" screen "$SWEEP" --dry-run > /dev/null; then
    echo "furui-screen: $SWEEP does not load (above); pseudopotentials: set FURUI_CP2K_POTENTIALS (now '$FURUI_CP2K_POTENTIALS') / FURUI_ABINIT_PSP_DIR to files on FEFS" >&2
    exit 1
fi

IFS=: read -r h m s <<< "$ELAPSE"
DEADLINE=$(( 10#$h * 3600 + 10#$m * 60 + 10#$s - MARGIN - ($(date +%s) - T0) ))
[ "$DEADLINE" -ge 60 ] || DEADLINE=60

mkdir -p "$OUTDIR" || exit 1
echo "furui-screen: shard $SHARD_INDEX of $SHARD_COUNT, prefix $PREFIX, deadline $DEADLINE s ($(date -u))"
# installed before the launch, so an early signal is not lost; the launcher forwards it to the ranks
pid=
trap 'echo "furui-screen: signal: asking furui to stop"; [ -n "$pid" ] && kill -USR1 "$pid" 2> /dev/null' USR1 TERM
# shellcheck disable=SC2086
$LAUNCH -n "$RANKS" "$FURUI" screen "$SWEEP" -o "$PREFIX" --shard-index "$SHARD_INDEX" \
    --shard-count "$SHARD_COUNT" --deadline "$DEADLINE" $FURUI_OPTS &
pid=$!
wait "$pid"; rc=$?
while kill -0 "$pid" 2> /dev/null; do wait "$pid"; rc=$?; done
echo "furui-screen: furui exited $rc"
status=$("$FURUI" status "$PREFIX")
echo "$status" | head -n 20
if [ "$rc" -eq 0 ] && ! echo "$status" | head -n 1 | grep -q ' 0 left ('; then
    echo "furui-screen: candidates left; resubmit (same settings): pjsub -x SHARD_COUNT=$SHARD_COUNT --bulk --sparam $SHARD_INDEX-$SHARD_INDEX fugaku_pjm_bulk.sh"
fi
if [ "${#TRANSFERRED[@]}" -gt 0 ]; then llio_transfer --purge "${TRANSFERRED[@]}"; fi
exit "$rc"

#!/bin/bash
# Submits the shard array and the dependent merge job:
#   SWEEP=my.yaml FURUI=$PWD/build/furui SHARD_COUNT=8 jobscripts/slurm_submit.sh
# Settings are passed to both jobs through the environment (sbatch exports it).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
SHARD_COUNT=${SHARD_COUNT:-4}
export SHARD_COUNT
jid=$(sbatch --parsable --array=0-$((SHARD_COUNT - 1)) "$HERE/slurm_array.sh")
jid=${jid%%;*}                                   # "jobid;cluster" on multi-cluster sites
echo "shards: job array $jid ($SHARD_COUNT tasks)"
mid=$(sbatch --parsable --dependency=afterany:"$jid" "$HERE/slurm_merge.sh")
echo "merge: job ${mid%%;*} (after $jid)"

#!/usr/bin/env bash
# Multi-node training on Slurm (GPU nodes): tools/slurm_train.sh PARTITION JOB CONFIG WORK_DIR [args]
# GPUS (total, default 8), GPUS_PER_NODE (8), CPUS_PER_TASK (5), SRUN_ARGS set the allocation.
set -euo pipefail
source "$(dirname "$0")/dist_env.sh"
PARTITION=$1 JOB_NAME=$2 CONFIG=$3 WORK_DIR=$4
shift 4
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
# shellcheck disable=SC2086  # SRUN_ARGS holds several words
srun -p "$PARTITION" --job-name="$JOB_NAME" --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="${GPUS:-8}" --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="${CPUS_PER_TASK:-5}" --kill-on-bad-exit=1 ${SRUN_ARGS:-} \
    "$PYTHON" -u "$TOOLS/train.py" "$CONFIG" --work-dir "$WORK_DIR" \
    --launcher slurm "$@"

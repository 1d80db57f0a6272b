#!/usr/bin/env bash
# Multi-node training on Slurm (GPU nodes): tools/slurm_train.sh PARTITION JOB CONFIG WORK_DIR [args]
# GPUS (total, default 8), GPUS_PER_NODE (8), CPUS_PER_TASK (5), SRUN_ARGS set the allocation.
set -euo pipefail
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
WORK_DIR=$4
shift 4
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-}
here=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-python}
[ -x "$here/../.venv/bin/python" ] && PYTHON="$here/../.venv/bin/python"
srun -p "$PARTITION" --job-name="$JOB_NAME" --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="$GPUS" --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" --kill-on-bad-exit=1 $SRUN_ARGS \
    "$PYTHON" -u "$here/train.py" "$CONFIG" --work-dir "$WORK_DIR" \
    --launcher slurm "$@"

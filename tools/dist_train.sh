#!/usr/bin/env bash
# Multi-process training with torchrun: tools/dist_train.sh CONFIG NPROC [train.py args...]
# NNODES (1), NODE_RANK (0), PORT (29500) and MASTER_ADDR (127.0.0.1) set a multi-node run.
set -euo pipefail
source "$(dirname "$0")/dist_env.sh"
CONFIG=$1 NPROC=$2
shift 2
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" --master_port="${PORT:-29500}" \
    --nproc_per_node="$NPROC" \
    "$TOOLS/train.py" "$CONFIG" --launcher pytorch "$@"

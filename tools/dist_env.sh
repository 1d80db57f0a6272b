# Sourced by dist_train.sh and slurm_train.sh: TOOLS (this folder, where
# train.py is) and PYTHON (the checkout's .venv/bin/python when present, else
# $PYTHON or python).
TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PYTHON=${PYTHON:-python}
if [ -x "$TOOLS/../.venv/bin/python" ]; then
    PYTHON="$TOOLS/../.venv/bin/python"
fi

#!/usr/bin/env bash
# Creates the project-local virtual environment .venv with the pinned OpenMMLab stack.
# Idempotent: a stamp keyed on the requirement files makes a second run return at once;
# pip's wheel cache keeps the compiled mmcv, so a rebuilt environment takes seconds.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
stamp="$VENV/.setup-stamp"
key=$(cat requirements/*.txt setup.py | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ] && [ -x "$VENV/bin/python" ]; then
  echo "[setup] $VENV is up to date"
  exit 0
fi
echo "[setup] creating $VENV (this builds mmcv with its ops once: ~10 min on 2 cores, then cached)"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
pip=("$VENV/bin/python" -m pip install --disable-pip-version-check)
"${pip[@]}" -q -r requirements/build.txt
# Keep a CUDA build of torch 2.x that the user installed into .venv; else take the pinned wheel.
if ! "$VENV/bin/python" -c "import torch, sys; sys.exit(0 if torch.__version__.startswith('2.') and torch.version.cuda else 1)" 2>/dev/null; then
  "${pip[@]}" -q -r requirements/torch.txt
fi
if ! "$VENV/bin/python" -c "import mmcv, mmcv.ops, sys; sys.exit(0 if mmcv.__version__ == '2.1.0' else 1)" 2>/dev/null; then
  echo "[setup] installing mmcv 2.1.0 with compiled ops"
  MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} "${pip[@]}" --no-build-isolation -r requirements/mmcv.txt
fi
"${pip[@]}" -q -r requirements/runtime.txt -r requirements/tests.txt
# mmcv and mmengine depend on opencv-python, whose cv2 needs libGL; keep only the
# headless build (same cv2 module) so the environment works on display-less machines.
if "$VENV/bin/python" -m pip show -q opencv-python >/dev/null 2>&1; then
  "$VENV/bin/python" -m pip uninstall -q -y opencv-python
  "${pip[@]}" -q --force-reinstall --no-deps -r <(grep '^opencv-python-headless' requirements/runtime.txt)
fi
"${pip[@]}" -q --no-build-isolation --no-deps -e .
"$VENV/bin/python" -c "import mmcv.ops, mmseg, uda_video; print('[setup] ok: mmcv', mmcv.__version__, '| mmseg', mmseg.__version__, '| uda_video', uda_video.__version__)"
echo "$key" > "$stamp"

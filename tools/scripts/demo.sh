#!/usr/bin/env bash
# make demo: synthetic Sim2Real benchmark -> source-only, VAT, VAT->VST, video DACS -> results table + figure.
# Env: DEMO_ITERS (iterations per training stage), DEMO_WORK_DIR (default work_dirs/demo).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec .venv/bin/python tools/demo.py "$@"

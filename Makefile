# uda_video: `make demo` (set-up, then the main job on the synthetic benchmark)
# and `make test` (set-up, then the test suite). Both set up .venv when needed.
PY := .venv/bin/python
PYTEST_ARGS ?=

.PHONY: setup demo test clean-venv

setup:
	@bash tools/scripts/setup_env.sh

demo: setup
	@bash tools/scripts/demo.sh

test: setup
	$(PY) -m pytest tests projects $(PYTEST_ARGS)

clean-venv:
	rm -rf .venv

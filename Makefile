# Two commands on a fresh machine: `make run` and `make test` (each installs what it needs).
.PHONY: run test bench eval

.venv/installed: pyproject.toml build_tools/install.sh
	bash build_tools/install.sh
	touch $@

.venv/test-installed: .venv/installed
	bash build_tools/install.sh --test
	touch $@

run: .venv/installed
	.venv/bin/standin

test: .venv/test-installed
	.venv/bin/python -m pytest -q

bench: .venv/installed
	.venv/bin/standin bench

eval: .venv/installed
	.venv/bin/standin eval self-reenactment

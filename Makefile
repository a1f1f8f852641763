# Two commands on a fresh machine: `make run` and `make test` (each installs what it needs:
# the system packages of build_tools/system_packages.txt, then the venv).
.PHONY: run test bench eval doctor
SYSTEM_PACKAGES = PYTHON=.venv/bin/python bash build_tools/system_packages.sh

.venv/installed: pyproject.toml build_tools/install.sh build_tools/system_packages.txt
	bash build_tools/install.sh
	touch $@

# The app's packages and the tests' (the tests need no window: no desktop libraries).
.venv/test-installed: pyproject.toml build_tools/install.sh build_tools/system_packages.txt
	bash build_tools/install.sh --test
	touch $@

# The packages are checked on every run too (a few milliseconds): one removed since is put back.
run: .venv/installed
	$(SYSTEM_PACKAGES) core desktop
	.venv/bin/standin

test: .venv/test-installed
	$(SYSTEM_PACKAGES) core
	.venv/bin/python -m pytest -q

bench: .venv/installed
	.venv/bin/standin bench

eval: .venv/installed
	.venv/bin/standin eval self-reenactment

doctor: .venv/installed
	.venv/bin/standin doctor

# entra.devices: the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.PHONY: help demo test emulator venvs bench docs lint sanity build clean

help:
	@echo "make demo      run the example playbook against the local Graph emulator (no tenant needed)"
	@echo "make test      run the full test suite on the oldest and newest supported ansible-core"
	@echo "make emulator  start the Graph emulator in the foreground (prints its URL and CA path)"
	@echo "make docs      build the HTML docsite into .build/docs/html"
	@echo "make bench     measure fleet scenarios against the emulator (BENCH_ARGS='--loop-devices 20' for a quick run)"

venvs:
	hack/venv.sh oldest >/dev/null
	hack/venv.sh newest >/dev/null

demo:
	hack/demo.sh

test:
	hack/test.sh

emulator:
	PYTHONPATH=tests/emulator "$$(hack/venv.sh newest)/bin/python" -m entra_emulator --workdir .emulator

bench:
	"$$(hack/venv.sh newest)/bin/python" hack/bench.py $(BENCH_ARGS)

docs:
	hack/docs.sh build

lint:
	hack/lint.sh

sanity:
	hack/ansible-test.sh sanity oldest && hack/ansible-test.sh sanity newest

build:
	hack/build.sh

clean:
	rm -rf .venvs .build .emulator tests/output

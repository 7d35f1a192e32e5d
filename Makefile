# The two commands of the README: `make demo` (the main job on embedded defaults) and
# `make test`. Both set the checkout up first (scripts/setup is quick when already done).
VENV := .venv
BIN := $(VENV)/bin
FLOWS := $(wildcard spec/flows/*.yaml)

.PHONY: setup lock demo test lint schema bench mutate readme-images clean

setup:
	@bash scripts/setup

# Refresh deps/requirements.lock from pyproject.toml and deps/tools.in (newest releases that
# fit, with hashes, for every platform and Python >= 3.11); scripts/setup then installs it.
lock: setup
	$(BIN)/uv pip compile pyproject.toml deps/tools.in --extra dev --generate-hashes \
	  --universal --python-version 3.11 --no-header --quiet -o deps/requirements.lock
	@bash scripts/setup

demo: setup
	$(BIN)/inkproof check $(FLOWS)
	$(BIN)/inkproof i18n check $(FLOWS)
	$(BIN)/inkproof verify $(FLOWS) --https --json output/verification.json --junit output/verification.xml
	$(BIN)/inkproof render $(FLOWS) --out output/classic --style classic
	$(BIN)/inkproof publish $(FLOWS) --lang all --out output --https

bench: setup
	$(BIN)/python bench/render.py
	$(BIN)/python bench/i18n.py
	$(BIN)/python bench/verify.py
	$(BIN)/python bench/publish.py
	$(BIN)/python bench/layout.py

# Mutation score of the reference system: Cosmic Ray's mutants, each verified like a user's
# system (scripts/mutate.py); fails below 95%. Long: about ten seconds per mutant per core.
mutate: setup
	$(BIN)/python scripts/mutate.py

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check .

# The English pictures at the top of the README: published (verified, stamped), then copied.
readme-images: setup
	$(BIN)/inkproof publish $(FLOWS) --lang en --out build/readme --quiet
	for flow in $(basename $(notdir $(FLOWS))); do \
	  cp build/readme/$$flow/en.png docs/images/$$flow.png; done

# Regenerate the published JSON Schema after changing inkproof/model.py.
schema: setup
	$(BIN)/inkproof schema --output spec/schema/inkproof-1.schema.json

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache

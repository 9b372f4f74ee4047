# Attest: `make run` serves the app with everything it needs; `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock | cksum | cut -d' ' -f1)

.PHONY: run test bench install lint lock clean-data

$(STAMP): requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py runstack

# Lint first: ruff, and the layers of docs/architecture.md (lint-imports reads pyproject.toml).
# The suite runs in two processes (pytest-xdist), each with its own test database and Celery queue.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m pytest bench -p no:cacheprovider -s $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

# Re-pin dependencies after changing pyproject.toml.
lock: $(STAMP)
	$(BIN)/pip-compile --quiet --extra dev --strip-extras --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml

# Stop embedded servers and delete local data (database, Redis, uploaded files), after saying
# what would go and asking: type DELETE, or run `make clean-data CONFIRM=yes`.
DATA_DIR := $(or $(ATTEST_DATA_DIR),.data)
clean-data: $(STAMP)
	@if [ ! -e "$(DATA_DIR)" ]; then echo "Nothing to delete: $(DATA_DIR) does not exist."; exit 0; fi; \
	echo "make clean-data deletes everything Attest keeps in $(DATA_DIR): the database, Redis and every uploaded file:"; \
	du -sh "$(DATA_DIR)"/* 2>/dev/null | sed 's/^/  /'; \
	du -sh "$(DATA_DIR)" | sed 's/^/  /; s/$$/ in all/'; \
	if [ "$(CONFIRM)" != "yes" ]; then \
		printf 'Type DELETE to delete it all (anything else keeps it): '; \
		read answer || answer=""; \
		if [ "$$answer" != "DELETE" ]; then \
			echo; echo "Nothing was deleted. (make clean-data CONFIRM=yes deletes without asking.)"; exit 1; \
		fi; \
	fi; \
	ATTEST_DATA_DIR="$(DATA_DIR)" $(BIN)/python -c "from config import embedded; embedded.stop_all()" \
		&& rm -rf "$(DATA_DIR)" && echo "Deleted $(DATA_DIR)."

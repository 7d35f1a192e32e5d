#!/usr/bin/env bash
# Create .venv and install the pinned, hash-checked dependencies. Idempotent: when
# .venv already holds exactly what requirements.lock says, it returns at once.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON="${PYTHON:-python3}"
stamp=.venv/.requirements.lock.sha256
want="$(sha256sum requirements.lock | cut -d' ' -f1)"

if [[ -x .venv/bin/python && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    exit 0
fi

[[ -x .venv/bin/python ]] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check \
    --require-hashes -r requirements.lock
echo "$want" > "$stamp"
echo "flask-items: dependencies installed into .venv"

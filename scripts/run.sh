#!/usr/bin/env bash
# `make run`: checks the settings, renders the channels' credentials, then hands over to
# scripts/run_assistant.py, which starts the action server, the rasa server and the widget page,
# prints their addresses once all answer, restarts one that dies (at most RESTART_LIMIT times
# per RESTART_WINDOW seconds), and stops them all on Ctrl-C.
# Settings come from the environment (defaults in the Makefile); logs go to .run/*.log.
set -euo pipefail

BIN=.venv/bin
RUN_DIR=.run
mkdir -p "$RUN_DIR"
: "${ACTION_PORT:?}" "${RASA_PORT:?}" "${WEB_PORT:?}" "${MODEL:?}"
: "${TRACKER_STORE_URL:?}" "${LOCK_STORE_URL:?}"
: "${CORS_ORIGINS:?}"
export BIND_INTERFACE="${BIND_INTERFACE:-0.0.0.0}"
export ACTION_ENDPOINT_URL="${ACTION_ENDPOINT_URL:-http://127.0.0.1:${ACTION_PORT}/webhook}"
export TRACKER_STORE_URL LOCK_STORE_URL

"$BIN/python" -m connectors.credentials credentials.yml "$RUN_DIR/credentials.yml"

# exec: make's Ctrl-C and SIGTERM reach the supervisor itself, which stops the servers in order.
exec "$BIN/python" scripts/run_assistant.py "$RUN_DIR"

#!/usr/bin/env bash
# `make cluster`: checks the settings, renders the channels' credentials, then hands over to
# scripts/run_cluster.py (PostgreSQL, Redis, action server, RASA_SERVERS rasa servers, nginx on
# LB_PORT, widget page), which prints their addresses once all answer, restarts one that dies
# and stops them all on Ctrl-C. Settings come from the environment (defaults in the Makefile);
# logs go to .run/cluster/*.log.
set -euo pipefail

BIN=.venv/bin
RUN_DIR="${CLUSTER_RUN_DIR:-.run/cluster}"  # kept across runs: the conversations
mkdir -p "$RUN_DIR"
: "${ACTION_PORT:?}" "${RASA_PORT:?}" "${WEB_PORT:?}" "${LB_PORT:?}" "${MODEL:?}"
: "${CORS_ORIGINS:?}" "${RASA_SERVERS:?}"
export BIND_INTERFACE="${BIND_INTERFACE:-0.0.0.0}"
export ACTION_ENDPOINT_URL="${ACTION_ENDPOINT_URL:-http://127.0.0.1:${ACTION_PORT}/webhook}"

"$BIN/python" -m connectors.credentials credentials.yml "$RUN_DIR/credentials.yml"

exec "$BIN/python" scripts/run_cluster.py "$RUN_DIR"

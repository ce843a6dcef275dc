#!/usr/bin/env bash
# `make shell`: talk to the assistant in the terminal (rasa shell), with the action server
# started beside it and stopped after.
set -euo pipefail
BIN=.venv/bin
mkdir -p .run
: "${ACTION_PORT:?}" "${MODEL:?}" "${TRACKER_STORE_URL:?}" "${LOCK_STORE_URL:?}"
export ACTION_ENDPOINT_URL="${ACTION_ENDPOINT_URL:-http://127.0.0.1:${ACTION_PORT}/webhook}"
export TRACKER_STORE_URL LOCK_STORE_URL

"$BIN/python" -m rasa_sdk --actions actions --port "$ACTION_PORT" >.run/actions-shell.log 2>&1 &
action_pid=$!
trap 'kill -TERM $action_pid 2>/dev/null; wait $action_pid 2>/dev/null || true' EXIT

deadline=$((SECONDS + 60))
until curl -fsS -o /dev/null "http://127.0.0.1:$ACTION_PORT/health" 2>/dev/null; do
  if ! kill -0 $action_pid 2>/dev/null || [ $SECONDS -ge $deadline ]; then
    echo "error: the action server did not start; see .run/actions-shell.log" >&2
    tail -n 20 .run/actions-shell.log >&2
    exit 1
  fi
  sleep 0.5
done
echo "Action server up on port $ACTION_PORT (log: .run/actions-shell.log). Loading the model…"
# `rasa run` with the shell's channel is what `rasa shell` does, with the project's checks and
# message bounds (connectors/rest.py, CommandLineInput) and the project's console
# (connectors/console.py: free text always, numbered buttons, /debug). The HTTP API, which the
# console's /debug reads, listens on 127.0.0.1 only, with a token drawn for this session.
export SANIC_WORKERS=1  # one console: each worker would read the terminal
SHELL_API_TOKEN="$("$BIN/python" -c 'import secrets; print(secrets.token_hex(16))')"
export SHELL_API_TOKEN
quiet=(--quiet)
[ "${SHELL_VERBOSE:-}" = 1 ] && quiet=()
"$BIN/python" scripts/shell_cli.py run --connector connectors.rest.CommandLineInput \
  --model "$MODEL" --endpoints endpoints.yml --interface 127.0.0.1 --port "${RASA_PORT:-5005}" \
  --enable-api --auth-token "$SHELL_API_TOKEN" "${quiet[@]}" "$@"

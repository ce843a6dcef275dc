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
echo "Action server up on port $ACTION_PORT (log: .run/actions-shell.log). Type /stop to quit."
# `rasa run` with the shell's channel is what `rasa shell` does, with the project's checks and
# message bounds (connectors/rest.py, CommandLineInput).
"$BIN/python" scripts/rasa_cli.py run --connector connectors.rest.CommandLineInput --model "$MODEL" \
  --endpoints endpoints.yml "$@"

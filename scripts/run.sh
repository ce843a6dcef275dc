#!/usr/bin/env bash
# `make run`: starts the action server, the rasa server and the widget page, waits until all
# answer, prints their addresses, and stops them all on Ctrl-C (or when one of them dies).
# Settings come from the environment (defaults in the Makefile); logs go to .run/*.log.
set -euo pipefail

BIN=.venv/bin
RUN_DIR=.run
mkdir -p "$RUN_DIR"
: "${ACTION_PORT:?}" "${RASA_PORT:?}" "${WEB_PORT:?}" "${MODEL:?}" "${TRACKER_DB:?}"
: "${CORS_ORIGINS:?}" "${BIND_INTERFACE:=0.0.0.0}"
export ACTION_ENDPOINT_URL="${ACTION_ENDPOINT_URL:-http://127.0.0.1:${ACTION_PORT}/webhook}"
export TRACKER_DB
if [ -z "${RASA_API_TOKEN:-}" ]; then
  RASA_API_TOKEN=$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(24))')
  token_note="(generated for this run; set RASA_API_TOKEN to choose it)"
else
  token_note="(from RASA_API_TOKEN)"
fi

pids=()
stop_all() {
  trap - INT TERM EXIT
  echo
  echo "Stopping…"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "Stopped."
}
trap 'stop_all; exit 0' INT TERM
trap 'stop_all' EXIT

wait_for() {  # name url log timeout
  local name=$1 url=$2 log=$3 deadline=$((SECONDS + $4))
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    for pid in "${pids[@]}"; do
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "error: a server exited while starting; last lines of $log:" >&2
        tail -n 30 "$log" >&2
        exit 1
      fi
    done
    if [ $SECONDS -ge $deadline ]; then
      echo "error: $name did not answer at $url in time; see $log" >&2
      exit 1
    fi
    sleep 0.5
  done
}

"$BIN/python" -m connectors.credentials credentials.yml "$RUN_DIR/credentials.yml"

echo "Starting the action server on port $ACTION_PORT (log: $RUN_DIR/actions.log)…"
"$BIN/rasa" run actions --actions actions --port "$ACTION_PORT" >"$RUN_DIR/actions.log" 2>&1 &
pids+=($!)

echo "Starting the rasa server on port $RASA_PORT (log: $RUN_DIR/rasa.log)…"
"$BIN/rasa" run --model "$MODEL" --interface "$BIND_INTERFACE" --port "$RASA_PORT" \
  --enable-api --auth-token "$RASA_API_TOKEN" --cors $CORS_ORIGINS \
  --endpoints endpoints.yml --credentials "$RUN_DIR/credentials.yml" >"$RUN_DIR/rasa.log" 2>&1 &
pids+=($!)

echo "Serving the widget page on port $WEB_PORT (log: $RUN_DIR/web.log)…"
"$BIN/python" web/serve.py --port "$WEB_PORT" --rasa-url "http://localhost:$RASA_PORT" \
  >"$RUN_DIR/web.log" 2>&1 &
pids+=($!)

wait_for "the action server" "http://127.0.0.1:$ACTION_PORT/health" "$RUN_DIR/actions.log" 60
wait_for "the rasa server" "http://127.0.0.1:$RASA_PORT/status?token=$RASA_API_TOKEN" "$RUN_DIR/rasa.log" 120
wait_for "the widget page" "http://127.0.0.1:$WEB_PORT/" "$RUN_DIR/web.log" 30

cat <<EOF

The assistant is ready ($SECONDS s).
  Chat widget page : http://localhost:$WEB_PORT
  REST channel     : http://localhost:$RASA_PORT/webhooks/rest/webhook
  socket.io        : http://localhost:$RASA_PORT/socket.io
  HTTP API         : http://localhost:$RASA_PORT  token: $RASA_API_TOKEN $token_note
  Action server    : http://localhost:$ACTION_PORT/health
Try: curl -s localhost:$RASA_PORT/webhooks/rest/webhook -d '{"sender":"moi","message":"Bonjour"}'
Press Ctrl-C to stop.
EOF

# Stay up until Ctrl-C, or until one server dies (then stop the others and fail).
wait -n "${pids[@]}"
echo "error: a server stopped unexpectedly; see $RUN_DIR/*.log" >&2
exit 1

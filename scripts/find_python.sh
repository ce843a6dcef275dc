#!/usr/bin/env bash
# Prints the path of a working Python 3.10 (rasa 3.6 refuses 3.11+), or explains what to install.
# Order: $PYTHON, python3.10 on PATH, pyenv's 3.10.x, then common install places.
set -u
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
if command -v pyenv >/dev/null 2>&1; then
  for p in "$(pyenv root)"/versions/3.10.*/bin/python; do candidates+=("$p"); done
fi
for p in "$HOME"/.pyenv/versions/3.10.*/bin/python /usr/local/bin/python3.10 /usr/bin/python3.10; do
  candidates+=("$p")
done
for p in "${candidates[@]}"; do
  # A pyenv shim exists for every installed version but fails unless 3.10 is active: run it.
  if [ -x "$p" ] && "$p" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
    echo "$p"
    exit 0
  fi
done
cat >&2 <<'MSG'
error: Python 3.10 not found (rasa 3.6 needs Python 3.8-3.10; 3.11+ is refused).
Install it, then run make again, for example:
  pyenv install 3.10      (then make finds it under $(pyenv root)/versions/3.10.*)
  apt-get install python3.10 python3.10-venv
or point make at one: make PYTHON=/path/to/python3.10 run
MSG
exit 1

"""rasa's own command line, with the project's fixes to rasa 3.6 installed first.

    .venv/bin/python scripts/rasa_cli.py train|run|test|data ...   (same arguments as `rasa`)

The Makefile, `make run`, `make shell` and the tests start rasa through this file instead of
`.venv/bin/rasa`, so every rasa process gets the same fixes:
see `rasa_extensions/rasa_fixes.py` (the same results as rasa's own code, in a fraction of the time),
a French answer instead of silence when a part of the assistant fails during a turn
(`rasa_extensions/turn_failures.py`), and the conversation's language remembered and messages
in Dutch, English or German routed to answers in that language
(`rasa_extensions/conversation_language.py`).
"""

from __future__ import annotations

import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from rasa_extensions import conversation_language, rasa_fixes, turn_failures  # noqa: E402


def main() -> None:
    rasa_fixes.install()
    turn_failures.install()
    conversation_language.install()
    sys.argv[0] = "rasa"  # rasa's help and error messages name the command
    from rasa.__main__ import main as rasa_main

    sys.exit(rasa_main())


if __name__ == "__main__":
    main()

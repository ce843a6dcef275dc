"""`make shell`'s rasa: scripts/rasa_cli.py's fixes, the project's console
(connectors/console.py) instead of rasa's, and third-party warnings hidden (SHELL_VERBOSE=1
shows them). rasa's own errors still print.

    .venv/bin/python scripts/shell_cli.py run --connector connectors.rest.CommandLineInput …
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))


def quiet() -> None:
    """Deprecation notices of TensorFlow, SQLAlchemy, pkg_resources, rasa… are for developers:
    warnings raised from installed packages are not printed (libraries reset the filters as
    they are imported, so the printing is what changes); the project's own still are."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    shown = warnings.showwarning

    def project_warnings_only(message, category, filename, lineno, file=None, line=None):
        if "site-packages" not in str(filename):
            shown(message, category, filename, lineno, file, line)

    warnings.showwarning = project_warnings_only


def main() -> None:
    if os.environ.get("SHELL_VERBOSE") != "1":
        quiet()
    import rasa.core.channels.console

    from connectors import console

    rasa.core.channels.console.record_messages = console.record_messages
    from scripts import rasa_cli  # noqa: E402  (the fixes, then rasa's command line)

    rasa_cli.main()


if __name__ == "__main__":
    main()

"""The city's catalogue: services (hours, contacts, closures), procedures and their FAQ.

Validated whole: a catalogue with any problem raises CatalogueError and is never used, so
nothing half-loaded answers citizens. The action server loads it at its start (an invalid
catalogue stops it) and then notices an edit of a file of the folder (checked at most every
RELOAD_CHECK_SECONDS, at a message): the edited catalogue is validated and used from that
message on; an invalid edit is logged with its problems (file, entry, field, as `make
validate` prints them) and the previous catalogue stays in use until the files are fixed.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Tuple

from actions.city_catalogue.errors import CatalogueError, CatalogueProblem  # noqa: F401
from actions.city_catalogue.faq import FaqCatalogue

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CATALOGUE_DIR_ENV = "CITYBOT_CATALOGUE_DIR"
RELOAD_CHECK_SECONDS = 2.0  # a stat of the folder's few files, at most this often


def default_directory() -> Path:
    return Path(os.environ.get(CATALOGUE_DIR_ENV, PROJECT_ROOT / "catalogue"))


@dataclass(frozen=True)
class Catalogue:
    services: "ServiceCatalogue"  # noqa: F821
    procedures: "ProcedureCatalogue"  # noqa: F821
    faq: FaqCatalogue = field(default_factory=FaqCatalogue)


def load_catalogue(directory: Path | None = None) -> Catalogue:
    from actions.city_catalogue.errors import ProblemCollector
    from actions.city_catalogue.faq import load_faq
    from actions.city_catalogue.procedures import load_procedures
    from actions.city_catalogue.services import load_services

    directory = Path(directory or default_directory())
    services = load_services(directory)
    procedures = load_procedures(directory, services)
    problems = ProblemCollector()
    faq = load_faq(directory, procedures.ids(), services.ids(), problems)
    problems.raise_if_any()
    return Catalogue(services=services, procedures=procedures, faq=faq)


def files_signature(directory: Path) -> Tuple[Tuple[str, int, int], ...]:
    """(name, modification time, size) of every file of the folder: what an edit changes."""
    found = []
    for path in sorted(directory.rglob("*")):
        try:
            if path.is_file():
                stat = path.stat()
                found.append((str(path.relative_to(directory)), stat.st_mtime_ns, stat.st_size))
        except OSError:  # removed while listed: the next check sees it gone
            continue
    return tuple(found)


class LiveCatalogue:
    """The catalogue in use, reloaded after an edit of its folder (see the module's doc)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._catalogue: Optional[Catalogue] = None
        self._directory: Optional[Path] = None
        self._signature: Tuple[Tuple[str, int, int], ...] = ()
        self._checked = 0.0

    def get(self) -> Catalogue:
        if self._catalogue is not None and \
                time.monotonic() - self._checked < RELOAD_CHECK_SECONDS:
            return self._catalogue
        with self._lock:
            directory = Path(default_directory())
            signature = files_signature(directory) if directory.is_dir() else ()
            self._checked = time.monotonic()
            if self._catalogue is None or directory != self._directory:
                self._catalogue = load_catalogue(directory)  # invalid: raises, nothing used
                self._directory, self._signature = directory, signature
            elif signature != self._signature:
                self._signature = signature  # a broken edit is reported once, not per message
                self._reload(directory)
            return self._catalogue

    def _reload(self, directory: Path) -> None:
        try:
            catalogue = load_catalogue(directory)
        except CatalogueError as error:
            logger.error("The edited catalogue in %s is not used; the previous one answers "
                         "until the files are fixed. %s", directory, error)
            return
        except Exception:  # noqa: BLE001  (an unreadable file must not stop the answers)
            logger.exception("The edited catalogue in %s could not be read; the previous one "
                             "answers until the files are fixed.", directory)
            return
        self._catalogue = catalogue
        logger.info("Catalogue reloaded from %s: %d services, %d procedures, %d FAQ entries.",
                    directory, len(catalogue.services.ids()), len(catalogue.procedures.ids()),
                    len(catalogue.faq))


_live = LiveCatalogue()


def get_catalogue() -> Catalogue:
    """The catalogue the action server answers from: loaded on first use, then reloaded after
    a valid edit of its files."""
    return _live.get()

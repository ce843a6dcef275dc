"""The city's catalogue: services (hours, contacts, closures), procedures and their FAQ.

Loaded once, validated whole: a catalogue with any problem raises CatalogueError and is never
used, so nothing half-loaded answers citizens.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

from actions.city_catalogue.errors import CatalogueError, CatalogueProblem  # noqa: F401
from actions.city_catalogue.faq import FaqCatalogue

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CATALOGUE_DIR_ENV = "CITYBOT_CATALOGUE_DIR"


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


@functools.lru_cache(maxsize=1)
def get_catalogue() -> Catalogue:
    """The catalogue the action server answers from, loaded on first use."""
    return load_catalogue()

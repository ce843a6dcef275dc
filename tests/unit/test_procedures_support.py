"""Shared helpers (no tests here) for the procedures tests: a stub services catalogue."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional

from actions.city_catalogue.procedures import ProcedureCatalogue, load_procedures

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CATALOGUE_DIR = PROJECT_ROOT / "catalogue"
FACTS_FILE = PROJECT_ROOT.parent / "shared" / "research" / "liege-facts.md"

SERVICE_IDS = ["population", "etat_civil", "etrangers", "urbanisme", "mobilite", "proprete",
               "taxes", "recyparc", "bibliotheque", "piscine", "cpas", "police",
               "objets_trouves", "hotel_de_ville"]


class StubServices:
    """The two methods of the services catalogue that the procedures use."""

    def __init__(self, ids: Optional[List[str]] = None,
                 details: Optional[Dict[str, dict]] = None) -> None:
        self._ids = list(SERVICE_IDS if ids is None else ids)
        self._details = details or {}

    def ids(self) -> List[str]:
        return list(self._ids)

    def get(self, service_id: str) -> dict:
        return self._details.get(service_id, {"name": service_id})


STUB_DETAILS = {
    "population": {"name": "Service Population", "phone": "04/221.00.00",
                   "email": "population@example.org", "web": "https://www.liege.be/population"},
}


def stub_catalogue() -> ProcedureCatalogue:
    return load_procedures(CATALOGUE_DIR, StubServices(details=STUB_DETAILS))

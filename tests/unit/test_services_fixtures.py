"""A small synthetic services catalogue for the hours, moments and answers tests.

Tests of the maths must not change when city staff edit the real hours, so they run on this
catalogue, written to a temporary folder. `catalogue_data()` returns plain dicts that a test
can break before `write_catalogue()` (the validation tests do).
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Tuple

import yaml

from actions.city_catalogue.services import CONTRACT_SERVICE_IDS, ServiceCatalogue, load_services
from actions.clock import BRUSSELS

SOURCE = "https://www.liege.be/fr/test"
MAIRIE_WEEK = {"lundi-vendredi": ["8:30-12:30", "13:30-16:00"], "samedi": ["9:00-12:30"]}

_SERVICES = {
    "population": {
        "name": "Service Population",
        "short": "Population",
        "synonyms": ["population", "mairie", "mairie de quartier"],
        "main_site": "mairie_a",
        "source": SOURCE, "source_date": "2022-09-02", "checked_on": "2026-11-25",
        "sites": {
            "mairie_a": {
                "name": "Mairie de quartier d'Alpha", "short": "Alpha", "synonyms": ["alpha"],
                "address": "Rue Alpha 1, Liège",
                "hours": {"week": MAIRIE_WEEK, "source": SOURCE, "source_date": "2022-09-02"},
                "source": SOURCE, "source_date": "2022-09-02", "checked_on": "2026-11-25",
            },
            "mairie_b": {
                "name": "Mairie de quartier de Bravo", "short": "Bravo", "synonyms": ["bravo"],
                "hours": {"week": {"lundi-jeudi": ["8:30-12:30", "13:30-16:00"]},
                          "source": SOURCE, "source_date": "2026-06-01"},
                "source": SOURCE, "source_date": "2026-06-01", "checked_on": "2026-11-25",
            },
            "mairie_c": {
                "name": "Mairie de quartier de Charlie", "short": "Charlie",
                "synonyms": ["charlie"], "checked_on": "2026-11-25",
            },
        },
    },
    "urbanisme": {
        "name": "Urbanisme", "synonyms": ["urbanisme", "service des permis"],
        "address": "Quai Test 10, Liège", "phone": "04/000.00.00",
        "web": "https://www.liege.be/fr/urbanisme",
        "hours": {"week": {"lundi": ["9:00-12:00"], "mercredi": ["14:00-17:00"],
                           "vendredi": ["9:00-12:00"]},
                  "source": SOURCE, "source_date": "2026-03"},
        "source": SOURCE, "source_date": "2026-03", "checked_on": "2026-11-25",
    },
    "recyparc": {
        "name": "Recyparcs", "synonyms": ["recyparc", "parc à conteneurs", "déchetterie"],
        "phone": "04/111.11.11",
        "hours": {"week": {"mardi-vendredi": ["9:00-12:30", "13:00-17:00"],
                           "samedi": ["8:30-12:30", "13:00-17:00"]},
                  "source": SOURCE, "source_date": 2015},
        "source": SOURCE, "source_date": 2021, "checked_on": "2026-11-25",
        "sites": {
            "recyparc_x": {"name": "Recyparc de Xray", "short": "Xray", "synonyms": ["xray"],
                           "source": SOURCE, "checked_on": "2026-11-25",
                           "address": "Rue Xray, Liège"},
        },
    },
    "objets_trouves": {
        "name": "Objets trouvés", "synonyms": ["objets trouvés", "objets perdus"],
        "hours": {"week": {"lundi-vendredi": ["11:00-17:00"], "samedi": ["11:00-15:00"]},
                  "source": SOURCE, "source_date": "2026-01-28"},
        "source": SOURCE, "checked_on": "2026-11-25",
    },
    "piscine": {
        "name": "Piscines", "synonyms": ["piscine", "piscines"], "checked_on": "2026-11-25",
        "sites": {
            "piscine_y": {"name": "Piscine de Yankee", "short": "Yankee",
                          "synonyms": ["yankee"], "checked_on": "2026-11-25"},
        },
    },
    "hotel_de_ville": {
        "name": "Ville de Liège", "synonyms": ["hôtel de ville", "la ville", "commune"],
        "web": "https://www.liege.be", "source": SOURCE, "checked_on": "2026-11-25",
    },
}

_CALENDAR = {
    "legal_holidays": {"closed": ["population", "urbanisme", "recyparc", "hotel_de_ville"],
                       "default": "unconfirmed"},
    "administration_days": [
        {"date": "02/11", "name": "Jour des défunts", "status": "closed",
         "services": ["population"], "source": SOURCE},
        {"date": "15/11", "name": "Fête du Roi", "status": "unconfirmed",
         "services": ["population", "urbanisme"], "source": SOURCE},
    ],
    "closures": [
        {"services": ["recyparc"], "from": "2026-12-28", "to": "2026-12-30",
         "reason": "inventaire", "source": SOURCE, "checked_on": "2026-11-25"},
        {"services": ["piscine"], "sites": ["piscine_y"], "from": "2024-05-18",
         "reason": "rénovation", "source": SOURCE, "checked_on": "2026-11-25"},
    ],
    "special_hours": [
        {"services": ["population"], "from": "2026-12-24", "to": "2026-12-24",
         "hours": ["8:30-12:00"], "reason": "veille de Noël", "source": SOURCE},
    ],
}


def catalogue_data() -> Tuple[dict, dict]:
    """(services.yml, calendar.yml) as dicts; every contract id has at least a name."""
    services = copy.deepcopy(_SERVICES)
    for service_id in CONTRACT_SERVICE_IDS:
        services.setdefault(service_id, {"name": service_id.replace("_", " ").title(),
                                         "checked_on": "2026-11-25"})
    data = {"menu": ["population", "recyparc", "urbanisme"],
            "general_contact": "hotel_de_ville", "services": services}
    return data, copy.deepcopy(_CALENDAR)


def write_catalogue(directory: Path, services: dict, calendar: dict) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "services.yml").write_text(yaml.safe_dump(services, allow_unicode=True),
                                            encoding="utf-8")
    (directory / "calendar.yml").write_text(yaml.safe_dump(calendar, allow_unicode=True),
                                            encoding="utf-8")
    return directory


def synthetic_catalogue(directory: Path) -> ServiceCatalogue:
    return load_services(write_catalogue(directory, *catalogue_data()))


def at(text: str) -> dt.datetime:
    """'2026-11-25 10:00' -> aware Brussels datetime."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=BRUSSELS)


def test_synthetic_catalogue_is_valid(tmp_path):
    catalogue = synthetic_catalogue(tmp_path)
    assert set(catalogue.ids()) == set(CONTRACT_SERVICE_IDS)
    assert catalogue.site("mairie_a").effective_hours is not None


def test_site_without_hours_follows_its_service(tmp_path):
    catalogue = synthetic_catalogue(tmp_path)
    assert catalogue.site("recyparc_x").effective_hours is catalogue.get("recyparc").hours
    assert catalogue.site("mairie_c").effective_hours is None

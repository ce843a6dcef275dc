"""The services catalogue: the real files are valid and sourced; bad files fail completely."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from actions.city_catalogue.errors import CatalogueError
from actions.city_catalogue.services import CONTRACT_SERVICE_IDS, load_services
from actions.hours import format_range
from tests.unit.test_services_fixtures import catalogue_data, write_catalogue

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CATALOGUE_DIR = PROJECT_ROOT / "catalogue"
RESEARCH = PROJECT_ROOT.parent / "shared" / "research"


@pytest.fixture(scope="module")
def real():
    return load_services(CATALOGUE_DIR)


@pytest.fixture(scope="module")
def facts() -> str:
    return "\n".join((RESEARCH / name).read_text(encoding="utf-8")
                     for name in ("liege-facts.md", "belgian-calendar.md"))


# --- the real catalogue ----------------------------------------------------------------------

def test_real_catalogue_has_every_contract_service(real):
    assert sorted(real.ids()) == sorted(CONTRACT_SERVICE_IDS)
    assert real.general_contact.id == "hotel_de_ville"
    assert all(service_id in real for service_id in real.menu)


def _entries(catalogue):
    for service in catalogue.services():
        yield service
        yield from service.sites


def test_every_fact_of_the_real_catalogue_is_in_the_research_notes(real, facts):
    """No phone, e-mail, address, web page, source or hour that liege-facts.md lacks."""
    lowered = facts.lower()
    for entry in _entries(real):
        for phone in filter(None, [entry.phone]):
            assert phone in facts, (entry.id, phone)
        for email in filter(None, [entry.email]):
            assert email in facts, (entry.id, email)
        if entry.web:
            assert entry.web.lower() in lowered, (entry.id, entry.web)
        if entry.address:
            street = entry.address.split(",")[0].lower()
            assert street in lowered, (entry.id, street)
        for url in entry.source:
            assert url in facts, (entry.id, url)
        if entry.hours is not None:
            for url in entry.hours.source:
                assert url in facts, (entry.id, url)
            for ranges in entry.hours.week.days:
                for time_range in ranges:
                    assert format_range(time_range) in facts, (entry.id, time_range)
        # Numbers written in free text (notes) must be sourced too.
        for number in re.findall(r"\d{2,4}/[\d.]{6,}", entry.notes + entry.appointment_text):
            assert number in facts, (entry.id, number)


def test_every_real_entry_says_when_it_was_checked(real):
    for entry in _entries(real):
        assert entry.checked_on is not None, entry.id


def test_real_calendar_sources_are_in_the_research_notes(facts):
    calendar = yaml.safe_load((CATALOGUE_DIR / "calendar.yml").read_text(encoding="utf-8"))
    urls = re.findall(r"https?://\S+", yaml.safe_dump(calendar, width=10_000))
    assert urls
    for url in urls:
        assert url.rstrip("'\",]") in facts, url


def test_administration_days_are_not_assumed_closed(real):
    """The city's own list was not found: the shipped status is 'unconfirmed'."""
    assert {(d.day, d.month) for d in real.calendar.administration_days} == \
        {(27, 9), (2, 11), (15, 11), (26, 12)}
    assert {d.status for d in real.calendar.administration_days} == {"unconfirmed"}


# --- lookup ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, service_id, site_id", [
    ("population", "population", None),
    ("Population", "population", None),
    ("populaton", "population", None),                  # typo
    ("etat civil", "etat_civil", None),                 # no accent
    ("état-civil", "etat_civil", None),
    ("le service des étrangers", "etrangers", None),
    ("parc à conteneurs", "recyparc", None),
    ("la dechetterie", "recyparc", None),
    ("bibliotek", "bibliotheque", None),
    ("objets perdus", "objets_trouves", None),
    ("la maison communale", "hotel_de_ville", None),
    ("cité admin", "hotel_de_ville", None),
    ("les taxes de la commune", "taxes", None),          # the city is the fallback only
    ("la mairie de Jupille", "population", "mairie_jupille"),
    ("mairie de thier a liege", "population", "mairie_thier_a_liege"),
    ("la piscine de Grivegnée", "piscine", "piscine_grivegnee"),
    ("commissariat de Wandre", "police", "police_wandre"),
    ("recyparc de Glain", "recyparc", "recyparc_glain"),
    ("les Chiroux", "bibliotheque", "bibliotheque_chiroux"),
])
def test_find_tolerates_accents_typos_and_synonyms(real, text, service_id, site_id):
    match = real.find(text)
    assert match is not None and (match.service_id, match.site_id) == (service_id, site_id)


def test_a_place_shared_by_services_follows_the_preferred_service(real):
    assert real.find("Grivegnée").service_id == "population"
    assert real.find("Grivegnée", prefer_service="piscine").site_id == "piscine_grivegnee"


@pytest.mark.parametrize("text", ["licornes", "le service des licornes", "xyz", ""])
def test_find_returns_none_for_unknown_services(real, text):
    assert real.find(text) is None


def test_closest_lists_similar_services(real):
    assert real.closest("populasion", 3)[0] == "population"
    assert real.closest("piscines municipales", 3)[0] == "piscine"
    assert len(real.closest("licornes", 3)) == 3


# --- validation: every problem, each naming file, entry and field ----------------------------

def _problems(tmp_path, services, calendar):
    with pytest.raises(CatalogueError) as error:
        load_services(write_catalogue(tmp_path, services, calendar))
    return error.value.problems


def _one(problems, entry, field):
    found = [p for p in problems if p.entry == entry and p.field == field]
    assert found, f"no problem for {entry}/{field} in:\n" + "\n".join(map(str, problems))
    return found[0]


def test_unknown_service_id_is_refused(tmp_path):
    services, calendar = catalogue_data()
    services["services"]["populaton"] = {"name": "Population bis", "checked_on": "2026-11-25"}
    problem = _one(_problems(tmp_path, services, calendar), "populaton", None)
    assert "unknown service id" in problem.message and "population" in problem.message
    assert problem.file.endswith("services.yml")


def test_missing_contract_service_is_refused(tmp_path):
    services, calendar = catalogue_data()
    del services["services"]["cpas"]
    assert "missing" in _one(_problems(tmp_path, services, calendar), "cpas", None).message


@pytest.mark.parametrize("week, field, words", [
    ({"lundi": ["8:30-12:30", "12:00-16:00"]}, "hours.week.lundi", "overlap"),
    ({"lundi": ["12:30-8:30"]}, "hours.week.lundi", "inverted"),
    ({"lundi": ["8:30-25:00"]}, "hours.week.lundi", "not a valid time"),
    ({"lundi": ["8h3O-12:00"]}, "hours.week.lundi", "not a time"),
    ({"lundy": ["8:30-12:00"]}, "hours.week.lundy", "not a weekday"),
    ({"lundi-vendredi": ["9:00-12:00"], "vendredi": ["13:00-15:00"]}, "hours.week.vendredi",
     "given twice"),
    ({"vendredi-lundi": ["9:00-12:00"]}, "hours.week.vendredi-lundi", "inverted"),
])
def test_bad_hours_are_refused(tmp_path, week, field, words):
    services, calendar = catalogue_data()
    services["services"]["urbanisme"]["hours"]["week"] = week
    problem = _one(_problems(tmp_path, services, calendar), "urbanisme", field)
    assert words in problem.message


def test_unquoted_time_range_is_refused_with_a_hint(tmp_path):
    services, calendar = catalogue_data()
    services["services"]["urbanisme"]["hours"]["week"] = {"lundi": [750]}   # YAML 12:30
    problem = _one(_problems(tmp_path, services, calendar), "urbanisme", "hours.week.lundi")
    assert "quotes" in problem.message


def test_missing_sources_are_refused(tmp_path):
    services, calendar = catalogue_data()
    del services["services"]["urbanisme"]["source"]
    del services["services"]["urbanisme"]["hours"]["source"]
    del services["services"]["population"]["sites"]["mairie_a"]["hours"]["source_date"]
    problems = _problems(tmp_path, services, calendar)
    assert "missing source" in _one(problems, "urbanisme", "source").message
    _one(problems, "urbanisme", "hours.source")
    _one(problems, "population.sites.mairie_a", "hours.source_date")


def test_bad_calendar_entries_are_refused(tmp_path):
    services, calendar = catalogue_data()
    calendar["closures"].append({"services": ["licornes"], "from": "2026-12-10",
                                 "to": "2026-12-01", "source": "https://x.be"})
    calendar["closures"].append({"services": ["recyparc"], "sites": ["mairie_a"],
                                 "from": "2026-12-10", "reason": "x", "source": "https://x.be"})
    calendar["administration_days"].append({"date": "31/02", "name": "x", "status": "closed",
                                            "source": "https://x.be"})
    calendar["administration_days"].append({"date": "27/09", "name": "x", "status": "ferme",
                                            "source": "https://x.be"})
    calendar["special_hours"].append({"services": ["population"], "from": "2026-12-24",
                                      "hours": ["9:00-11:00"], "reason": "double",
                                      "source": "https://x.be"})
    problems = _problems(tmp_path, services, calendar)
    assert "unknown service id 'licornes'" in _one(problems, "closures[3]", "services").message
    assert "inverted" in _one(problems, "closures[3]", "to").message
    _one(problems, "closures[3]", "reason")
    assert "unknown site" in _one(problems, "closures[4]", "sites").message
    _one(problems, "administration_days[3]", "date")
    _one(problems, "administration_days[4]", "status")
    assert "overlaps" in _one(problems, "special_hours[2]", "from").message
    assert all(p.file.endswith("calendar.yml") for p in problems)


def test_every_problem_is_reported_at_once_and_nothing_is_returned(tmp_path):
    services, calendar = catalogue_data()
    services["services"]["urbanisme"]["hours"]["week"] = {"lundy": ["9:00-8:00"],
                                                          "mardi": ["9:00-12:00", "11:00-13:00"]}
    services["services"]["recyparc"]["email"] = "pas-une-adresse"
    services["services"]["population"]["main_site"] = "mairie_z"
    calendar["legal_holidays"]["closed"].append("licornes")
    problems = _problems(tmp_path, services, calendar)
    fields = {(p.entry, p.field) for p in problems}
    assert [p.message for p in problems if p.field == "hours.week.lundy"] == [
        "'9:00-8:00' is inverted or empty: the start must come before the end",
        "'lundy' is not a weekday (use lundi … dimanche)"]
    assert {("urbanisme", "hours.week.lundy"), ("urbanisme", "hours.week.mardi"),
            ("recyparc", "email"),
            ("population", "main_site"), ("legal_holidays", "closed")} <= fields
    text = str(CatalogueError(problems))
    assert "services.yml, entry 'recyparc', field 'email'" in text
    assert "calendar.yml, entry 'legal_holidays', field 'closed'" in text


def test_impossible_dates_are_problems_not_crashes(tmp_path):
    services, calendar = catalogue_data()
    calendar["closures"][0]["from"] = "2026-02-30"
    services["services"]["urbanisme"]["checked_on"] = "2026-13-01"
    services["services"]["urbanisme"]["hours"]["source_date"] = "2022-02-30"
    text = write_catalogue(tmp_path, services, calendar) / "calendar.yml"
    # Unquoted in YAML, as city staff would type it.
    text.write_text(text.read_text(encoding="utf-8").replace("'2026-02-30'", "2026-02-30"),
                    encoding="utf-8")
    with pytest.raises(CatalogueError) as error:
        load_services(tmp_path)
    problems = error.value.problems
    _one(problems, "closures[1]", "from")
    _one(problems, "urbanisme", "checked_on")
    _one(problems, "urbanisme", "hours.source_date")


def test_unknown_fields_and_duplicate_site_ids_are_refused(tmp_path):
    services, calendar = catalogue_data()
    services["services"]["urbanisme"]["adress"] = "Rue X"
    services["services"]["recyparc"]["sites"]["mairie_a"] = {"name": "Doublon",
                                                             "checked_on": "2026-11-25"}
    problems = _problems(tmp_path, services, calendar)
    _one(problems, "urbanisme", "adress")
    assert "already used" in _one(problems, "recyparc.sites.mairie_a", None).message


def test_missing_and_broken_files_are_reported(tmp_path):
    with pytest.raises(CatalogueError) as error:
        load_services(tmp_path)
    assert {Path(p.file).name for p in error.value.problems} >= {"services.yml",
                                                                  "calendar.yml"}
    (tmp_path / "services.yml").write_text("services: [unclosed", encoding="utf-8")
    with pytest.raises(CatalogueError) as error:
        load_services(tmp_path)
    assert any("not valid YAML" in p.message for p in error.value.problems)

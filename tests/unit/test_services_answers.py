"""Answers to ask_hours and ask_contact, on the synthetic catalogue and a frozen clock."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from actions.city_catalogue.services import load_services
from actions.service_answers import (answer_contact, answer_hours, map_link, resolve_service,
                                     split_payload)
from tests.unit.test_services_fixtures import at, synthetic_catalogue

WEDNESDAY = at("2026-11-25 10:00")
REAL_DIR = Path(__file__).resolve().parents[2] / "catalogue"


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    return synthetic_catalogue(tmp_path_factory.mktemp("catalogue"))


def hours(catalogue, text, entities=(), slot=None, site=None, now=WEDNESDAY):
    return answer_hours(catalogue, list(entities), slot, site, text, now)


def contact(catalogue, text, entities=(), slot=None, site=None, now=WEDNESDAY):
    return answer_contact(catalogue, list(entities), slot, site, text, now)


# --- which service ---------------------------------------------------------------------------

def test_entity_first_then_text_then_slot(catalogue):
    assert resolve_service(catalogue, ["urbanisme"], "recyparc", "").service_id == "urbanisme"
    assert resolve_service(catalogue, [], "recyparc", "et l'urbanisme ?").service_id == \
        "urbanisme"
    resolution = resolve_service(catalogue, [], "recyparc", "et samedi ?")
    assert (resolution.service_id, resolution.origin) == ("recyparc", "slot")
    assert not resolve_service(catalogue, [], None, "et samedi ?").found


def test_unknown_service_never_falls_back_to_the_slot(catalogue):
    resolution = resolve_service(catalogue, [], "recyparc", "le service des licornes ?")
    assert resolution.unknown == "licornes" and not resolution.found
    resolution = resolve_service(catalogue, ["licornes"], "recyparc", "licornes")
    assert resolution.unknown == "licornes"


@pytest.mark.parametrize("text", ["le service est ouvert ?", "le guichet électronique ?",
                                  "à quel guichet je vais ?", "le service de la ville"])
def test_words_that_name_no_unknown_service(catalogue, text):
    resolution = resolve_service(catalogue, [], "recyparc", text)
    assert not resolution.unknown and resolution.service_id in ("recyparc", "hotel_de_ville")


def test_a_procedure_beats_an_unknown_name(catalogue):
    resolution = resolve_service(catalogue, [], None, "le service des cartes d'identité",
                                 procedure_service="population")
    assert resolution.service_id == "population"


def test_site_named_in_text_or_remembered(catalogue):
    resolution = resolve_service(catalogue, ["population"], None, "la mairie de Bravo")
    assert resolution.site_id == "mairie_b"
    resolution = resolve_service(catalogue, [], "population", "et samedi ?", "mairie_b")
    assert resolution.site_id == "mairie_b"
    # A remembered site of another service is ignored.
    assert resolve_service(catalogue, [], "population", "et samedi ?", "recyparc_x"
                           ).site_id is None


def test_explicit_service_without_site_resets_the_site(catalogue):
    assert resolve_service(catalogue, ["population"], "population", "la population",
                           "mairie_b").site_id is None


def test_procedure_service_is_used_before_the_slot(catalogue):
    resolution = resolve_service(catalogue, [], "recyparc", "mon passeport samedi",
                                 procedure_service="population")
    assert resolution.service_id == "population"


def test_place_of_another_service_is_reported(catalogue):
    resolution = resolve_service(catalogue, ["recyparc"], None, "le recyparc de Bravo")
    assert (resolution.service_id, resolution.site_id, resolution.unknown_site) == \
        ("recyparc", None, "Bravo")


def test_unknown_place_of_a_service_is_reported(catalogue):
    resolution = resolve_service(catalogue, ["piscine"], None, "la piscine de Droixhe ?")
    assert (resolution.service_id, resolution.unknown_site) == ("piscine", "Droixhe")
    assert resolve_service(catalogue, ["piscine"], None, "piscine de sainte-walburge"
                           ).unknown_site == "Sainte-walburge"
    assert resolve_service(catalogue, ["piscine"], None, "la piscine d'Ans").unknown_site == ""
    for text in ("la piscine de la ville", "la piscine de mon quartier", "la piscine demain"):
        assert resolve_service(catalogue, ["piscine"], None, text).unknown_site == ""
    answer = hours(catalogue, "la piscine de Droixhe est ouverte ?", ["piscine"])
    assert answer.text.startswith("Je ne connais pas de lieu « Droixhe » pour : Piscines.")


def test_the_city_at_a_place_is_that_place(catalogue):
    resolution = resolve_service(catalogue, ["hotel_de_ville"], None,
                                 "la maison communale de Bravo est ouverte ?")
    assert (resolution.service_id, resolution.site_id) == ("population", "mairie_b")


def test_payload_carries_site_and_moment():
    text = '/ask_hours{"service":"population","site":"mairie_b","when":"day:2026-11-28"}'
    assert split_payload(text) == ("", {"service": "population", "site": "mairie_b",
                                        "when": "day:2026-11-28"})
    assert split_payload("bonjour /ask") == ("bonjour /ask", {})


# --- hours answers ---------------------------------------------------------------------------

def test_week_hours_one_line_per_group_with_source_age(catalogue):
    answer = hours(catalogue, "horaires de la mairie d'Alpha")
    assert "Lun–ven : 8h30–12h30, 13h30–16h" in answer.text
    assert "Sam : 9h–12h30" in answer.text
    assert "Maintenant : ouvert jusqu'à 12h30, puis 13h30–16h." in answer.text
    assert "publiés sur liege.be le 02/09/2022" in answer.text and "vérifiez" in answer.text
    assert answer.slots == {"service": "population", "site": "mairie_a"}


def test_recent_hours_have_no_age_caveat(catalogue):
    answer = hours(catalogue, "et samedi ?", slot="population", site="mairie_b")
    assert "publiés" not in answer.text
    assert "Sous réserve de fermeture exceptionnelle." in answer.text


def test_open_now_until_when(catalogue):
    answer = hours(catalogue, "c'est ouvert ?", ["urbanisme"], now=at("2026-11-23 11:40"))
    assert "Maintenant : ouvert jusqu'à 12h (fermeture dans 20 minutes)." in answer.text


def test_one_minute_before_and_after_closing(catalogue):
    before = hours(catalogue, "c'est ouvert ?", slot="population", site="mairie_a",
                   now=at("2026-11-25 15:59"))
    assert "ouvert jusqu'à 16h (fermeture dans 1 minute)" in before.text
    after = hours(catalogue, "c'est ouvert ?", slot="population", site="mairie_a",
                  now=at("2026-11-25 16:01"))
    assert "fermé depuis 16h" in after.text
    assert "Prochaine ouverture : demain (jeudi 26 novembre) à 8h30." in after.text


def test_closed_for_lunch_says_when_it_reopens(catalogue):
    answer = hours(catalogue, "c'est ouvert là ?", slot="population", site="mairie_a",
                   now=at("2026-11-25 12:45"))
    assert "fermé (pause de midi de 12h30 à 13h30)" in answer.text
    assert "Réouverture à 13h30." in answer.text


def test_entre_midi_et_deux(catalogue):
    answer = hours(catalogue, "entre midi et deux ?", slot="population", site="mairie_a")
    assert "entre midi et deux : ouvert 8h30–12h30 et 13h30–16h (fermé de 12h30 à 13h30)" \
        in answer.text


def test_tonight_after_closing(catalogue):
    answer = hours(catalogue, "et ce soir ?", slot="population", site="mairie_a")
    assert "ce soir : fermé (fermeture à 16h)" in answer.text
    assert "Prochaine ouverture : demain (jeudi 26 novembre) à 8h30." in answer.text


def test_holiday_by_name(catalogue):
    answer = hours(catalogue, "ouvert le lundi de Pâques ?", slot="population", site="mairie_a")
    assert "Lundi 29 mars 2027 : fermé (jour férié : Lundi de Pâques)." in answer.text
    assert "Prochaine ouverture : mardi 30 mars 2027 à 8h30." in answer.text


def test_named_day_that_is_not_a_closure_keeps_its_name(catalogue):
    answer = hours(catalogue, "ouvert la veille de Noël ?", slot="population", site="mairie_a")
    assert "Jeudi 24 décembre (veille de Noël) : ouvert 8h30–12h " \
           "(horaires spéciaux : veille de Noël)." in answer.text


def test_closure_with_its_reason(catalogue):
    answer = hours(catalogue, "le 29 décembre ?", ["recyparc"])
    assert "fermeture exceptionnelle du 28 décembre 2026 au 30 décembre 2026 : inventaire" \
        in answer.text
    assert "Prochaine ouverture : jeudi 31 décembre à 9h." in answer.text


def test_weekend(catalogue):
    answer = hours(catalogue, "ce week-end ?", ["recyparc"])
    assert "Samedi 28 novembre : ouvert 8h30–12h30, 13h–17h." in answer.text
    assert "Dimanche 29 novembre : fermé le dimanche." in answer.text


def test_date_next_year_shows_the_year(catalogue):
    answer = hours(catalogue, "le 15 janvier", ["urbanisme"])
    assert "Vendredi 15 janvier 2027 : ouvert 9h–12h." in answer.text


def test_past_date_is_answered_in_the_past(catalogue):
    answer = hours(catalogue, "c'était ouvert samedi dernier ?", ["recyparc"])
    assert "Samedi 21 novembre : c'était ouvert 8h30–12h30, 13h–17h." in answer.text
    assert "Prochaine" not in answer.text and "vérifiez avant" not in answer.text


def test_date_that_does_not_exist(catalogue):
    answer = hours(catalogue, "le 31 février ?", ["recyparc"])
    assert answer.text.startswith("Le 31 février n'existe pas.")
    assert "ouvert" not in answer.text
    assert hours(catalogue, "le 31 février ?").text == "Le 31 février n'existe pas."


def test_unconfirmed_administration_day_warns(catalogue):
    answer = hours(catalogue, "le 15 novembre 2027", ["urbanisme"])
    assert "Fête du Roi" in answer.text and "vérifiez sur liege.be" in answer.text


def test_unknown_hours_say_so_and_point_to_liege_be(catalogue):
    answer = hours(catalogue, "horaires de la mairie de Charlie")
    assert "je ne connais pas les horaires" in answer.text
    assert "https://www.liege.be" in answer.text


def test_unknown_hours_still_give_a_known_closure(catalogue):
    answer = hours(catalogue, "la piscine est ouverte samedi ?", ["piscine"])
    assert "Piscine de Yankee, samedi 28 novembre : fermé (fermeture exceptionnelle" \
        in answer.text


def test_several_sites_grouped_by_their_answer(catalogue):
    answer = hours(catalogue, "les mairies sont ouvertes samedi ?", ["population"])
    assert "• Alpha : ouvert 9h–12h30" in answer.text
    assert "• Bravo : fermé le samedi" in answer.text
    assert "• horaires inconnus : Charlie" in answer.text
    assert [b.title for b in answer.buttons] == ["Alpha", "Bravo", "Charlie"]
    payload = json.loads(answer.buttons[0].payload[len("/ask_hours"):])
    assert payload == {"service": "population", "site": "mairie_a", "when": "day:2026-11-28"}


def test_button_click_keeps_site_and_moment(catalogue):
    answer = hours(catalogue, '/ask_hours{"service":"population","site":"mairie_a",'
                              '"when":"day:2026-11-28"}', ["population"])
    assert answer.text.startswith("Mairie de quartier d'Alpha :\nSamedi 28 novembre : ouvert")
    assert answer.slots["site"] == "mairie_a"


def test_no_service_asks_which_with_buttons(catalogue):
    answer = hours(catalogue, "vous êtes ouverts samedi ?")
    assert "De quel service" in answer.text
    assert answer.buttons[0].payload == \
        '/ask_hours{"service":"population","when":"day:2026-11-28"}'
    assert answer.slots == {}


def test_unknown_service_lists_the_closest(catalogue):
    answer = hours(catalogue, "le service des licornes est ouvert ?", slot="recyparc")
    assert answer.text.startswith("Je ne connais pas de service « licornes ».")
    assert len(answer.buttons) == 3 and answer.slots == {}
    assert all(b.payload.startswith('/ask_hours{"service":') for b in answer.buttons)


# --- contact answers -------------------------------------------------------------------------

def test_contact_with_map_link(catalogue):
    answer = contact(catalogue, "adresse de l'urbanisme", ["urbanisme"])
    assert "Adresse : Quai Test 10, Liège" in answer.text
    assert "Tél. : 04/000.00.00" in answer.text
    assert "Plan : https://www.openstreetmap.org/search?query=Quai%20Test%2010%2C%20Li%C3%A8ge" \
        in answer.text
    assert "Je ne connais pas son e-mail." in answer.text


def test_contact_unknown_fields_point_to_the_general_contact(catalogue):
    answer = contact(catalogue, "numéro du cpas", ["cpas"])
    assert "Je ne connais pas son adresse, son téléphone ni son e-mail." in answer.text
    assert "https://www.liege.be" in answer.text and "Plan" not in answer.text


def test_contact_of_a_site_inherits_phone_not_address(catalogue):
    answer = contact(catalogue, "et Xray ?", slot="recyparc")
    assert "Recyparc de Xray" in answer.text and "Tél. : 04/111.11.11" in answer.text
    assert "Rue Xray" in answer.text


def test_contact_follows_the_remembered_service_and_site(catalogue):
    answer = contact(catalogue, "c'est où ?", slot="population", site="mairie_a")
    assert answer.text.startswith("Mairie de quartier d'Alpha\nAdresse : Rue Alpha 1, Liège")


def test_contact_of_a_service_with_sites_gives_the_main_one(catalogue):
    answer = contact(catalogue, "c'est où la population ?", ["population"])
    heading, main = answer.text.splitlines()[:2]
    assert heading.endswith("– lieu principal :") and main == "Mairie de quartier d'Alpha"
    assert "Autres lieux : Bravo et Charlie." in answer.text
    assert [b.title for b in answer.buttons] == ["Bravo", "Charlie"]


def test_map_links_only_point_to_openstreetmap():
    for address in ("Potiérue 5, Liège", "Rue de Visé, Wandre", "a&b?c=d#e"):
        link = urlparse(map_link(address))
        assert (link.scheme, link.netloc, link.path) == ("https", "www.openstreetmap.org",
                                                         "/search")
        assert "&" not in link.query and "#" not in map_link(address)


# --- the real catalogue: facts as shipped ----------------------------------------------------

@pytest.fixture(scope="module")
def real():
    return load_services(REAL_DIR)


def test_real_jupille_saturday(real):
    answer = hours(real, "la mairie de Jupille est ouverte samedi ?")
    assert "Samedi 28 novembre : ouvert 9h–12h30." in answer.text
    assert "(Horaires publiés sur liege.be le 02/09/2022 ; vérifiez avant de vous déplacer.)" \
        in answer.text


def test_real_answers_write_no_unsourced_phone_number(real):
    facts = (REAL_DIR.parents[1] / "shared" / "research" / "liege-facts.md").read_text(
        encoding="utf-8")
    for service_id in real.ids():
        for answer in (hours(real, "horaires", [service_id]),
                       contact(real, "coordonnées", [service_id])):
            for number in re.findall(r"\b0\d{1,3}/[\d. ]{6,}\d", answer.text):
                assert number in facts, (service_id, number)


def test_real_unknown_hours_of_the_cpas(real):
    answer = hours(real, "jusqu'à quelle heure je peux passer au CPAS ce soir ?", ["cpas"])
    assert "je ne connais pas les horaires" in answer.text and "liege.be" in answer.text

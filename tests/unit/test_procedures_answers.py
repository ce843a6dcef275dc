"""Answers for every (procedure x aspect) pair, special situations and bad input."""

from __future__ import annotations

import json
import re

import pytest

from actions.answers import Answer, UnknownFact
from actions.city_catalogue.procedures import CONTRACT_PROCEDURE_IDS
from actions.procedure_answers import (
    ASPECTS, MAX_BUTTONS, answer_aspect, format_valid_from, format_variant, render,
)
from tests.unit.test_procedures_support import (
    CATALOGUE_DIR, STUB_DETAILS, StubServices, stub_catalogue,
)

TEMPLATE_TEXT_LIMIT = 640  # Messenger button template; keeps answers chat-sized
UNKNOWN_MARKERS = ("je ne connais pas", "je ne sais pas", "je n'ai pas")


@pytest.fixture(scope="module")
def catalogue():
    return stub_catalogue()


@pytest.fixture(scope="module")
def services():
    return StubServices(details=STUB_DETAILS)


def _payload(payload: str):
    match = re.fullmatch(r"/(\w+)(\{.*\})?", payload)
    assert match, payload
    return match.group(1), json.loads(match.group(2) or "{}")


def _check_chat_sized(answer: Answer) -> None:
    text = answer.text
    assert text.strip(), "empty answer"
    assert len(text) <= TEMPLATE_TEXT_LIMIT, f"{len(text)} characters:\n{text}"
    assert "None" not in text and "{" not in text and "\n\n" not in text, text
    assert not re.search(r"\s[,.;:]\s*$", text), text
    for button in answer.buttons:
        assert 0 < len(button.title) <= 20, button
        _payload(button.payload)
    assert len(answer.buttons) <= MAX_BUTTONS


# --- the whole matrix ------------------------------------------------------------------------


@pytest.mark.parametrize("aspect", list(ASPECTS))
@pytest.mark.parametrize("procedure_id", CONTRACT_PROCEDURE_IDS)
def test_every_pair_answers(catalogue, services, procedure_id, aspect):
    """A real answer, or an honest "je ne sais pas" that names who to contact."""
    procedure = catalogue.get(procedure_id)
    answer = answer_aspect(aspect, catalogue, services, [procedure_id], None, "")
    _check_chat_sized(answer)
    assert answer.slots == {"procedure": procedure_id, "service": procedure.service}

    lower = answer.text.lower()
    if any(marker in lower for marker in UNKNOWN_MARKERS):
        # Honest: says what it does not know and where to ask (contact or a web page).
        assert "auprès" in lower or "http" in lower or "04/" in lower, answer.text
    # The trainers' report lists what the text calls unknown, and only that.
    says_unknown = any(marker in lower for marker in (*UNKNOWN_MARKERS, "inconnu"))
    assert bool(answer.unknown) == says_unknown, (answer.unknown, answer.text)
    assert all(fact.entry == procedure_id for fact in answer.unknown)
    assert answer.topic == procedure_id

    titles = [button.title for button in answer.buttons]
    assert titles[-1] == "Où ?"
    where = _payload(answer.buttons[-1].payload)
    assert where == ("ask_contact", {"service": procedure.service})
    answered = ASPECTS[aspect][1]
    assert answered not in titles
    for button in answer.buttons[:-1]:
        intent, entities = _payload(button.payload)
        assert intent in {value[0] for value in ASPECTS.values()}
        assert entities == {"procedure": procedure_id}
    assert len(titles) == MAX_BUTTONS


@pytest.mark.parametrize("procedure_id", CONTRACT_PROCEDURE_IDS)
def test_every_procedure_with_the_real_services_catalogue(procedure_id):
    if not (CATALOGUE_DIR / "services.yml").exists():
        pytest.skip("services.yml not written yet")
    from actions.city_catalogue import load_catalogue

    whole = load_catalogue(CATALOGUE_DIR)
    for aspect in ASPECTS:
        answer = answer_aspect(aspect, whole.procedures, whole.services, [procedure_id])
        _check_chat_sized(answer)


def test_unknown_fields_point_to_the_handling_service(catalogue, services):
    answer = answer_aspect("price", catalogue, services, ["permis_conduire"])
    assert "je ne connais pas le prix actuel" in answer.text
    assert answer.unknown == (UnknownFact("permis_conduire", "permis de conduire", "prix"),)
    assert "service Population" in answer.text
    assert "04/221.00.00" in answer.text and "population@example.org" in answer.text
    assert "https://www.liege.be/population" in answer.text


def test_a_service_without_contact_details_points_to_liege_be(catalogue):
    answer = answer_aspect("documents", catalogue, StubServices(), ["carte_riverain"])
    assert "service Mobilité" in answer.text and "https://www.liege.be" in answer.text


# --- content ---------------------------------------------------------------------------------


def test_price_lists_variants_with_their_dates(catalogue, services):
    text = answer_aspect("price", catalogue, services, ["carte_identite"]).text
    assert "adulte, procédure normale : 39,70 € (depuis 2025)" in text
    assert "27,90 €" in text
    nationality = answer_aspect("price", catalogue, services, ["nationalite"]).text
    assert "1\u202f000 € (depuis le 29 juillet 2025)" in nationality
    marriage = answer_aspect("price", catalogue, services, ["mariage"]).text
    assert "jusqu'à 59,30 €" in marriage


def test_passport_price_is_unknown_but_honest(catalogue, services):
    answer = answer_aspect("price", catalogue, services, ["passeport"])
    assert [fact.fact for fact in answer.unknown] == ["prix (certains tarifs)"]
    text = answer.text
    assert "tarif actuel inconnu" in text
    assert "35,58 €" in text  # the loss declaration, a known 2025 Liège fee
    assert "renseignez-vous auprès du service Population" in text


def test_free_online_certificate(catalogue, services):
    text = answer_aspect("price", catalogue, services, ["composition_menage"]).text
    assert "Mon DOSSIER : gratuit" in text
    online = answer_aspect("online", catalogue, services, ["composition_menage"]).text
    assert "en ligne : oui" in online and "Mon DOSSIER" in online


def test_online_links_only_from_the_facts(catalogue, services):
    text = answer_aspect("online", catalogue, services, ["acte_naissance"]).text
    assert "https://e-guichet.liege.be/" in text
    assert "mondossier" not in text.lower()  # the portal is named, its address is not sourced
    licence = answer_aspect("online", catalogue, services, ["permis_conduire"]).text
    assert "https://beldrive.apps.mobilit.fgov.be" in licence


def test_format_helpers(catalogue):
    identity = catalogue.get("carte_identite").price.variants[0]
    assert format_valid_from(identity) == "depuis 2025"
    urbanism = catalogue.get("permis_urbanisme").price.variants[0]
    assert format_valid_from(urbanism) == "depuis le 1er janvier 2024"
    unknown = catalogue.get("passeport").price.variants[0]
    assert format_variant(unknown).endswith("tarif actuel inconnu")


# --- special situations ----------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("j'ai perdu ma carte d'identité", ["DOC STOP", "00800 2123 2123", "checkdoc.be"]),
    ("on m'a volé ma carte d'id", ["DOC STOP", "police"]),
    ("j'ai oublié mon code PIN", ["PIN/PUK", "3 semaines"]),
    ("carte d'identité pour mon fils de 13 ans", ["Kids-ID", "12"]),
])
def test_identity_card_situations(catalogue, services, text, expected):
    answer = answer_aspect("procedure", catalogue, services, ["carte_identite"], None, text)
    _check_chat_sized(answer)
    for word in expected:
        assert word in answer.text


def test_passport_loss_and_urgency(catalogue, services):
    lost = answer_aspect("procedure", catalogue, services, [], None, "j'ai perdu mon passeport")
    assert "35,58 €" in lost.text and "DOC STOP" in lost.text
    urgent = answer_aspect("procedure", catalogue, services, ["passeport"], None,
                           "il me faut un passeport en urgence")
    assert "1 jour ouvrable" in urgent.text


def test_a_situation_without_facts_is_said_honestly(catalogue, services):
    answer = answer_aspect("procedure", catalogue, services, ["permis_conduire"], None,
                           "j'ai perdu mon permis de conduire")
    assert "pas d'information vérifiée en cas de perte" in answer.text
    assert "service Population" in answer.text


def test_button_payload_text_is_not_read_as_a_situation(catalogue, services):
    answer = render("procedure", catalogue.get("carte_identite"), services,
                    '/ask_procedure{"procedure":"carte_identite"}')
    assert "DOC STOP" not in answer.text


# --- bad input -------------------------------------------------------------------------------


def test_unknown_procedure_offers_the_closest(catalogue, services):
    answer = answer_aspect("price", catalogue, services, [], "passeport",
                           "combien coûte le permis de chasse ?")
    _check_chat_sized(answer)
    assert "Je ne connais pas la démarche « permis de chasse »" in answer.text
    offered = [_payload(button.payload) for button in answer.buttons]
    assert ("ask_price", {"procedure": "permis_conduire"}) in offered
    assert ("ask_price", {"procedure": "permis_urbanisme"}) in offered
    assert answer.slots == {"procedure": None}


def test_unknown_entity_value_is_not_replaced_by_the_slot(catalogue, services):
    answer = answer_aspect("documents", catalogue, services, ["permis de pêche"], "passeport",
                           "il faut quoi pour le permis de pêche")
    assert "permis de pêche" in answer.text
    assert answer.slots == {"procedure": None}


def test_procedure_of_another_body(catalogue, services):
    answer = answer_aspect("procedure", catalogue, services, [], None,
                           "comment avoir une plaque d'immatriculation ?")
    _check_chat_sized(answer)
    assert "ce n'est pas une démarche de la Ville de Liège" in answer.text
    assert "DIV" in answer.text and "Je n'ai pas ses coordonnées" in answer.text
    assert answer.slots == {"procedure": None}


def test_aspect_without_procedure_asks_which(catalogue, services):
    answer = answer_aspect("price", catalogue, services, [], None, "et c'est combien ?")
    _check_chat_sized(answer)
    assert "quelle démarche" in answer.text
    assert [_payload(b.payload)[0] for b in answer.buttons] == ["ask_price"] * len(answer.buttons)
    assert len(answer.buttons) == MAX_BUTTONS
    assert answer.slots == {}


def test_ambiguous_word_asks_between_the_candidates(catalogue, services):
    answer = answer_aspect("delay", catalogue, services, [], None, "le permis ça prend combien")
    ids = {_payload(b.payload)[1]["procedure"] for b in answer.buttons}
    assert {"permis_conduire", "permis_urbanisme"} <= ids


def test_service_without_procedures(catalogue, services):
    answer = answer_aspect("price", catalogue, services, [], "passeport",
                           "l'entrée à la piscine c'est combien ?", service_value="piscine")
    _check_chat_sized(answer)
    assert "pas d'information sur les prix" in answer.text
    assert [_payload(b.payload) for b in answer.buttons] == [
        ("ask_hours", {"service": "piscine"}), ("ask_contact", {"service": "piscine"})]


def test_service_with_several_procedures_asks_which(catalogue, services):
    answer = answer_aspect("documents", catalogue, services, [], None,
                           "quels papiers pour l'état civil ?", service_value="etat_civil")
    assert "Pour quelle démarche du service État civil" in answer.text
    ids = {_payload(b.payload)[1]["procedure"] for b in answer.buttons}
    assert ids <= {p.id for p in catalogue.by_service("etat_civil")}


def test_appointment_falls_back_to_the_service_policy(catalogue):
    services = StubServices(details={"population": {
        "name": "Population", "appointment_text": "Sans rendez-vous (source 2023)."}})
    answer = answer_aspect("appointment", catalogue, services, ["composition_menage"])
    assert "rendez-vous : sans rendez-vous (source 2023)." in answer.text
    asked = answer_aspect("appointment", catalogue, services, [], None,
                          "faut-il un rdv à la population ?", service_value="population")
    assert "Population – rendez-vous : sans rendez-vous (source 2023)." in asked.text

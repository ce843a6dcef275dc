"""Which procedure a turn is about: entity > words of the message > slot."""

from __future__ import annotations

import pytest

from actions.procedure_answers import resolve_procedure, unknown_mention
from tests.unit.test_procedures_support import stub_catalogue


@pytest.fixture(scope="module")
def catalogue():
    return stub_catalogue()


def _id(resolution):
    return resolution.procedure.id if resolution.procedure else None


def test_entity_wins_over_the_slot(catalogue):
    assert _id(resolve_procedure(catalogue, ["passeport"], "carte_identite", "")) == "passeport"


def test_entity_value_with_synonym_or_typo(catalogue):
    assert _id(resolve_procedure(catalogue, ["carte d'id"], None, "")) == "carte_identite"
    assert _id(resolve_procedure(catalogue, ["pasport"], None, "")) == "passeport"


def test_slot_is_kept_when_nothing_is_named(catalogue):
    for text in ["et c'est combien ?", "il faut quoi ?", "ça prend combien de temps",
                 "faut un rdv ?", "on peut le faire en ligne ?", "la carte elle coûte combien"]:
        assert _id(resolve_procedure(catalogue, [], "passeport", text)) == "passeport", text


def test_naming_another_procedure_switches(catalogue):
    resolution = resolve_procedure(catalogue, [], "passeport", "et pour la compo de ménage ?")
    assert _id(resolution) == "composition_menage"


def test_named_but_unknown_is_not_replaced_by_the_slot(catalogue):
    resolution = resolve_procedure(catalogue, [], "passeport", "et le permis de chasse ?")
    assert resolution.procedure is None and resolution.unknown == "permis de chasse"
    assert {p.id for p in resolution.candidates} >= {"permis_conduire"}
    unknown_entity = resolve_procedure(catalogue, ["carte de pêche"], "passeport", "")
    assert unknown_entity.procedure is None and unknown_entity.unknown == "carte de pêche"
    partial = resolve_procedure(catalogue, ["permis"], "passeport", "le permis de chasse svp")
    assert partial.unknown == "permis de chasse"


def test_bare_generic_entity(catalogue):
    """NLU tagged only "permis": the current procedure if it is a permis, else a choice."""
    kept = resolve_procedure(catalogue, ["permis"], "permis_urbanisme", "le permis c'est combien")
    assert _id(kept) == "permis_urbanisme"
    choice = resolve_procedure(catalogue, ["permis"], "passeport", "le permis c'est combien")
    assert choice.procedure is None and not choice.unknown
    assert {"permis_conduire", "permis_urbanisme"} <= {p.id for p in choice.candidates}


def test_stray_entity_word_does_not_hide_the_slot(catalogue):
    resolution = resolve_procedure(catalogue, ["internet"], "acte_naissance",
                                   "c'est possible par internet ?")
    assert _id(resolution) == "acte_naissance"


def test_other_body(catalogue):
    resolution = resolve_procedure(catalogue, [], "passeport", "et une plaque d'immatriculation ?")
    assert resolution.procedure is None and resolution.other_body.id == "immatriculation_vehicule"


def test_button_payload_uses_its_entity_only(catalogue):
    resolution = resolve_procedure(catalogue, ["kids_id"], "passeport",
                                   '/ask_price{"procedure":"kids_id"}')
    assert _id(resolution) == "kids_id"


def test_nothing_known_gives_candidates(catalogue):
    resolution = resolve_procedure(catalogue, [], None, "c'est combien ?")
    assert resolution.procedure is None and not resolution.unknown
    assert [p.id for p in resolution.candidates][:2] == ["carte_identite", "passeport"]


def test_service_narrows_the_choice(catalogue):
    assert _id(resolve_procedure(catalogue, [], None, "rdv", "etrangers")) == "titre_sejour"
    assert _id(resolve_procedure(catalogue, [], "passeport", "", "population")) == "passeport"
    several = resolve_procedure(catalogue, [], "permis_urbanisme", "", "etat_civil")
    assert several.procedure is None and several.service == "etat_civil"
    assert all(p.service == "etat_civil" for p in several.candidates)
    none = resolve_procedure(catalogue, [], "passeport", "", "piscine")
    assert none.procedure is None and none.service == "piscine" and not none.candidates


@pytest.mark.parametrize("text, expected", [
    ("combien coûte le permis de chasse ?", "permis de chasse"),
    ("une carte de pêche svp", "carte de pêche"),
    ("il me faut un certificat d'urbanisme", "certificat d'urbanisme"),
    ("la carte elle coûte combien", ""),
    ("quels documents faut-il ?", ""),
    ("c'est combien la carte ?", ""),
    ("attestation de perte", ""),
])
def test_unknown_mention(text, expected):
    assert unknown_mention(text) == expected

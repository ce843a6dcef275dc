"""catalogue/procedures.yml: loading, validation against the services, lookups."""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from decimal import Decimal

import pytest

from actions.city_catalogue.errors import CatalogueError
from actions.city_catalogue.procedures import (
    CLOSE_RATIO,
    CONTRACT_PROCEDURE_IDS, LABEL_MAX, SITUATION_TRIGGERS, load_procedures, situations_mentioned,
)
from tests.unit.test_procedures_support import (
    CATALOGUE_DIR, FACTS_FILE, SERVICE_IDS, StubServices, stub_catalogue,
)

CHECKED_ON = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def catalogue():
    return stub_catalogue()


# --- the real file ---------------------------------------------------------------------------


def test_every_contract_procedure_has_an_entry(catalogue):
    assert sorted(catalogue.ids()) == sorted(CONTRACT_PROCEDURE_IDS)


def test_every_entry_points_to_a_contract_service(catalogue):
    for procedure in catalogue:
        assert procedure.service in SERVICE_IDS, procedure.id


def test_every_entry_is_dated_and_sourced(catalogue):
    for procedure in catalogue:
        assert procedure.checked_on == CHECKED_ON, procedure.id
        for source_id, source in procedure.sources.items():
            assert re.fullmatch(r"[A-Z]\d+", source_id)
            assert source.url.startswith("http") and source.date, (procedure.id, source_id)


def test_known_prices_carry_a_date_and_a_listed_source(catalogue):
    for procedure in catalogue:
        for variant in procedure.price.known:
            assert variant.valid_from or variant.as_of, (procedure.id, variant.label)
            assert variant.source in procedure.sources, (procedure.id, variant.label)


def test_liege_prices_of_the_facts(catalogue):
    def amounts(procedure_id):
        return {v.amount for v in catalogue.get(procedure_id).price.known}

    assert {Decimal("39.70"), Decimal("27.90")} <= amounts("carte_identite")
    assert Decimal("27.90") in amounts("kids_id")
    assert Decimal("59.30") in amounts("mariage") & amounts("cohabitation_legale")
    assert Decimal("1000") in amounts("nationalite")
    assert Decimal("189") in amounts("permis_urbanisme")
    nationality = catalogue.get("nationalite").price.known[0]
    assert nationality.valid_from == "2025-07-29"


@pytest.mark.parametrize("procedure_id", [
    "passeport", "permis_conduire", "casier_judiciaire", "composition_menage",
    "changement_adresse", "carte_riverain",
])
def test_unknown_liege_prices_stay_unknown(catalogue, procedure_id):
    """The facts give no current Liège price: nothing may be invented."""
    price = catalogue.get(procedure_id).price
    main = [v for v in price.variants if "Mon DOSSIER" not in v.label
            and "perte" not in v.label]
    assert main and all(not variant.known for variant in main)


def test_labels_fit_a_quick_reply(catalogue):
    for procedure in catalogue:
        assert 0 < len(procedure.label) <= LABEL_MAX, procedure.id


def test_situations_are_known_kinds(catalogue):
    for procedure in catalogue:
        assert set(procedure.situations) <= set(SITUATION_TRIGGERS), procedure.id
    identity = catalogue.get("carte_identite")
    assert {"perte", "vol", "codes_pin_puk", "mineurs"} <= set(identity.situations)
    assert "00800 2123 2123" in identity.situations["perte"]


def _without_scheme(url: str) -> str:
    return re.sub(r"^https?://", "", url).rstrip("/")


@pytest.mark.skipif(not FACTS_FILE.exists(), reason="research notes not available")
def test_every_url_comes_from_the_research_notes(catalogue):
    """Sources, detail links and online portals: only addresses found in liege-facts.md."""
    facts = FACTS_FILE.read_text(encoding="utf-8")
    urls = []
    for procedure in catalogue:
        urls += [source.url for source in procedure.sources.values()]
        urls += [option.url for option in procedure.online.options if option.url]
        urls += [procedure.link] if procedure.link else []
    for body in catalogue.other_bodies():
        urls += [source.url for source in body.sources.values()]
    for url in urls:
        assert _without_scheme(url) in facts, url


def test_other_bodies_are_loaded(catalogue):
    plates = catalogue.find_other_body("plaque d'immatriculation")
    assert plates is not None and "DIV" in plates.body
    assert catalogue.find_other_body("passeport") is None


# --- lookups ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("carte_identite", "carte_identite"),
    ("carte d'identité", "carte_identite"),
    ("CARTE D IDENTITE", "carte_identite"),
    ("eID", "carte_identite"),
    ("CI", "carte_identite"),
    ("code pin", "carte_identite"),
    ("carte d'identité pour enfant", "kids_id"),
    ("kids-id", "kids_id"),
    ("pasport", "passeport"),
    ("passport", "passeport"),
    ("compo de menage", "composition_menage"),
    ("compo", "composition_menage"),
    ("bonne vie et moeurs", "casier_judiciaire"),
    ("je déménage", "changement_adresse"),
    ("cohabitaion légale", "cohabitation_legale"),
    ("acte de naissance", "acte_naissance"),
    ("déclarer la naissance de mon fils", "declaration_naissance"),
    ("extrait d'acte de mariage", "acte_mariage"),
    ("me marier", "mariage"),
    ("devenir belge", "nationalite"),
    ("carte de séjour", "titre_sejour"),
    ("permis de construire une véranda", "permis_urbanisme"),
    ("permis de conduire provisoire", "permis_conduire"),
    ("vieux meubles", "encombrants"),
    ("don d'organes", "don_organes"),
    ("comment renouveler ma carte d'identite svp", "carte_identite"),
])
def test_find_tolerates_wording(catalogue, text, expected):
    found = catalogue.find(text)
    assert found is not None and found.id == expected


@pytest.mark.parametrize("text", ["et c'est combien ?", "bonjour", "", "permis de chasse",
                                  "la carte", "naissance"])
def test_find_names_nothing_when_nothing_is_named(catalogue, text):
    assert catalogue.find(text) is None


def test_closest_offers_look_alikes(catalogue):
    ids = [p.id for p in catalogue.closest("permis de chasse", 3)]
    assert {"permis_conduire", "permis_urbanisme"} <= set(ids)
    assert [p.id for p in catalogue.closest("naissance", 2)] == sorted(
        ["acte_naissance", "declaration_naissance"])
    assert catalogue.closest("la météo de demain", 3) == []


def held_out_texts():
    """The held-out messages as citizens typed them (the evaluation's own reader)."""
    from scripts.evaluate_understanding import DEFAULT_HELD_OUT, held_out_examples

    return [example["text"] for example in held_out_examples(DEFAULT_HELD_OUT)]


def test_tokens_match_is_the_plain_similarity_test():
    """The length and quick_ratio shortcuts only skip pairs that could not reach 0.8."""
    import difflib
    import itertools

    from actions.city_catalogue.procedures import content_tokens, tokens_match

    words = sorted({w for text in held_out_texts() for w in content_tokens(text)})
    assert len(words) > 800
    for expected, actual in itertools.product(words[::7], words[::3]):
        plain = expected == actual or (len(expected) >= 5 and len(actual) >= 4 and difflib.
                                       SequenceMatcher(None, expected, actual).ratio() >= 0.8)
        assert tokens_match(expected, actual) == plain, (expected, actual)


def test_closest_skips_only_phrases_that_could_not_be_offered(catalogue):
    """`closest` with difflib's quick bounds gives what the full comparison of every phrase
    gives, on the held-out citizens' messages (long ones included)."""
    def reference(text, n):
        ranked = [(o, r, k) for o, r, k in catalogue._index.ranking(text)
                  if o > 0 or r >= CLOSE_RATIO]
        return [k for _, _, k in ranked[:n]]

    texts = held_out_texts()[::3]  # the full comparison is slow: a third of them
    assert len(texts) > 200
    for text in texts:
        assert [p.id for p in catalogue.closest(text, 5)] == reference(text, 5), text


def test_situations_mentioned():
    assert situations_mentioned("j'ai perdu ma carte") == ["perte"]
    assert situations_mentioned("on m'a volé mon passeport") == ["vol"]
    assert situations_mentioned("code PIN oublié") == ["codes_pin_puk"]
    assert "mineurs" in situations_mentioned("pour mon fils de 10 ans")
    assert situations_mentioned("combien ça coûte") == []


# --- validation ------------------------------------------------------------------------------


def _write(tmp_path, procedures: str, other_bodies: str = None):
    (tmp_path / "procedures.yml").write_text(textwrap.dedent(procedures), encoding="utf-8")
    if other_bodies is not None:
        (tmp_path / "other_bodies.yml").write_text(textwrap.dedent(other_bodies),
                                                   encoding="utf-8")
    return tmp_path


GOOD_ENTRY = """
  passeport:
    name: passeport
    label: Passeport
    service: population
    summary: Le passeport.
    price:
      variants:
        - {label: normal, amount: 75, as_of: "2022", source: C2}
    sources:
      C2: {url: "https://example.org/c2", date: "2022-11"}
    checked_on: 2026-11-25
"""


def _problems(error: CatalogueError):
    return {(p.file, p.entry, p.field) for p in error.problems}


def test_the_real_file_is_checked_against_the_services():
    with pytest.raises(CatalogueError) as caught:
        load_procedures(CATALOGUE_DIR, StubServices(ids=["etat_civil"]))
    problems = _problems(caught.value)
    assert ("procedures.yml", "passeport", "service") in problems
    assert ("procedures.yml", "acte_naissance", "service") not in problems
    message = str(caught.value)
    assert "procedures.yml, entry 'passeport', field 'service': unknown service 'population'" \
        in message


def test_every_problem_is_reported_with_file_entry_and_field(tmp_path):
    directory = _write(tmp_path, """
        procedures:
          passeport:
            name: passeport
            label: Un libellé bien trop long pour un bouton
            service: piscines
            summary: ""
            colour: bleu
            price:
              variants:
                - {label: normal, amount: douze}
                - {label: urgent, amount: 210}
                - {label: enfant, amount: 35, valid_from: "2025-13", source: Z9}
            online:
              possible: peut-être
              options:
                - {name: portail, url: "www.sans-schema.be"}
            appointment: {needed: true}
            situations:
              naufrage: texte
            link: pas une adresse
            sources:
              K2: {url: "https://example.org/k2"}
            checked_on: hier
          Carte-ID:
            name: x
        """, """
        other_bodies:
          plaques:
            name: plaques
            keywords: [passeport]
            body: la DIV
            checked_on: 2026-11-25
        """)
    with pytest.raises(CatalogueError) as caught:
        load_procedures(directory, StubServices())
    problems = _problems(caught.value)
    expected = {
        ("procedures.yml", "passeport", "label"),
        ("procedures.yml", "passeport", "service"),
        ("procedures.yml", "passeport", "summary"),
        ("procedures.yml", "passeport", "colour"),
        ("procedures.yml", "passeport", "price.variants[0].amount"),
        ("procedures.yml", "passeport", "price.variants[1].valid_from"),
        ("procedures.yml", "passeport", "price.variants[1].source"),
        ("procedures.yml", "passeport", "price.variants[2].valid_from"),
        ("procedures.yml", "passeport", "price.variants[2].source"),
        ("procedures.yml", "passeport", "online.possible"),
        ("procedures.yml", "passeport", "online.options[0].url"),
        ("procedures.yml", "passeport", "appointment.text"),
        ("procedures.yml", "passeport", "situations.naufrage"),
        ("procedures.yml", "passeport", "link"),
        ("procedures.yml", "passeport", "sources.K2.date"),
        ("procedures.yml", "passeport", "checked_on"),
        ("procedures.yml", "Carte-ID", None),
        ("procedures.yml", "carte_identite", None),  # contract id missing
        ("other_bodies.yml", "plaques", "sources"),
    }
    assert expected <= problems, expected - problems


def test_a_good_entry_loads_and_missing_other_bodies_is_fine(tmp_path):
    entries = "procedures:\n" + GOOD_ENTRY + "".join(
        f"  {pid}:\n    name: {pid}\n    label: {pid[:20]}\n    service: population\n"
        f"    summary: x\n    sources: {{}}\n    checked_on: 2026-11-25\n"
        for pid in CONTRACT_PROCEDURE_IDS if pid != "passeport")
    catalogue = load_procedures(_write(tmp_path, entries), StubServices())
    assert len(catalogue) == len(CONTRACT_PROCEDURE_IDS)
    assert catalogue.other_bodies() == []
    variant = catalogue.get("passeport").price.variants[0]
    assert str(variant.amount) == "75" and variant.as_of == "2022"


def test_a_phrase_may_name_only_one_procedure(tmp_path):
    entries = "procedures:\n" + GOOD_ENTRY
    other = """
        other_bodies:
          plaques:
            name: plaques
            keywords: [passeport]
            checked_on: 2026-11-25
            sources: {}
        """
    with pytest.raises(CatalogueError) as caught:
        load_procedures(_write(tmp_path, entries, other), StubServices())
    problems = _problems(caught.value)
    assert ("other_bodies.yml", "plaques", "keywords") in problems
    assert "'passeport' already names 'passeport'" in str(caught.value)


def test_missing_or_broken_file(tmp_path):
    with pytest.raises(CatalogueError) as caught:
        load_procedures(tmp_path, StubServices())
    assert ("procedures.yml", None, None) in _problems(caught.value)
    (tmp_path / "procedures.yml").write_text("procedures: [oops", encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_procedures(tmp_path, StubServices())
    assert "invalid YAML" in str(caught.value)


# --- with the real services catalogue --------------------------------------------------------


def test_loads_with_the_real_services_catalogue():
    pytest.importorskip("actions.city_catalogue.services")
    if not (CATALOGUE_DIR / "services.yml").exists():
        pytest.skip("services.yml not written yet")
    from actions.city_catalogue import load_catalogue

    whole = load_catalogue(CATALOGUE_DIR)
    assert sorted(whole.procedures.ids()) == sorted(CONTRACT_PROCEDURE_IDS)
    for procedure in whole.procedures:
        assert procedure.service in whole.services.ids()

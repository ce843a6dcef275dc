"""rasa_extensions/personal_data.py: what it masks, and what it must leave as typed."""

from __future__ import annotations

import pytest

from rasa_extensions.personal_data import mask

MASKED = [
    ("mon numéro national est 85.07.30-033.28", "mon numéro national est [numéro national]"),
    ("NN 85073003328 merci", "NN [numéro national] merci"),
    ("85 07 30 033 28", "[numéro national]"),
    ("né en 2005 : 05.02.12-345.25", "né en 2005 : [numéro national]"),
    ("numéro bis 85.27.30-033.71", "numéro bis [numéro national]"),
    ("IBAN BE68 5390 0754 7034 svp", "IBAN [IBAN] svp"),
    ("BE68 5390 0754 7034 pour le paiement", "[IBAN] pour le paiement"),
    ("be68539007547034", "[IBAN]"),
    ("FR76 3000 6000 0112 3456 7890 189", "[IBAN]"),
    ("carte 4111 1111 1111 1111 exp 12/26", "carte [carte] exp 12/26"),
    ("5555-5555-5555-4444", "[carte]"),
    ("appelez le 04/221.90.57.", "appelez le [téléphone]."),
    ("mon gsm 0470 12 34 56, merci", "mon gsm [téléphone], merci"),
    ("mon gsm est le 0470123456", "mon gsm est le [téléphone]"),
    ("tel 04 221 90 57", "tel [téléphone]"),
    ("+32 4 221 90 57", "[téléphone]"),
    ("+32 (0)4 221 90 57", "[téléphone]"),
    ("0032 470 12 34 56", "[téléphone]"),
    ("+33 1 23 45 67 89", "[téléphone]"),
    ("écrivez à jean.dupont@gmail.com ou J_D+liege@skynet.be",
     "écrivez à [e-mail] ou [e-mail]"),
]

UNTOUCHED = [
    "le 12/03/2024", "le 01/03/2025", "le 05.12.2024", "2024-05-01", "15.03.2025 à 10.30",
    "ouvert de 8h30 à 12h30", "14:30", "entre 9:00-12:00", "de 13h30 à 16h00",
    "ça coûte 15,50 €", "prix 1 250,00 euros", "10 €", "2 x 20 euros",
    "4000 Liège", "code postal 4020", "rue Féronstrée 92", "Potiérue 5, 4000 Liège",
    "Kids-ID", "carte d'identité électronique", "permis de conduire international",
    "2023-2024", "04/2025", "1234567890", "n° 123456", "85.07.30-033.61",
    "BE68 5390 0754 7035", "4111 1111 1111 1112", "année 2024, 3 ans", "👍", "",
]


@pytest.mark.parametrize("text, expected", MASKED)
def test_personal_data_is_masked(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize("text", UNTOUCHED)
def test_dates_times_prices_addresses_and_bad_checks_stay(text):
    assert mask(text) == text


def test_a_huge_text_is_bounded():
    assert len(mask("a" * 100_000)) == 20_000

"""actions/languages.py and actions/foreign_answers.py: the Dutch, English and German texts,
days and times written the local way, what a message asks, and the answers from the real
catalogue on a frozen clock. The sentences here are the tests' own, not the held-out ones of
tests/languages/."""

from __future__ import annotations

import datetime as dt
import re
import string

import pytest

from actions import foreign_answers
from actions.city_catalogue import load_catalogue
from actions.hours import BRUSSELS
from actions.languages import SERVED, TEXT_KEYS, Question, texts_for, understand

# Tuesday 24 November 2026, 10:00 in Liège: the recyparc (Tuesday–Friday 9:00–12:30,
# 13:00–17:00; Saturday 8:30–12:30, 13:00–17:00) is open.
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=BRUSSELS)
PLACEHOLDERS = {"welcome": {"contact"}, "only_french": {"contact"}, "which_service": {"services"},
                "open_now": {"service", "time"}, "closed_now": {"service"},
                "opens_again": {"when", "time"}, "day_hours": {"service", "when", "ranges"},
                "day_closed": {"service", "when"}, "week_intro": {"service"},
                "week_line": {"days", "ranges"}, "hours_unknown": {"service"},
                "contact_intro": {"service"}, "address": {"address"}, "phone": {"phone"},
                "email": {"email"}, "web": {"web"}, "contact_unknown": {"service"},
                "more_info": {"web"}, "city_contact": {"web"}}


@pytest.fixture(scope="module")
def services():
    return load_catalogue().services


@pytest.mark.parametrize("code", SERVED)
def test_each_language_has_every_text_with_its_placeholders(code):
    texts = texts_for(code)
    for key in TEXT_KEYS:
        used = {name for _, name, _, _ in string.Formatter().parse(texts.texts[key]) if name}
        assert used == PLACEHOLDERS.get(key, set()), (code, key, used)
    assert len(texts.days) == 7 and len(texts.words["days"]) == 7
    assert len(texts.texts["button_french"]) <= 20  # a Messenger quick reply's title
    aliases = [alias for entry in texts.services.values() for alias in entry["aliases"]]
    assert len(aliases) == len(set(aliases))  # no alias names two services
    assert set(texts.services) == set(load_catalogue().services.ids())


@pytest.mark.parametrize("code, expected", [
    ("en", "8.30am to 12.30pm and 1pm to 5pm"),
    ("nl", "8.30 uur tot 12.30 uur en 13 uur tot 17 uur"),
    ("de", "8.30 Uhr bis 12.30 Uhr und 13 Uhr bis 17 Uhr"),
])
def test_times_and_ranges_are_written_the_local_way(code, expected):
    ranges = [(dt.time(8, 30), dt.time(12, 30)), (dt.time(13, 0), dt.time(17, 0))]
    assert texts_for(code).ranges(ranges) == expected


@pytest.mark.parametrize("code, text, expected", [
    ("en", "When does the recycling park open on Saturday?",
     Question("hours", "recyparc", None, "5")),
    ("en", "is the Jonfosse pool open right now",
     Question("hours", "piscine", "piscine_jonfosse", "now")),
    ("en", "phone number of the planning department", Question("contact", "urbanisme")),
    ("en", "How do I renew my passport?", Question("procedure")),
    ("nl", "Is het containerpark morgen open?", Question("hours", "recyparc", None, "tomorrow")),
    ("nl", "Wat is het adres van de stedelijke bibliotheek?", Question("contact", "bibliotheque")),
    ("de", "Guten Morgen, hat der Containerpark am Samstag geöffnet?",
     Question("hours", "recyparc", None, "5")),  # "Guten Morgen" is no "morgen"
    ("de", "Wie schließt das Schwimmbad heute?", Question("hours", "piscine", None, "today")),
    ("de", "Vielen Dank!", Question("thanks")),
    ("de", "Können wir auf Französisch weitermachen?", Question("french")),
    ("nl", "wat is het weer morgen", Question("hours", None, None, "tomorrow")),
])
def test_what_a_message_asks(services, code, text, expected):
    assert understand(text, code, services) == expected


def test_opening_hours_on_a_day_in_each_language(services):
    question = Question("hours", "recyparc", None, "5")
    said = {code: foreign_answers.answer(texts_for(code), services, question, NOW).text
            for code in SERVED}
    assert "on Saturday: 8.30am to 12.30pm and 1pm to 5pm" in said["en"]
    assert "zaterdag" in said["nl"] and "8.30 uur tot 12.30 uur" in said["nl"]
    assert "Samstag" in said["de"] and "8.30 Uhr bis 12.30 Uhr" in said["de"]


def test_open_now_the_week_and_closed_on_a_holiday(services):
    en = texts_for("en")
    now = foreign_answers.answer(en, services, Question("hours", "recyparc", None, "now"), NOW)
    assert "open" in now.text and "12.30pm" in now.text
    week = foreign_answers.answer(en, services, Question("hours", "recyparc"), NOW).text
    assert "Tuesday to Friday: 9am to 12.30pm and 1pm to 5pm" in week
    assert re.search(r"Sunday: closed|Monday: closed", week)
    christmas = dt.datetime(2026, 12, 22, 10, 0, tzinfo=BRUSSELS)  # the 25th is a Friday
    friday = foreign_answers.answer(en, services, Question("hours", "recyparc", None, "4"),
                                    christmas).text
    assert "(" + en.texts["holiday"] + ")" in friday or "closed" in friday


def test_unknown_hours_and_contact_are_said_unknown_with_where_to_look(services):
    en = texts_for("en")
    pool = foreign_answers.answer(en, services, Question("hours", "piscine"), NOW).text
    assert en.say("hours_unknown", service=en.service_name("piscine", "")) in pool
    mobility = foreign_answers.answer(en, services, Question("contact", "mobilite"), NOW).text
    assert "https://www.liege.be" in mobility


def test_contact_procedure_and_which_service(services):
    de = texts_for("de")
    planning = foreign_answers.answer(de, services, Question("contact", "urbanisme"), NOW)
    assert "04/221.90.57" in planning.text and "Quai de la Batte 10" in planning.text
    assert [b.payload for b in planning.buttons] == ["/speak_french"]
    procedure = foreign_answers.answer(de, services, Question("procedure", "urbanisme"), NOW)
    assert procedure.text.startswith(de.say("only_french", contact="")[:20])
    assert "04/221.90.57" in procedure.text
    which = foreign_answers.answer(de, services, Question("hours"), NOW).text
    assert de.service_name("recyparc", "") in which


def test_greeting_and_other_offer_french_with_the_citys_web_page(services):
    for code in SERVED:
        texts = texts_for(code)
        for topic in ("greeting", "other"):
            answer = foreign_answers.answer(texts, services, Question(topic), NOW)
            assert "https://www.liege.be" in answer.text
            assert answer.text.endswith(texts.say("offer_french"))
            assert answer.buttons[0].title == texts.texts["button_french"]

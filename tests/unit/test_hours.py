"""Opening-hours maths on a frozen clock: edges, lunch, holidays, closures, DST, next year."""

from __future__ import annotations

import datetime as dt

import pytest

from actions import hours
from actions.city_catalogue.calendar import legal_holiday, legal_holidays
from actions.hours import (ADMIN_DAY, AFTER_CLOSING, BEFORE_OPENING, CLOSED_DAY, CLOSURE,
                           HOLIDAY, LUNCH, OPEN, UNKNOWN, day_plan, next_opening, status_at)
from tests.unit.test_services_fixtures import at, synthetic_catalogue

UTC = dt.timezone.utc


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    return synthetic_catalogue(tmp_path_factory.mktemp("catalogue"))


@pytest.fixture(scope="module")
def mairie(catalogue):
    """Mon–Fri 8:30–12:30 and 13:30–16:00, Sat 9:00–12:30."""
    return catalogue.site("mairie_a")


@pytest.fixture(scope="module")
def recyparc(catalogue):
    """Tue–Fri 9:00–12:30 and 13:00–17:00, Sat 8:30–12:30 and 13:00–17:00."""
    return catalogue.get("recyparc")


# --- a normal Wednesday: edges of every range ------------------------------------------------

@pytest.mark.parametrize("time, is_open, kind", [
    ("08:29", False, BEFORE_OPENING),
    ("08:30", True, OPEN),
    ("12:29", True, OPEN),
    ("12:30", False, LUNCH),
    ("13:29", False, LUNCH),
    ("13:30", True, OPEN),
    ("15:59", True, OPEN),
    ("16:00", False, AFTER_CLOSING),
    ("16:01", False, AFTER_CLOSING),
])
def test_status_on_a_wednesday(mairie, time, is_open, kind):
    status = status_at(mairie, at(f"2026-11-25 {time}"))
    assert (status.is_open, status.kind) == (is_open, kind)


def test_one_minute_before_closing_says_until_when(mairie):
    status = status_at(mairie, at("2026-11-25 15:59"))
    assert status.until == at("2026-11-25 16:00")


def test_lunch_break_says_why_and_when_it_reopens(mairie):
    status = status_at(mairie, at("2026-11-25 12:45"))
    assert "pause de midi" in status.reason and "12h30" in status.reason
    assert status.next_open == at("2026-11-25 13:30")


def test_after_closing_the_next_opening_is_tomorrow_morning(mairie):
    assert status_at(mairie, at("2026-11-25 16:00")).next_open == at("2026-11-26 08:30")


def test_open_until_the_end_of_the_morning_range(mairie):
    assert status_at(mairie, at("2026-11-25 10:00")).until == at("2026-11-25 12:30")


# --- Sunday, Saturday, weekdays without hours ------------------------------------------------

def test_sunday_is_closed_and_reopens_monday(mairie):
    status = status_at(mairie, at("2026-11-29 11:00"))
    assert (status.is_open, status.kind) == (False, CLOSED_DAY)
    assert status.reason == "le dimanche"
    assert status.next_open == at("2026-11-30 08:30")


def test_saturday_morning_only(mairie):
    assert status_at(mairie, at("2026-11-28 12:29")).is_open
    status = status_at(mairie, at("2026-11-28 12:30"))
    assert status.kind == AFTER_CLOSING and status.next_open == at("2026-11-30 08:30")


def test_recyparc_closed_on_monday(recyparc):
    status = status_at(recyparc, at("2026-11-30 10:00"))
    assert status.kind == CLOSED_DAY and status.next_open == at("2026-12-01 09:00")


def test_unknown_hours(catalogue):
    status = status_at(catalogue.site("mairie_c"), at("2026-11-25 10:00"))
    assert (status.is_open, status.kind) == (None, UNKNOWN)
    assert next_opening(catalogue.site("mairie_c"), at("2026-11-25 10:00")) is None


# --- each kind of holiday and closure --------------------------------------------------------

def test_legal_holidays_come_from_the_package_with_french_names():
    names = legal_holidays(2026)
    assert names[dt.date(2026, 4, 6)] == "Lundi de Pâques"
    assert names[dt.date(2026, 12, 25)] == "Noël"
    assert names[dt.date(2026, 7, 21)] == "Fête nationale"
    assert names[dt.date(2026, 5, 14)] == "Ascension"
    assert legal_holiday(dt.date(2027, 3, 29)) == "Lundi de Pâques"
    # Not legal holidays: the administration days are configuration.
    assert legal_holiday(dt.date(2026, 11, 2)) is None
    assert legal_holiday(dt.date(2026, 11, 16)) is None


def test_legal_holiday_closes_a_service_that_closes_on_holidays(mairie):
    status = status_at(mairie, at("2026-11-11 10:00"))        # Armistice, a Wednesday
    assert (status.is_open, status.kind) == (False, HOLIDAY)
    assert "jour férié" in status.reason and "Armistice" in status.reason
    assert status.next_open == at("2026-11-12 08:30")


def test_easter_monday_next_year(mairie):
    status = status_at(mairie, at("2027-03-29 10:00"))
    assert status.kind == HOLIDAY and "Pâques" in status.reason
    assert status.next_open == at("2027-03-30 08:30")


def test_holiday_with_unconfirmed_closure_keeps_hours_with_a_warning(catalogue):
    plan = day_plan(catalogue.get("objets_trouves"), dt.date(2026, 12, 25))
    assert plan.closed_kind is None and plan.ranges
    assert "Noël" in plan.warning and "vérifiez" in plan.warning


def test_administration_day_closed_by_the_city(mairie):
    status = status_at(mairie, at("2026-11-02 10:00"))        # Monday, status: closed
    assert status.kind == ADMIN_DAY and "Jour des défunts" in status.reason
    assert status.next_open == at("2026-11-03 08:30")


def test_unconfirmed_administration_day_keeps_hours_with_a_warning(mairie):
    plan = day_plan(mairie, dt.date(2027, 11, 15))             # Monday, unconfirmed
    assert plan.closed_kind is None and plan.ranges
    assert "Fête du Roi" in plan.warning and "liege.be" in plan.warning
    assert status_at(mairie, at("2027-11-15 10:00")).is_open


def test_exceptional_closure_spanning_days(recyparc):
    for day in ("2026-12-29", "2026-12-30"):
        status = status_at(recyparc, at(f"{day} 10:00"))
        assert status.kind == CLOSURE and "inventaire" in status.reason
    assert "du 28 décembre 2026 au 30 décembre 2026" in status.reason
    # Open again on the 31st; the 1st of January is a legal holiday.
    assert status.next_open == at("2026-12-31 09:00")
    assert status_at(recyparc, at("2026-12-31 10:00")).is_open
    assert status_at(recyparc, at("2027-01-01 10:00")).kind == HOLIDAY


def test_closure_of_one_site_only(catalogue):
    site = catalogue.site("piscine_y")
    plan = day_plan(site, dt.date(2026, 11, 28))
    assert plan.closed_kind == CLOSURE and "depuis le 18 mai 2024" in plan.closed_reason
    assert day_plan(catalogue.get("piscine"), dt.date(2026, 11, 28)).closed_kind is None


def test_special_hours_replace_the_day(mairie):
    assert status_at(mairie, at("2026-12-24 11:59")).until == at("2026-12-24 12:00")
    status = status_at(mairie, at("2026-12-24 12:30"))
    assert status.kind == AFTER_CLOSING
    assert status.next_open == at("2026-12-26 09:00")        # 25 holiday, Saturday 26 open
    assert day_plan(mairie, dt.date(2026, 12, 24)).special == "veille de Noël"


def test_next_opening_skips_consecutive_closed_days(recyparc):
    # Sat 26 Dec 17:00 -> Sun, Mon closed, Tue–Wed closure -> Thu 31 Dec 9:00.
    assert next_opening(recyparc, at("2026-12-26 17:00")) == at("2026-12-31 09:00")


# --- summer and winter time ------------------------------------------------------------------

def test_spring_forward_monday_morning_in_utc(mairie):
    """29 March 2026: clocks go from 2:00 to 3:00. 06:45 UTC is 8:45 in Brussels (open);
    the same UTC time the week before is 7:45 (not yet open)."""
    monday = dt.datetime(2026, 3, 30, 6, 45, tzinfo=UTC)
    assert status_at(mairie, monday).is_open
    week_before = dt.datetime(2026, 3, 23, 6, 45, tzinfo=UTC)
    assert status_at(mairie, week_before).kind == BEFORE_OPENING


def test_next_opening_across_spring_forward_has_the_summer_offset(mairie):
    opening = next_opening(mairie, at("2026-03-28 13:00"))
    assert opening == at("2026-03-30 08:30")
    assert opening.utcoffset() == dt.timedelta(hours=2)
    assert opening.astimezone(UTC).hour == 6


def test_next_opening_across_fall_back_has_the_winter_offset(mairie):
    opening = next_opening(mairie, at("2026-10-24 13:00"))
    assert opening == at("2026-10-26 08:30")
    assert opening.utcoffset() == dt.timedelta(hours=1)
    assert opening.astimezone(UTC).hour == 7


def test_closing_time_on_the_day_after_fall_back(mairie):
    status = status_at(mairie, dt.datetime(2026, 10, 26, 14, 59, tzinfo=UTC))   # 15:59 CET
    assert status.is_open and status.until == at("2026-10-26 16:00")


def test_naive_datetimes_are_brussels_wall_time(mairie):
    assert status_at(mairie, dt.datetime(2026, 11, 25, 8, 30)).is_open


# --- rendering of weekly hours ---------------------------------------------------------------

def test_week_lines_group_days_with_the_same_hours(mairie, catalogue):
    assert hours.week_lines(mairie.effective_hours.week) == [
        "Lun–ven : 8h30–12h30, 13h30–16h", "Sam : 9h–12h30", "Dim : fermé"]
    assert hours.week_lines(catalogue.get("urbanisme").hours.week) == [
        "Lun et ven : 9h–12h", "Mer : 14h–17h", "Autres jours : fermé"]


@pytest.mark.parametrize("text, expected", [
    ("8:30", dt.time(8, 30)), ("08h30", dt.time(8, 30)), ("16h", dt.time(16)),
    ("9", dt.time(9)), ("24:00", dt.time(23, 59)),
])
def test_parse_time(text, expected):
    assert hours.parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "8:75", "huit heures", ""])
def test_parse_time_refuses_bad_times(text):
    with pytest.raises(ValueError):
        hours.parse_time(text)


def test_parse_weekdays():
    assert hours.parse_weekdays("lundi-vendredi") == [0, 1, 2, 3, 4]
    assert hours.parse_weekdays("lun, mer et ven") == [0, 2, 4]
    with pytest.raises(ValueError):
        hours.parse_weekdays("lundy")

"""French time expressions on a frozen clock: Wednesday 25 November 2026, 10:00 in Brussels."""

from __future__ import annotations

import datetime as dt

import pytest

from actions.moments import (DAY, DAYS, EVENING, INSTANT, INVALID, LUNCH, MORNING, AFTERNOON,
                             NONE, NOW, PART, moment_from_spec, parse_moment)
from tests.unit.test_services_fixtures import at

NOW_ = at("2026-11-25 10:00")          # a Wednesday
D = dt.date


def parse(text, now=NOW_):
    return parse_moment(text, now)


@pytest.mark.parametrize("text, day", [
    ("c'est ouvert aujourd'hui ?", D(2026, 11, 25)),
    ("et demain ?", D(2026, 11, 26)),
    ("après-demain", D(2026, 11, 27)),
    ("la population est ouverte samedi ?", D(2026, 11, 28)),
    ("et le dimanche ?", D(2026, 11, 29)),
    ("mercredi", D(2026, 11, 25)),                    # today's weekday is today
    ("et lundi prochain ?", D(2026, 11, 30)),
    ("mercredi prochain", D(2026, 12, 2)),            # "prochain" is never today
    ("samdi", D(2026, 11, 28)),                       # typo
    ("le 15/12", D(2026, 12, 15)),
    ("le 3 décembre", D(2026, 12, 3)),
    ("le 3 decembre", D(2026, 12, 3)),                # no accent
    ("le 3 dec.", D(2026, 12, 3)),
    ("le 1er mai", D(2027, 5, 1)),
    ("le 15 aout", D(2027, 8, 15)),
    ("le 12 fevrier", D(2027, 2, 12)),
    ("le 6 janvier", D(2027, 1, 6)),                  # next year
    ("15/01/2027", D(2027, 1, 15)),
    ("le 15", D(2026, 12, 15)),
    ("le 2 janvier c'est ouvert ?", D(2027, 1, 2)),
])
def test_days(text, day):
    moment = parse(text)
    assert (moment.kind, moment.days) == (DAY, (day,)), moment
    assert not moment.past


@pytest.mark.parametrize("text, day, label", [
    ("c'est ouvert le lundi de Pâques ?", D(2027, 3, 29), "lundi de Pâques"),
    ("lundi de paques", D(2027, 3, 29), "lundi de Pâques"),
    ("ouvert à Noël ?", D(2026, 12, 25), "Noël"),
    ("noel", D(2026, 12, 25), "Noël"),
    ("à la Toussaint vous êtes fermés ?", D(2027, 11, 1), "Toussaint"),
    ("toussain", D(2027, 11, 1), "Toussaint"),
    ("c'est fermé le jeudi de l'Ascension ?", D(2027, 5, 6), "Ascension"),
    ("le lundi de Pentecôte vous êtes ouverts ?", D(2027, 5, 17), "lundi de Pentecôte"),
    ("le lendemain de Noël", D(2026, 12, 26), "lendemain de Noël"),
    ("fête du roi", D(2027, 11, 15), "Fête du Roi"),
    ("Noël 2027", D(2027, 12, 25), "Noël"),
    ("jour de l'an", D(2027, 1, 1), "Nouvel An"),
])
def test_holidays_by_name_for_the_right_year(text, day, label):
    moment = parse(text)
    assert (moment.kind, moment.days, moment.label) == (DAY, (day,), label)


def test_holiday_name_on_the_day_itself_is_today():
    assert parse("ouvert à Noël ?", at("2026-12-25 09:00")).days == (D(2026, 12, 25),)


def test_nouvel_horaire_is_not_noel():
    assert parse("le nouvel horaire de la mairie").kind == NONE


@pytest.mark.parametrize("text, day", [
    ("hier", D(2026, 11, 24)),
    ("c'était ouvert samedi dernier ?", D(2026, 11, 21)),
    ("c'était fermé le 15 novembre ?", D(2026, 11, 15)),     # past tense: latest occurrence
    ("le 15/11/2025", D(2025, 11, 15)),                      # explicit past year
    ("c'était ouvert à Noël dernier ?", D(2025, 12, 25)),
])
def test_past_dates_are_answered_as_past(text, day):
    moment = parse(text)
    assert moment.days == (day,) and moment.past


def test_bare_past_date_means_the_next_occurrence():
    """Documented rule: without a year or a past tense, a date is upcoming."""
    moment = parse("le 15 novembre c'est ouvert ?")
    assert moment.days == (D(2027, 11, 15),) and not moment.past


@pytest.mark.parametrize("text, problem", [
    ("le 31 février", "Le 31 février n'existe pas."),
    ("31/02", "Le 31 février n'existe pas."),
    ("le 31 avril", "Le 31 avril n'existe pas."),
    ("29/02/2027", "2027 n'est pas une année bissextile"),
    ("le 15/13", "12 mois"),
])
def test_dates_that_do_not_exist(text, problem):
    moment = parse(text)
    assert moment.kind == INVALID and problem in moment.problem


def test_29_february_without_a_year_is_the_next_leap_day():
    assert parse("le 29 février").days == (D(2028, 2, 29),)


@pytest.mark.parametrize("text, kind", [
    ("c'est ouvert ?", NOW),
    ("vous fermez à quelle heure ?", NOW),
    ("je peux encore y aller maintenant ?", NOW),
    ("c ouvert là ?", NOW),
    ("les horaires svp", NONE),
    ("horaires de la population", NONE),
    ("quels jours le service population est ouvert ?", NONE),
    ("la propreté c'est ouvert quand ?", NONE),
    ("", NONE),
    ('/ask_hours{"service":"population"}', NONE),
])
def test_now_or_the_week(text, kind):
    assert parse(text).kind == kind


@pytest.mark.parametrize("text, day, window", [
    ("et ce soir ?", D(2026, 11, 25), EVENING),
    ("vous êtes ouverts entre midi et deux ?", D(2026, 11, 25), LUNCH),
    ("c'est ouvert sur le temps de midi ?", D(2026, 11, 25), LUNCH),
    ("samedi matin", D(2026, 11, 28), MORNING),
    ("demain matin vous ouvrez à quelle heure ?", D(2026, 11, 26), MORNING),
    ("mercredi aprem", D(2026, 11, 25), AFTERNOON),
    ("le 31 décembre l'après-midi", D(2026, 12, 31), AFTERNOON),
    ("le jeudi soir", D(2026, 11, 26), EVENING),
    ("entre 10h et 11h", D(2026, 11, 25), (dt.time(10), dt.time(11))),
])
def test_parts_of_the_day(text, day, window):
    moment = parse(text)
    assert (moment.kind, moment.days, moment.window) == (PART, (day,), window)


@pytest.mark.parametrize("text, expected", [
    ("demain à 10h30", at("2026-11-26 10:30")),
    ("tantôt vers 16h ce sera encore ouvert ?", at("2026-11-25 16:00")),
    ("à 9h", at("2026-11-26 09:00")),            # already past today: the next 9:00
    ("samedi à 14:15", at("2026-11-28 14:15")),
    ("dans 2 heures", at("2026-11-25 12:00")),   # dateparser
])
def test_instants(text, expected):
    moment = parse(text)
    assert (moment.kind, moment.at) == (INSTANT, expected)


def test_weekend_and_weeks():
    assert parse("c'est ouvert ce week-end ?").days == (D(2026, 11, 28), D(2026, 11, 29))
    assert parse("ce weekend", at("2026-11-28 10:00")).days == (D(2026, 11, 28),
                                                                D(2026, 11, 29))
    assert parse("ce week-end", at("2026-11-29 10:00")).days == (D(2026, 11, 29),)
    week = parse("la semaine prochaine vous êtes ouverts normalement ?")
    assert week.kind == DAYS and week.days[0] == D(2026, 11, 30) and len(week.days) == 7


@pytest.mark.parametrize("text, first, last", [
    ("entre Noël et Nouvel An c'est ouvert ?", D(2026, 12, 25), D(2027, 1, 1)),
    ("entre le 24 et le 26 décembre", D(2026, 12, 24), D(2026, 12, 26)),
    ("du 2 au 5 janvier", D(2027, 1, 2), D(2027, 1, 5)),
    ("entre lundi et mercredi", D(2026, 11, 30), D(2026, 12, 2)),
])
def test_ranges_of_days(text, first, last):
    moment = parse(text)
    assert moment.kind == DAYS and (moment.days[0], moment.days[-1]) == (first, last)
    assert len(moment.days) == (last - first).days + 1


def test_regional_days_and_night():
    assert parse("le lundi des fêtes de Wallonie").days == (D(2027, 9, 20),)
    assert parse("la nuit").window == (dt.time(22), dt.time(23, 59))


def test_dateparser_handles_relative_offsets():
    assert parse("dans 3 jours").days == (D(2026, 11, 28),)
    assert parse("dans deux semaines").days == (D(2026, 12, 9),)


def test_times_and_round_the_clock_are_not_dates():
    assert parse("ouvert 7/7 ?").kind == NOW
    assert parse("à 12:30").kind == INSTANT


def test_around_the_new_year():
    eve = at("2026-12-31 15:00")
    assert parse("demain", eve).days == (D(2027, 1, 1),)
    assert parse("le 2 janvier", eve).days == (D(2027, 1, 2),)
    assert parse("lundi", eve).days == (D(2027, 1, 4),)


@pytest.mark.parametrize("text", ["samedi", "ce week-end", "ce soir", "demain à 10h30",
                                  "c'est ouvert ?"])
def test_spec_round_trip(text):
    moment = parse(text)
    again = moment_from_spec(moment.spec(), NOW_)
    assert (again.kind, again.days, again.window, again.at) == \
        (moment.kind, moment.days, moment.window, moment.at)


def test_spec_rejects_free_text():
    assert moment_from_spec("samedi", NOW_) is None
    assert moment_from_spec("day:2026-02-31", NOW_) is None

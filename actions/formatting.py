"""French formatting shared by every answer the assistant writes.

Plain Python, no Rasa: tests call it directly. Belgian usage: "8h30", "39,70 €",
"lundi 15 novembre 2026".
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, ROUND_HALF_UP
from typing import Iterable, Optional, Union

WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
MONTHS = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
]


def format_time(value: dt.time) -> str:
    """8:30 -> '8h30', 12:00 -> '12h'."""
    if value.minute:
        return f"{value.hour}h{value.minute:02d}"
    return f"{value.hour}h"


def format_time_range(start: dt.time, end: dt.time) -> str:
    return f"{format_time(start)} – {format_time(end)}"


def format_date(value: dt.date, with_weekday: bool = True, with_year: Optional[bool] = None,
                today: Optional[dt.date] = None) -> str:
    """'lundi 15 novembre', with the year when it differs from today's (or when asked)."""
    day = "1er" if value.day == 1 else str(value.day)
    text = f"{day} {MONTHS[value.month - 1]}"
    if with_year is None:
        with_year = today is None or value.year != today.year
    if with_year:
        text += f" {value.year}"
    if with_weekday:
        text = f"{WEEKDAYS[value.weekday()]} {text}"
    return text


def format_price(amount: Union[Decimal, float, int, str]) -> str:
    """Decimal('39.7') -> '39,70 €'; whole amounts keep no decimals: '65 €'."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if value == value.to_integral_value():
        text = f"{int(value):,}".replace(",", "\u202f")
    else:
        whole, cents = f"{value:.2f}".split(".")
        text = f"{int(whole):,}".replace(",", "\u202f") + "," + cents
    return f"{text} €"


def join_fr(items: Iterable[str], last: str = "et") -> str:
    """['a', 'b', 'c'] -> 'a, b et c'."""
    words = [item for item in items if item]
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + f" {last} " + words[-1]


def bullet_list(items: Iterable[str]) -> str:
    """One line per item, chat-sized."""
    return "\n".join(f"• {item}" for item in items if item)

"""`make report`: what citizens asked in a period and what the assistant missed, for trainers.

    make report [SINCE=2026-11-01] [UNTIL=2026-11-08] [LOW=0.6] [HIGH=0.95]
    .venv/bin/python -m trainers.report [--since …] [--until …] [--url …] [--out reports]

Reads the tracker store (TRACKER_STORE_URL, read-only: SQLite or PostgreSQL) for the period
(default: the last 7 days) and writes reports/<last day>/:
- index.html: one self-contained page in French: the figures (conversations, messages, share
  answered with confidence, fallback and handoff rates, share of 👎 among the citizens'
  judgements) by day and by channel with charts; the inbox of messages the assistant missed
  ("à traiter", confidence < LOW) or was unsure of ("à vérifier", LOW to HIGH), grouped by
  best-guess intent (the real one: when `nlu_fallback` wins, the next), with counts and links
  to the conversations; the judgements (👍 / 👎 and comments) next to the questions they judge;
  the catalogue facts answered "unknown", the most met first; what is asked most (intents,
  procedures, services);
- missed.csv: the inbox;
- to_label.yml: the inbox's messages as rasa NLU training data under their best-guess intent,
  each with a comment giving its confidence and count, for a trainer to correct and move into
  data/nlu/ (it stays outside data/: training never takes it unreviewed). Sentences of the
  held-out test sets (tests/nlu/) are left out.
Every text is masked (e-mail, phone, national register number, IBAN, card: see
rasa_extensions/personal_data.py).
"""

from __future__ import annotations

import argparse
import base64
import collections
import csv
import datetime as dt
import html
import io
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Tuple

from trainers.conversations import CITY_TIME, FALLBACK_INTENT, Message, Period, read_period, \
    transcripts
from trainers.feedback import Judgement, by_question, negative_share
from trainers.stored_events import StoreError, read_only_engine
from trainers.training_data import held_out_sentences, normalised

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MAX_INBOX_GROUPS_SHOWN = 60  # texts per best-guess intent on the page (all go to the files)
MAX_JUDGED_SHOWN = 100  # judged questions, comments per question, unknown facts on the page
MAX_TRANSCRIPTS = 200
LINKS_PER_MESSAGE = 5
DAY_NAMES = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")


@dataclass(frozen=True)
class Thresholds:
    low: float = 0.6  # below: "à traiter"
    high: float = 0.95  # from low to here: "à vérifier"; above: answered with confidence

    def triage(self, message: Message) -> Optional[str]:
        if message.clicked:
            return None
        if message.intent == FALLBACK_INTENT or message.confidence < self.low:
            return "à traiter"
        if message.confidence < self.high:
            return "à vérifier"
        return None


@dataclass
class InboxEntry:
    text: str
    best_guess: str
    confidence: float  # the lowest seen for this text
    status: str
    count: int
    senders: List[str]  # the first few, linked to their conversations
    last_seen: float
    citizens: Set[str] = field(default_factory=set)  # every conversation that wrote it


def inbox(messages: Iterable[Message], thresholds: Thresholds) -> List[InboxEntry]:
    """The missed and unsure messages, one entry per distinct text (normalised)."""
    entries: Dict[str, InboxEntry] = {}
    for message in messages:
        status = thresholds.triage(message)
        if status is None or not message.text.strip():
            continue
        key = normalised(message.text)
        entry = entries.get(key)
        if entry is None:
            entries[key] = InboxEntry(message.text.strip(), message.best_guess,
                                      message.best_confidence, status, 1, [message.sender_id],
                                      message.timestamp, {message.sender_id})
            continue
        entry.count += 1
        if message.sender_id not in entry.citizens:
            entry.citizens.add(message.sender_id)
            if len(entry.senders) < LINKS_PER_MESSAGE:
                entry.senders.append(message.sender_id)
        entry.last_seen = max(entry.last_seen, message.timestamp)
        if message.best_confidence < entry.confidence:
            entry.confidence, entry.best_guess = message.best_confidence, message.best_guess
        if status == "à traiter":
            entry.status = status
    return sorted(entries.values(), key=lambda e: (e.status != "à traiter", -e.count,
                                                   e.confidence))


@dataclass
class Figures:
    conversations: int
    messages: int
    confident: int
    fallbacks: int
    handoffs: int  # conversations

    def share(self, part: int, whole: Optional[int] = None) -> str:
        whole = self.messages if whole is None else whole
        return f"{100 * part / whole:.0f} %" if whole else "—"


def figures(messages: List[Message], handoff_senders: Set[str],
            thresholds: Thresholds) -> Figures:
    senders = {m.sender_id for m in messages}
    return Figures(
        conversations=len(senders), messages=len(messages),
        confident=sum(m.intent != FALLBACK_INTENT and m.confidence >= thresholds.high
                      for m in messages),
        fallbacks=sum(m.intent == FALLBACK_INTENT for m in messages),
        handoffs=len(senders & handoff_senders))


def to_label_yaml(entries: List[InboxEntry], held_out: Set[str]) -> str:
    """rasa NLU training data (format 3.1) of the inbox, under the best-guess intents."""
    lines = ['version: "3.1"', "# Messages manqués ou incertains, proposés sous l'intention que",
             "# l'assistant croit la bonne. Corrigez l'intention, retirez ce qui ne sert pas,",
             "# puis déplacez les exemples dans data/nlu/ (voir docs/formateurs.md).", "nlu:"]
    by_intent: Dict[str, List[InboxEntry]] = collections.defaultdict(list)
    for entry in entries:
        if normalised(entry.text) not in held_out and entry.best_guess:
            by_intent[entry.best_guess].append(entry)
    for intent in sorted(by_intent):
        lines += [f"- intent: {intent}", "  examples:"]
        for entry in by_intent[intent]:
            lines.append(f"  # confiance {entry.confidence:.2f}, {entry.count} fois, "
                         f"{entry.status}")
            lines.append(f"  - text: {json.dumps(entry.text, ensure_ascii=False)}")
    if not by_intent:
        lines[-1] = "nlu: []"
    return "\n".join(lines) + "\n"


def missed_csv(entries: List[InboxEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["statut", "message", "intention_devinee", "confiance", "fois",
                     "citoyens", "derniere_fois"])
    for entry in entries:
        last = dt.datetime.fromtimestamp(entry.last_seen, CITY_TIME).strftime("%Y-%m-%d %H:%M")
        writer.writerow([entry.status, entry.text, entry.best_guess, f"{entry.confidence:.2f}",
                         entry.count, len(entry.citizens), last])
    return out.getvalue()


def _counts_by(messages: List[Message], key) -> Dict[str, List[Message]]:
    grouped: Dict[str, List[Message]] = collections.defaultdict(list)
    for message in messages:
        grouped[key(message)].append(message)
    return dict(sorted(grouped.items()))


def _chart(by_day: Dict[dt.date, List[Message]], channels: List[str],
           thresholds: Thresholds, judged: Dict[dt.date, List[Judgement]]) -> str:
    """Two charts (messages per day by channel; confident, fallback and 👎 shares) as a PNG
    in base64, or "" without data."""
    if not by_day:
        return ""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    days = list(by_day)
    figure, (volume, quality) = plt.subplots(1, 2, figsize=(11, 3.6))
    bottom = [0] * len(days)
    for channel in channels:
        counts = [sum(m.channel == channel for m in by_day[day]) for day in days]
        volume.bar(days, counts, bottom=bottom, label=channel)
        bottom = [b + c for b, c in zip(bottom, counts)]
    volume.set_title("Messages par jour et par canal")
    volume.legend(fontsize="small")
    daily = [figures(by_day[day], set(), thresholds) for day in days]
    confident = [100 * f.confident / f.messages for f in daily]
    fallback = [100 * f.fallbacks / f.messages for f in daily]
    quality.plot(days, confident, "o-", label="compris avec confiance")
    quality.plot(days, fallback, "o-", label="non compris (fallback)")
    if judged:
        negative = [100 * negative_share(judged[day]) if judged.get(day) else float("nan")
                    for day in days]
        quality.plot(days, negative, "o--", label="avis négatifs (parmi les avis)")
    quality.set_ylim(0, 100)
    quality.set_title("Part des messages (%)")
    quality.legend(fontsize="small")
    for axis in (volume, quality):
        axis.tick_params(axis="x", labelrotation=45, labelsize="small")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


def _row(cells: Iterable[object], header: bool = False) -> str:
    tag = "th" if header else "td"
    return "<tr>" + "".join(f"<{tag}>{html.escape(str(c))}</{tag}>" for c in cells) + "</tr>"


def _negative_words(judgements: List[Judgement]) -> str:
    """'25 % de 8 avis', or '—' without any."""
    share = negative_share(judgements)
    return "—" if share is None else f"{100 * share:.0f} % de {len(judgements)} avis"


def _figures_table(title: str, groups: Dict[object, List[Message]], handoff_senders: Set[str],
                   thresholds: Thresholds, judged: Dict[object, List[Judgement]]) -> str:
    rows = [_row([title, "conversations", "messages", "compris avec confiance",
                  "non compris (fallback)", "vers un agent", "avis 👎"], header=True)]
    for name, messages in groups.items():
        f = figures(messages, handoff_senders, thresholds)
        rows.append(_row([name, f.conversations, f.messages, f.share(f.confident),
                          f.share(f.fallbacks), f.share(f.handoffs, f.conversations),
                          _negative_words(judged.get(name, []))]))
    return "<table>" + "".join(rows) + "</table>"


def _day_label(day: dt.date) -> str:
    return f"{DAY_NAMES[day.weekday()]} {day:%d/%m}"


def _judgements_html(judgements: List[Judgement]) -> str:
    """The judged questions, most 👎 first, with the comments written after a 👎."""
    if not judgements:
        return ("<p>Aucun avis dans la période. Après une réponse du catalogue, l'assistant "
                "propose 👍 / 👎 (une fois par sujet et par conversation).</p>")
    rows = [_row(["question jugée", "sujet", "👍", "👎", "remarques après 👎"], header=True)]
    for group in by_question(judgements, normalised)[:MAX_JUDGED_SHOWN]:
        comments = "<br>".join(html.escape(c) for c in group.comments[:MAX_JUDGED_SHOWN])
        rows.append(f"<tr><td>{html.escape(group.question or '(hors période)')}</td>"
                    f"<td>{html.escape(group.topic)}</td><td>{group.positive}</td>"
                    f"<td>{group.negative}</td><td>{comments}</td></tr>")
    return "<table>" + "".join(rows) + "</table>"


def _unknown_facts_html(period: Period) -> str:
    facts = period.answers.facts()
    if not facts:
        return "<p>Aucune réponse « inconnu » dans la période.</p>"
    rows = [_row(["fait inconnu", "service ou démarche", "identifiant (catalogue/)",
                  "conversations", "fois", "dernière question"], header=True)]
    rows += [_row([fact.fact, fact.name, fact.entry, len(fact.citizens), fact.count,
                   fact.question]) for fact in facts[:MAX_JUDGED_SHOWN]]
    return "<table>" + "".join(rows) + "</table>"


def _anchor(sender: str, numbers: Dict[str, int]) -> str:
    return f"c{numbers.setdefault(sender, len(numbers) + 1)}"


def render_html(period: Period, since: dt.datetime, until: dt.datetime,
                entries: List[InboxEntry], shown: Dict[str, List[Tuple[str, str]]],
                thresholds: Thresholds) -> str:
    messages = period.messages
    total = figures(messages, period.handoff_senders, thresholds)
    by_day = _counts_by(messages, lambda m: m.day)
    by_channel = _counts_by(messages, lambda m: m.channel)
    judgements = period.answers.judgements
    judged_by_day: Dict[dt.date, List[Judgement]] = collections.defaultdict(list)
    judged_by_channel: Dict[str, List[Judgement]] = collections.defaultdict(list)
    for judgement in judgements:
        judged_by_day[judgement.day].append(judgement)
        judged_by_channel[judgement.channel].append(judgement)
    chart = _chart(by_day, list(by_channel), thresholds, judged_by_day)
    numbers: Dict[str, int] = {}
    parts = [f"""<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>Assistant de la Ville de Liège : rapport du {since:%d/%m/%Y} au {until:%d/%m/%Y}</title>
<style>body{{font-family:sans-serif;max-width:70em;margin:auto;padding:1em;color:#222}}
table{{border-collapse:collapse;margin:.5em 0 1.5em}}td,th{{border:1px solid #ccc;padding:.25em .6em;text-align:left}}
.figure{{display:inline-block;margin:0 1.5em 1em 0}}.figure b{{display:block;font-size:1.8em}}
.traiter{{color:#b00}}.verifier{{color:#a60}}details{{margin:.3em 0}}.citoyen{{color:#036}}</style>
</head><body><h1>Rapport de l'assistant</h1>
<p>Du {since:%d/%m/%Y %H:%M} au {until:%d/%m/%Y %H:%M} (heure de Liège). Les données
personnelles (e-mail, téléphone, numéro national, IBAN, carte) sont masquées.</p>"""]
    if period.truncated:
        parts.append("<p><b>Attention :</b> période trop chargée, seuls les premiers messages "
                     "sont comptés. Choisissez une période plus courte.</p>")
    parts.append("<h2>Chiffres</h2>")
    for label, value in (("conversations", total.conversations), ("messages", total.messages),
                         ("compris avec confiance", total.share(total.confident)),
                         ("non compris (fallback)", total.share(total.fallbacks)),
                         ("conversations vers un agent",
                          total.share(total.handoffs, total.conversations)),
                         ("avis 👎", _negative_words(judgements))):
        parts.append(f'<span class="figure"><b>{html.escape(str(value))}</b>'
                     f"{html.escape(label)}</span>")
    parts.append(f"<p>« Compris avec confiance » : intention reconnue à {thresholds.high:.0%} "
                 "au moins. « Avis 👎 » : part des avis négatifs parmi les avis (👍 ou 👎) "
                 "donnés par les citoyens après une réponse.</p>")
    if chart:
        parts.append(f'<img alt="Messages par jour et part des messages compris" '
                     f'src="data:image/png;base64,{chart}">')
    parts.append(_figures_table("jour", {_day_label(d): m for d, m in by_day.items()},
                                period.handoff_senders, thresholds,
                                {_day_label(d): j for d, j in judged_by_day.items()}))
    parts.append(_figures_table("canal", by_channel, period.handoff_senders, thresholds,
                                judged_by_channel))

    parts.append(f"<h2>À traiter et à vérifier ({len(entries)} messages différents)</h2>"
                 f"<p><span class=traiter>À traiter</span> : confiance sous {thresholds.low:.0%} "
                 f"ou non compris ; <span class=verifier>à vérifier</span> : de "
                 f"{thresholds.low:.0%} à {thresholds.high:.0%}. Regroupés par l'intention que "
                 "l'assistant croit la bonne. Tous sont dans <code>missed.csv</code> et "
                 "<code>to_label.yml</code>.</p>")
    grouped: Dict[str, List[InboxEntry]] = collections.defaultdict(list)
    for entry in entries:
        grouped[entry.best_guess or "(aucune)"].append(entry)
    for intent, group in sorted(grouped.items(), key=lambda item: -sum(e.count for e in item[1])):
        parts.append(f"<h3>{html.escape(intent)} : {sum(e.count for e in group)} messages</h3>"
                     "<table>" + _row(["statut", "message", "confiance", "fois", "conversations"],
                                      header=True))
        for entry in group[:MAX_INBOX_GROUPS_SHOWN]:
            links = " ".join(f'<a href="#{_anchor(s, numbers)}">{_anchor(s, numbers)}</a>'
                             for s in entry.senders if s in shown)
            css = "traiter" if entry.status == "à traiter" else "verifier"
            parts.append(f"<tr><td class={css}>{html.escape(entry.status)}</td>"
                         f"<td>{html.escape(entry.text)}</td><td>{entry.confidence:.2f}</td>"
                         f"<td>{entry.count}</td><td>{links}</td></tr>")
        parts.append("</table>")

    parts.append(f"<h2>Avis des citoyens ({len(judgements)})</h2>")
    parts.append(_judgements_html(judgements))
    parts.append("<h2>Faits inconnus de l'assistant : à publier en priorité</h2>"
                 "<p>Les réponses où l'assistant a dû dire qu'il ne connaissait pas un fait "
                 "(horaires, prix, téléphone…). Complétez-les dans <code>catalogue/</code> "
                 "avec leur source (voir docs/formateurs.md).</p>")
    parts.append(_unknown_facts_html(period))

    parts.append("<h2>Ce qui est le plus demandé</h2>")
    intents = collections.Counter(m.intent for m in messages if not m.clicked)
    entities = collections.Counter(f"{name} : {value}" for m in messages
                                   for name, value in m.entities
                                   if name in ("procedure", "service"))
    parts.append("<table>" + _row(["intention", "messages"], header=True) + "".join(
        _row(item) for item in intents.most_common(20)) + "</table>")
    parts.append("<table>" + _row(["démarche ou service", "messages"], header=True) + "".join(
        _row(item) for item in entities.most_common(20)) + "</table>")

    parts.append("<h2>Conversations</h2>")
    for sender, lines in shown.items():
        anchor = _anchor(sender, numbers)
        parts.append(f'<details id="{anchor}"><summary>{anchor} : '
                     f"<code>make story SENDER={html.escape(sender)}</code></summary><p>")
        parts.append("<br>".join(f'<span class="{who}">{who} :</span> {html.escape(text)}'
                                 for who, text in lines))
        parts.append("</p></details>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write_report(url: str, since: dt.datetime, until: dt.datetime, out: Path,
                 thresholds: Thresholds) -> Path:
    engine = read_only_engine(url)
    period = read_period(engine, since, until)
    entries = inbox(period.messages, thresholds)
    senders = [sender for entry in entries for sender in entry.senders]
    shown = transcripts(engine, senders[:MAX_TRANSCRIPTS], since, until)
    engine.dispose()
    folder = out / (until - dt.timedelta(seconds=1)).strftime("%Y-%m-%d")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(render_html(period, since, until, entries, shown,
                                                   thresholds), encoding="utf-8")
    (folder / "missed.csv").write_text(missed_csv(entries), encoding="utf-8")
    (folder / "to_label.yml").write_text(to_label_yaml(entries, held_out_sentences()),
                                         encoding="utf-8")
    return folder


def _day(text: str) -> dt.datetime:
    try:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), CITY_TIME)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a date as 2026-11-01, not {text!r}") from None


def main(argv: Optional[List[str]] = None) -> int:
    today = dt.datetime.now(CITY_TIME).date()
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--since", type=_day, default=os.environ.get("SINCE") or None,
                        help="first day (SINCE; default: 7 days before UNTIL)")
    parser.add_argument("--until", type=_day, default=os.environ.get("UNTIL") or None,
                        help="the day after the last one (UNTIL; default: tomorrow)")
    parser.add_argument("--low", type=float, default=float(os.environ.get("LOW") or 0.6))
    parser.add_argument("--high", type=float, default=float(os.environ.get("HIGH") or 0.95))
    parser.add_argument("--url", default=os.environ.get("TRACKER_STORE_URL",
                                                        "sqlite:///tracker.db"))
    parser.add_argument("--out", type=Path,
                        default=Path(os.environ.get("REPORT_OUT") or PROJECT_ROOT / "reports"),
                        help="where reports/<day>/ go (REPORT_OUT; default: reports/)")
    args = parser.parse_args(argv)
    until = args.until or _day((today + dt.timedelta(days=1)).isoformat())
    since = args.since or until - dt.timedelta(days=7)
    if not 0 <= args.low <= args.high <= 1 or since >= until:
        parser.error("0 ≤ LOW ≤ HIGH ≤ 1, and SINCE before UNTIL")
    try:
        folder = write_report(args.url, since, until, args.out, Thresholds(args.low, args.high))
    except StoreError as error:
        print(f"make report: {error}", file=sys.stderr)
        return 2
    print(f"Report written: {folder / 'index.html'} (also missed.csv, to_label.yml)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

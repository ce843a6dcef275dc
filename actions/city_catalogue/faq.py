"""catalogue/faq.yml: the precise questions citizens ask about a procedure or a service.

Each entry has a question, other wordings of it, a short answer, the published page it comes
from (`source`) and the date that page was read (`checked_on`). Staff add entries as data; the
retrieval (actions.faq_retrieval) indexes them when the catalogue loads, with no retraining.
The file is optional; when present it is validated whole, like the rest of the catalogue.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

import yaml

from actions.city_catalogue.errors import ProblemCollector

FAQ_FILE = "faq.yml"
MAX_ANSWER_CHARS = 700  # a chat bubble, not a page
MAX_TEXT_CHARS = 300  # a question or a wording
MAX_WORDINGS = 20
MAX_ENTRIES = 2000  # the file is bounded like anything staff edit
_ENTRY_ID = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")
_URL = re.compile(r"^https?://\S+$")


@dataclass(frozen=True)
class FaqEntry:
    id: str
    owner: str  # the procedure or service id it belongs to
    kind: str  # "procedure" or "service"
    question: str
    wordings: Tuple[str, ...]
    answer: str
    source: str
    checked_on: dt.date

    def texts(self) -> Tuple[str, ...]:
        """What a citizen's question is compared with."""
        return (self.question, *self.wordings)


class FaqCatalogue:
    """The FAQ entries, by procedure and by service, in file order."""

    def __init__(self, entries: Iterable[FaqEntry] = ()) -> None:
        self._entries: List[FaqEntry] = list(entries)
        self._by_owner: Dict[Tuple[str, str], List[FaqEntry]] = {}
        for entry in self._entries:
            self._by_owner.setdefault((entry.kind, entry.owner), []).append(entry)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self):
        return iter(self._entries)

    def get(self, entry_id: str) -> Optional[FaqEntry]:
        return next((entry for entry in self._entries if entry.id == entry_id), None)

    def for_procedure(self, procedure_id: Optional[str]) -> List[FaqEntry]:
        return list(self._by_owner.get(("procedure", procedure_id or ""), []))

    def for_service(self, service_id: Optional[str]) -> List[FaqEntry]:
        return list(self._by_owner.get(("service", service_id or ""), []))


def load_faq(directory: Path, procedure_ids: Iterable[str], service_ids: Iterable[str],
             problems: ProblemCollector) -> FaqCatalogue:
    """Read and check catalogue/faq.yml; each problem goes to `problems`."""
    path = Path(directory) / FAQ_FILE
    if not path.exists():
        return FaqCatalogue()
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        problems.add(FAQ_FILE, None, None, f"invalid YAML: {error}")
        return FaqCatalogue()
    if not isinstance(document, dict) or set(document) - {"procedures", "services"}:
        problems.add(FAQ_FILE, None, None, "top level must be 'procedures:' and/or 'services:'")
        return FaqCatalogue()
    entries: List[FaqEntry] = []
    seen: Dict[str, str] = {}
    for kind, known in (("procedure", set(procedure_ids)), ("service", set(service_ids))):
        groups = document.get(f"{kind}s") or {}
        if not isinstance(groups, dict):
            problems.add(FAQ_FILE, None, f"{kind}s", "must map ids to lists of entries")
            continue
        for owner, raw_entries in groups.items():
            owner = str(owner)
            if owner not in known:
                problems.add(FAQ_FILE, owner, None, f"unknown {kind} id")
                continue
            if not isinstance(raw_entries, list):
                problems.add(FAQ_FILE, owner, None, "must be a list of entries")
                continue
            for raw in raw_entries:
                entry = _entry(raw, owner, kind, problems)
                if entry is None:
                    continue
                if entry.id in seen:
                    problems.add(FAQ_FILE, entry.id, "id", "id used twice")
                    continue
                seen[entry.id] = owner
                entries.append(entry)
    if len(entries) > MAX_ENTRIES:
        problems.add(FAQ_FILE, None, None, f"more than {MAX_ENTRIES} entries")
    return FaqCatalogue(entries)


def _entry(raw: Any, owner: str, kind: str, problems: ProblemCollector) -> Optional[FaqEntry]:
    if not isinstance(raw, dict):
        problems.add(FAQ_FILE, owner, None, "each entry must be a mapping of fields")
        return None
    entry_id = str(raw.get("id") or "")
    where = entry_id or owner
    ok = True

    def bad(field: str, message: str) -> None:
        nonlocal ok
        ok = False
        problems.add(FAQ_FILE, where, field, message)

    if not _ENTRY_ID.match(entry_id) or not entry_id.startswith(f"{owner}."):
        bad("id", f"must be '{owner}.<slug>' in lower-case snake_case")
    question = _text(raw.get("question"), MAX_TEXT_CHARS, "question", bad)
    answer = _text(raw.get("answer"), MAX_ANSWER_CHARS, "answer", bad)
    wordings = raw.get("wordings") or []
    if not isinstance(wordings, list) or len(wordings) > MAX_WORDINGS:
        bad("wordings", f"must be a list of at most {MAX_WORDINGS} questions")
        wordings = []
    wordings = tuple(w for w in (_text(item, MAX_TEXT_CHARS, "wordings", bad)
                                 for item in wordings) if w)
    source = str(raw.get("source") or "").strip()
    if not _URL.match(source):
        bad("source", "must be the URL of the published page the answer comes from")
    checked_on = _date(raw.get("checked_on"))
    if checked_on is None:
        bad("checked_on", "must be the date the source was read (YYYY-MM-DD)")
    elif checked_on > dt.date.today():
        bad("checked_on", "is in the future")
    if not ok:
        return None
    return FaqEntry(entry_id, owner, kind, question, wordings, answer, source, checked_on)


def _text(value: Any, limit: int, field: str, bad) -> str:
    if not isinstance(value, str) or not value.strip():
        bad(field, "must be a non-empty text")
        return ""
    text = " ".join(value.split())
    if len(text) > limit:
        bad(field, f"longer than {limit} characters")
        return ""
    return text


def _date(value: Any) -> Optional[dt.date]:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None

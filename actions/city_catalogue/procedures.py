"""The procedures catalogue: `catalogue/procedures.yml` and `catalogue/other_bodies.yml`.

`load_procedures(directory, services)` reads both files, checks every entry (including that its
handling service exists in the services catalogue) and raises one CatalogueError listing every
problem, each with its file, entry and field. Plain Python, no Rasa.

Lookups are tolerant of case, accents, apostrophes, plurals and small typos:
`find("passport")`, `find("compo de menage")`, `closest("permis de chasse", 3)`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import yaml

from actions.city_catalogue.contract import CONTRACT_PROCEDURE_IDS
from actions.city_catalogue.errors import ProblemCollector

PROCEDURES_FILE = "procedures.yml"
OTHER_BODIES_FILE = "other_bodies.yml"

# Special situations an entry may describe, and the words that reveal them in a message
# (normalised: lower case, no accents). Multi-word triggers match as a phrase.
SITUATION_TRIGGERS: Dict[str, Tuple[str, ...]] = {
    "perte": ("perdu", "perdue", "perdus", "perte", "egare", "egaree", "paume", "paumee",
              "plus retrouver", "retrouve plus"),
    "vol": ("vol", "vole", "volee", "voles", "volees", "voleur", "cambriole", "pickpocket"),
    "codes_pin_puk": ("pin", "puk", "code secret"),
    "mineurs": ("enfant", "enfants", "mineur", "mineure", "mineurs", "fils", "fille", "bebe",
                "ado", "adolescent", "moins de 18", "moins de 12", "17 ans"),
    "urgence": ("urgent", "urgente", "urgence", "vite", "rapidement", "express", "presse",
                "demain"),
    "etranger": ("etranger", "etrangere", "pas belge", "non belge", "abroad"),
}

LABEL_MAX = 20  # Messenger quick-reply titles are cut beyond 20 characters.
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
SOURCE_ID_PATTERN = re.compile(r"^[A-Z]\d+$")
VALID_FROM_PATTERN = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")

PROCEDURE_FIELDS = {
    "name", "label", "synonyms", "service", "summary", "steps", "documents", "price", "delay",
    "appointment", "online", "situations", "link", "sources", "checked_on",
}
OTHER_BODY_FIELDS = {"name", "keywords", "body", "contact", "link", "note", "sources",
                     "checked_on"}


# --------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class Source:
    id: str
    url: str
    date: str


@dataclass(frozen=True)
class PriceVariant:
    label: str
    amount: Optional[Decimal]  # None: the price is not known
    valid_from: Optional[str] = None  # "2025", "2024-01" or "2025-07-29"
    as_of: Optional[str] = None  # the source's date, when the start date is not known
    source: Optional[str] = None
    up_to: bool = False

    @property
    def known(self) -> bool:
        return self.amount is not None


@dataclass(frozen=True)
class Price:
    variants: Tuple[PriceVariant, ...] = ()
    note: str = ""

    @property
    def known(self) -> Tuple[PriceVariant, ...]:
        return tuple(variant for variant in self.variants if variant.known)

    @property
    def unknown(self) -> Tuple[PriceVariant, ...]:
        return tuple(variant for variant in self.variants if not variant.known)


@dataclass(frozen=True)
class Documents:
    items: Tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Appointment:
    needed: Optional[bool] = None
    text: str = ""


@dataclass(frozen=True)
class OnlineOption:
    name: str
    what: str = ""
    url: str = ""


@dataclass(frozen=True)
class Online:
    possible: Optional[bool] = None
    options: Tuple[OnlineOption, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Procedure:
    id: str
    name: str
    label: str
    service: str
    summary: str
    synonyms: Tuple[str, ...] = ()
    steps: Tuple[str, ...] = ()
    documents: Documents = Documents()
    price: Price = Price()
    delay: str = ""
    appointment: Appointment = Appointment()
    online: Online = Online()
    situations: Mapping[str, str] = field(default_factory=dict)
    link: str = ""
    sources: Mapping[str, Source] = field(default_factory=dict)
    checked_on: Optional[dt.date] = None

    def situations_in(self, text: str) -> List[str]:
        """The special situations of this entry that the message mentions, in entry order."""
        return [kind for kind in self.situations if kind in situations_mentioned(text)]


@dataclass(frozen=True)
class OtherBody:
    """A procedure the city does not handle, and who does (when the facts say so)."""

    id: str
    name: str
    keywords: Tuple[str, ...] = ()
    body: str = ""
    contact: str = ""
    link: str = ""
    note: str = ""
    sources: Mapping[str, Source] = field(default_factory=dict)
    checked_on: Optional[dt.date] = None


# --------------------------------------------------------------------------------------------
# Text matching


STOPWORDS = frozenset(
    "a au aux avec ce cet cette d de des du en et j je l la le les m ma me mes mon nos notre "
    "ou par pour qu que s sa se ses son sur ta te tes ton un une vos votre y".split()
)


def normalise(text: str) -> str:
    """'Carte d'Identité' -> 'carte d identite'."""
    text = (text or "").lower().replace("œ", "oe").replace("æ", "ae")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _stem(token: str) -> str:
    if len(token) > 4 and token[-1] in "sx":
        return token[:-1]
    return token


def content_tokens(text: str) -> Tuple[str, ...]:
    """Normalised, singular words without French function words."""
    return tuple(_stem(token) for token in normalise(text).split() if token not in STOPWORDS)


@functools.lru_cache(maxsize=20000)
def tokens_match(expected: str, actual: str) -> bool:
    """Equal, or a small typo in a long enough word ('pasport' ~ 'passeport')."""
    if expected == actual:
        return True
    if len(expected) < 5 or len(actual) < 4:
        return False
    # ratio = 2 * matches / total length: words of too different lengths cannot reach 0.8
    if 10 * min(len(expected), len(actual)) < 4 * (len(expected) + len(actual)):
        return False
    matcher = difflib.SequenceMatcher(None, expected, actual)
    return matcher.quick_ratio() >= 0.8 and matcher.ratio() >= 0.8


def situations_mentioned(text: str) -> List[str]:
    words = f" {normalise(text)} "
    return [kind for kind, triggers in SITUATION_TRIGGERS.items()
            if any(f" {trigger} " in words for trigger in triggers)]


SYNONYM_WEIGHT = 0.95
CLOSE_RATIO = 0.7  # string similarity from which a procedure is offered as "did you mean"


@dataclass(frozen=True)
class _Phrase:
    key: str  # procedure or other-body id
    text: str  # normalised phrase
    tokens: Tuple[str, ...]
    weight: float = 1.0  # names rank a little above synonyms in closest()


def _word_matcher(words: Sequence[str]) -> Callable[[str], bool]:
    """Whether a phrase token matches one of the words, each token looked up once."""
    known: Dict[str, bool] = {}

    def matches(token: str) -> bool:
        if token not in known:
            known[token] = any(tokens_match(token, word) for word in words)
        return known[token]

    return matches


class _PhraseIndex:
    """Finds which key a message names, through its phrases (name, synonyms, keywords)."""

    def __init__(self, names: Mapping[str, Sequence[str]],
                 synonyms: Mapping[str, Sequence[str]]) -> None:
        self._phrases: List[_Phrase] = []
        for key in names:
            for weight, texts in ((1.0, names[key]), (SYNONYM_WEIGHT, synonyms.get(key, ()))):
                for text in texts:
                    tokens = content_tokens(text)
                    if tokens:
                        self._phrases.append(_Phrase(key, " ".join(tokens), tokens, weight))

    def exact(self, value: str) -> Optional[str]:
        wanted = " ".join(content_tokens(value))
        for phrase in self._phrases:
            if phrase.text == wanted:
                return phrase.key
        return None

    def best(self, text: str) -> Optional[str]:
        """The key of the longest phrase all of whose words appear in the text."""
        matches = _word_matcher(content_tokens(text))
        best_key, best_score = None, (0, 0)
        for phrase in self._phrases:
            # Very short lone words ("ci", "id") only count in an entity value (see exact()).
            if len(phrase.tokens) == 1 and len(phrase.tokens[0]) < 3:
                continue
            if all(matches(token) for token in phrase.tokens):
                score = (len(phrase.tokens), len(phrase.text))
                if score > best_score:
                    best_key, best_score = phrase.key, score
        return best_key

    def similar(self, value: str, cutoff: float = 0.8) -> Optional[str]:
        """Whole-value similarity, for entity values with a typo in a short word ('pasport')."""
        words = content_tokens(value)
        wanted = " ".join(words)
        best_key, best_ratio = None, cutoff
        for phrase in self._phrases:
            if len(phrase.tokens) != len(words):
                continue
            ratio = difflib.SequenceMatcher(None, wanted, phrase.text).ratio()
            if ratio >= best_ratio:
                best_key, best_ratio = phrase.key, ratio
        return best_key

    def ranking(self, text: str, min_ratio: float = 0.0) -> List[Tuple[float, float, str]]:
        """(share of a phrase's words found in the text, string similarity, key), best first.

        With `min_ratio`, a phrase sharing no word with the text and less similar than that is
        left out: its key then appears only if another phrase of it qualifies. difflib's
        upper bounds tell most of them apart without the full comparison, which costs
        milliseconds for a long message (every unknown procedure)."""
        words = content_tokens(text)
        wanted = " ".join(words)
        matches = _word_matcher(words)
        scores: Dict[str, Tuple[float, float]] = {}
        for phrase in self._phrases:
            found = sum(1 for token in phrase.tokens if matches(token))
            overlap = phrase.weight * found / len(phrase.tokens)
            matcher = difflib.SequenceMatcher(None, wanted, phrase.text)
            if overlap == 0 and min_ratio > 0 and (matcher.real_quick_ratio() < min_ratio
                                                   or matcher.quick_ratio() < min_ratio):
                continue
            ratio = matcher.ratio()
            if overlap == 0 and ratio < min_ratio:
                continue
            score = (overlap, ratio)
            if score > scores.get(phrase.key, (0.0, 0.0)):
                scores[phrase.key] = score
        return sorted(((overlap, ratio, key) for key, (overlap, ratio) in scores.items()),
                      reverse=True)


# --------------------------------------------------------------------------------------------
# Catalogue


class ProcedureCatalogue:
    """The validated procedures, in file order, and the procedures other bodies handle."""

    def __init__(self, procedures: Mapping[str, Procedure],
                 other_bodies: Mapping[str, OtherBody] = ()) -> None:
        self._procedures = dict(procedures)
        self._other_bodies = dict(other_bodies or {})
        self._index = _PhraseIndex(
            {key: (key.replace("_", " "), entry.name, entry.label)
             for key, entry in self._procedures.items()},
            {key: entry.synonyms for key, entry in self._procedures.items()},
        )
        self._other_index = _PhraseIndex(
            {key: (entry.name,) for key, entry in self._other_bodies.items()},
            {key: entry.keywords for key, entry in self._other_bodies.items()},
        )

    def __iter__(self) -> Iterator[Procedure]:
        return iter(self._procedures.values())

    def __len__(self) -> int:
        return len(self._procedures)

    def ids(self) -> List[str]:
        return list(self._procedures)

    def get(self, procedure_id: Optional[str]) -> Optional[Procedure]:
        return self._procedures.get(procedure_id or "")

    def by_service(self, service_id: str) -> List[Procedure]:
        return [entry for entry in self if entry.service == service_id]

    def find(self, text: Optional[str]) -> Optional[Procedure]:
        """The procedure an entity value or a message names, or None.

        Tolerates accents, case, plurals, synonyms and small typos; the most specific phrase
        wins ("carte d'identité pour enfant" is the Kids-ID, not the eID).
        """
        if not text or not text.strip():
            return None
        if text in self._procedures:
            return self._procedures[text]
        key = self._index.exact(text) or self._index.best(text)
        if key is None and len(content_tokens(text)) <= 4:
            key = self._index.similar(text)
        return self._procedures.get(key) if key else None

    def closest(self, text: str, n: int = 3) -> List[Procedure]:
        """Up to n procedures that look like the text, best first (for "did you mean")."""
        ranked = [(overlap, ratio, key)
                  for overlap, ratio, key in self._index.ranking(text, min_ratio=CLOSE_RATIO)
                  if overlap > 0 or ratio >= CLOSE_RATIO]
        return [self._procedures[key] for _, _, key in ranked[:n]]

    def other_bodies(self) -> List[OtherBody]:
        return list(self._other_bodies.values())

    def find_other_body(self, text: Optional[str]) -> Optional[OtherBody]:
        """A procedure the city does not handle, named in the text."""
        if not text or not text.strip():
            return None
        key = self._other_index.exact(text) or self._other_index.best(text)
        return self._other_bodies.get(key) if key else None


# --------------------------------------------------------------------------------------------
# Loading and validation


def load_procedures(directory: Path, services: Any) -> ProcedureCatalogue:
    """Load and validate the procedures; raise CatalogueError listing every problem.

    `services` is the services catalogue: only `services.ids()` is used here, to check that
    each procedure's handling service exists.
    """
    directory = Path(directory)
    problems = ProblemCollector()
    service_ids = set(services.ids())

    procedures: Dict[str, Procedure] = {}
    data = _read_yaml(directory / PROCEDURES_FILE, "procedures", problems, required=True)
    for key, raw in data.items():
        entry = _EntryReader(PROCEDURES_FILE, str(key), raw, problems)
        procedure = entry.procedure(service_ids)
        if procedure is not None:
            procedures[procedure.id] = procedure
    for missing in CONTRACT_PROCEDURE_IDS:
        if missing not in data:
            problems.add(PROCEDURES_FILE, missing, None,
                         "procedure of the NLU contract missing from the catalogue")

    other_bodies: Dict[str, OtherBody] = {}
    data = _read_yaml(directory / OTHER_BODIES_FILE, "other_bodies", problems, required=False)
    for key, raw in data.items():
        body = _EntryReader(OTHER_BODIES_FILE, str(key), raw, problems).other_body()
        if body is not None:
            other_bodies[body.id] = body

    _check_phrases_unique(procedures, other_bodies, problems)
    problems.raise_if_any()
    return ProcedureCatalogue(procedures, other_bodies)


def _read_yaml(path: Path, top_key: str, problems: ProblemCollector,
               required: bool) -> Dict[Any, Any]:
    if not path.exists():
        if required:
            problems.add(path.name, None, None, "file not found")
        return {}
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        problems.add(path.name, None, None, f"invalid YAML: {error}")
        return {}
    entries = document.get(top_key) if isinstance(document, dict) else None
    if not isinstance(entries, dict):
        problems.add(path.name, None, top_key, "must be a mapping of entries (id: fields)")
        return {}
    return entries


class _EntryReader:
    """Reads the fields of one entry, recording a problem for each bad field."""

    def __init__(self, file: str, key: str, raw: Any, problems: ProblemCollector) -> None:
        self.file, self.key, self.problems = file, key, problems
        self.raw = raw if isinstance(raw, dict) else {}
        self.ok = True
        if not isinstance(raw, dict):
            self.problem(None, "must be a mapping of fields")
        if not ID_PATTERN.match(key):
            self.problem(None, "id must be lower-case snake_case (e.g. carte_identite)")

    def problem(self, field_name: Optional[str], message: str) -> None:
        self.ok = False
        self.problems.add(self.file, self.key, field_name, message)

    # Field readers: `path` is the field as city staff see it, e.g. "price.variants[1].amount".

    def text(self, path: str, value: Any, required: bool = False) -> str:
        if value is None or value == "":
            if required:
                self.problem(path, "required text is missing")
            return ""
        if not isinstance(value, str):
            self.problem(path, "must be text")
            return ""
        return " ".join(value.split()) if "\n" not in value.strip() else value.strip()

    def texts(self, path: str, value: Any) -> Tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem(path, "must be a list of texts")
            return ()
        result = []
        for index, item in enumerate(value):
            text = self.text(f"{path}[{index}]", item, required=True)
            if text:
                result.append(text)
        return tuple(result)

    def url(self, path: str, value: Any, required: bool = False) -> str:
        text = self.text(path, value, required)
        if text and not re.match(r"^https?://[^\s]+$", text):
            self.problem(path, f"'{text}' is not a web address (http:// or https://)")
            return ""
        return text

    def flag(self, path: str, value: Any) -> Optional[bool]:
        if value is None or isinstance(value, bool):
            return value
        self.problem(path, "must be true, false or empty (unknown)")
        return None

    def mapping(self, path: str, value: Any) -> Dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(path, "must be a mapping")
            return {}
        return value

    def unknown_fields(self, path: str, value: Dict[str, Any], allowed: set) -> None:
        for name in value:
            if name not in allowed:
                where = f"{path}.{name}" if path else str(name)
                self.problem(where, f"unknown field (allowed: {', '.join(sorted(allowed))})")

    def checked_on(self) -> Optional[dt.date]:
        value = self.raw.get("checked_on")
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.problem("checked_on", "required date missing or invalid (YYYY-MM-DD)")
            return None

    def sources(self) -> Dict[str, Source]:
        result = {}
        raw = self.raw.get("sources")
        if raw is None:
            self.problem("sources", "required: the facts' sources (may be {} when none)")
        for source_id, value in self.mapping("sources", raw).items():
            path = f"sources.{source_id}"
            if not SOURCE_ID_PATTERN.match(str(source_id)):
                self.problem(path, "source id must be a fact number of liege-facts.md (e.g. C1)")
            value = self.mapping(path, value)
            self.unknown_fields(path, value, {"url", "date"})
            url = self.url(f"{path}.url", value.get("url"), required=True)
            date = self.text(f"{path}.date", _as_text(value.get("date")), required=True)
            result[str(source_id)] = Source(str(source_id), url, date)
        return result

    # Entries

    def procedure(self, service_ids: set) -> Optional[Procedure]:
        raw = self.raw
        self.unknown_fields("", raw, PROCEDURE_FIELDS)
        sources = self.sources()
        label = self.text("label", raw.get("label"), required=True)
        if len(label) > LABEL_MAX:
            self.problem("label", f"'{label}' is longer than {LABEL_MAX} characters")
        service = self.text("service", raw.get("service"), required=True)
        if service and service not in service_ids:
            self.problem("service", f"unknown service '{service}' (not in the services "
                                    f"catalogue: {', '.join(sorted(service_ids)) or 'none'})")
        procedure = Procedure(
            id=self.key,
            name=self.text("name", raw.get("name"), required=True),
            label=label,
            service=service,
            summary=self.text("summary", raw.get("summary"), required=True),
            synonyms=self.texts("synonyms", raw.get("synonyms")),
            steps=self.texts("steps", raw.get("steps")),
            documents=self.documents(),
            price=self.price(sources),
            delay=self.text("delay", raw.get("delay")),
            appointment=self.appointment(),
            online=self.online(),
            situations=self.situations(),
            link=self.url("link", raw.get("link")),
            sources=sources,
            checked_on=self.checked_on(),
        )
        return procedure if self.ok else None

    def documents(self) -> Documents:
        raw = self.mapping("documents", self.raw.get("documents"))
        self.unknown_fields("documents", raw, {"items", "note"})
        return Documents(self.texts("documents.items", raw.get("items")),
                         self.text("documents.note", raw.get("note")))

    def price(self, sources: Mapping[str, Source]) -> Price:
        raw = self.mapping("price", self.raw.get("price"))
        self.unknown_fields("price", raw, {"variants", "note"})
        variants = raw.get("variants") or []
        if not isinstance(variants, list):
            self.problem("price.variants", "must be a list")
            variants = []
        result = []
        for index, variant in enumerate(variants):
            path = f"price.variants[{index}]"
            variant = self.mapping(path, variant)
            self.unknown_fields(path, variant,
                                {"label", "amount", "valid_from", "as_of", "source", "up_to"})
            amount = self.amount(f"{path}.amount", variant.get("amount"))
            valid_from = self.text(f"{path}.valid_from", _as_text(variant.get("valid_from")))
            as_of = self.text(f"{path}.as_of", _as_text(variant.get("as_of")))
            source = self.text(f"{path}.source", variant.get("source"))
            if valid_from and not _valid_date_text(valid_from):
                self.problem(f"{path}.valid_from",
                             f"'{valid_from}' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
            if amount is not None:
                if not (valid_from or as_of):
                    self.problem(f"{path}.valid_from",
                                 "a known price needs the date it is valid from (or as_of)")
                if not source:
                    self.problem(f"{path}.source", "a known price needs its source")
            if source and source not in sources:
                self.problem(f"{path}.source", f"'{source}' is not listed in this entry's sources")
            result.append(PriceVariant(
                label=self.text(f"{path}.label", variant.get("label"), required=True),
                amount=amount, valid_from=valid_from or None, as_of=as_of or None,
                source=source or None, up_to=bool(self.flag(f"{path}.up_to", variant.get("up_to"))),
            ))
        return Price(tuple(result), self.text("price.note", raw.get("note")))

    def amount(self, path: str, value: Any) -> Optional[Decimal]:
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            self.problem(path, "must be an amount in euros (e.g. 39.70) or empty (unknown)")
            return None
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            self.problem(path, f"'{value}' is not an amount in euros (e.g. 39.70)")
            return None
        if amount < 0 or not amount.is_finite():
            self.problem(path, "must be zero or more")
            return None
        return amount

    def appointment(self) -> Appointment:
        raw = self.mapping("appointment", self.raw.get("appointment"))
        self.unknown_fields("appointment", raw, {"needed", "text"})
        needed = self.flag("appointment.needed", raw.get("needed"))
        text = self.text("appointment.text", raw.get("text"))
        if needed is not None and not text:
            self.problem("appointment.text", "say how to book (or that no booking is needed)")
        return Appointment(needed, text)

    def online(self) -> Online:
        raw = self.mapping("online", self.raw.get("online"))
        self.unknown_fields("online", raw, {"possible", "options", "note"})
        options = raw.get("options") or []
        if not isinstance(options, list):
            self.problem("online.options", "must be a list")
            options = []
        result = []
        for index, option in enumerate(options):
            path = f"online.options[{index}]"
            option = self.mapping(path, option)
            self.unknown_fields(path, option, {"name", "url", "what"})
            result.append(OnlineOption(
                name=self.text(f"{path}.name", option.get("name"), required=True),
                what=self.text(f"{path}.what", option.get("what")),
                url=self.url(f"{path}.url", option.get("url")),
            ))
        return Online(self.flag("online.possible", raw.get("possible")), tuple(result),
                      self.text("online.note", raw.get("note")))

    def situations(self) -> Dict[str, str]:
        raw = self.mapping("situations", self.raw.get("situations"))
        result = {}
        for kind, value in raw.items():
            path = f"situations.{kind}"
            if kind not in SITUATION_TRIGGERS:
                self.problem(path, f"unknown situation (allowed: {', '.join(SITUATION_TRIGGERS)})")
                continue
            text = self.text(path, value, required=True)
            if text:
                result[kind] = text
        return result

    def other_body(self) -> Optional[OtherBody]:
        raw = self.raw
        self.unknown_fields("", raw, OTHER_BODY_FIELDS)
        body = OtherBody(
            id=self.key,
            name=self.text("name", raw.get("name"), required=True),
            keywords=self.texts("keywords", raw.get("keywords")),
            body=self.text("body", raw.get("body")),
            contact=self.text("contact", raw.get("contact")),
            link=self.url("link", raw.get("link")),
            note=self.text("note", raw.get("note")),
            sources=self.sources(),
            checked_on=self.checked_on(),
        )
        if body.body and not body.sources:
            self.problem("sources", "an organisation named in 'body' needs its source")
        return body if self.ok else None


def _as_text(value: Any) -> Any:
    """YAML reads 2025 as an int and 2024-01-01 as a date: keep them as text."""
    if isinstance(value, (int, dt.date)) and not isinstance(value, bool):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    return value


def _valid_date_text(text: str) -> bool:
    if not VALID_FROM_PATTERN.match(text):
        return False
    parts = [int(part) for part in text.split("-")] + [1, 1]
    try:
        dt.date(parts[0], parts[1], parts[2])
    except ValueError:
        return False
    return True


def _check_phrases_unique(procedures: Mapping[str, Procedure],
                          other_bodies: Mapping[str, OtherBody],
                          problems: ProblemCollector) -> None:
    """A synonym naming two procedures would make answers depend on file order."""
    owners: Dict[str, str] = {}
    for entry_file, field_name, key, phrases in (
        [(PROCEDURES_FILE, "synonyms", p.id, (p.name, p.label, *p.synonyms))
         for p in procedures.values()]
        + [(OTHER_BODIES_FILE, "keywords", b.id, (b.name, *b.keywords))
           for b in other_bodies.values()]
    ):
        for phrase in phrases:
            text = " ".join(content_tokens(phrase))
            owner = owners.setdefault(text, key)
            if owner != key:
                problems.add(entry_file, key, field_name,
                             f"'{phrase}' already names '{owner}'")

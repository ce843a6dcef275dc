"""Which language a citizen's message is in: French, Dutch, English or German (issue 16).

`detect(text)` uses lingua (`lingua-language-detector`, made for short texts), restricted to
those four languages, and answers "fr", "nl", "en", "de", or None when it cannot tell. The
rules around it keep short and ambiguous messages French (docs/languages.md):
- button payloads ("/greet"), and what is left of a message without its digits, emojis,
  links and punctuation when it holds fewer than MIN_LETTERS letters, are not detected (None);
- the catalogue's French names (services, sites, procedures: "Kids-ID", "Jonfosse", "rue
  Saint-Gilles") and Liège's districts (PLACES) are taken out first: a foreign sentence
  naming a Liège place stays foreign, a French message made only of names stays undetected;
- a single word tells its language only when lingua is nearly sure (SINGLE_WORD_CONFIDENCE):
  "hello", "ok", "top", "bye", "merci" stay undetected, "goedemiddag" is Dutch;
- otherwise the message is foreign when a foreign language gets at least FOREIGN_CONFIDENCE
  and French less than FRENCH_AT_MOST; French when French is the likeliest; else None;
- a message is foreign only if it holds a word the assistant knows in that language (its
  words, service names and day names in actions/languages/<code>.yml): lingua finds a
  language in any letters, and "zkqwx vlorp" is no German.
The thresholds were chosen on the training sentences (data/nlu/, all French) and a few
sentences per language written for it, never on the held-out lists of tests/languages/.

`LanguageDetector` is the NLU pipeline's first step: it adds `language` to the parse data.
What the conversation does with it (remember it, route it) is
rasa_extensions/conversation_language.py.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any, Dict, Iterable, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

LANGUAGE = "language"  # the parse data's key
FOREIGN = ("nl", "en", "de")
MIN_LETTERS = 8
SINGLE_WORD_CONFIDENCE = 0.97
FOREIGN_CONFIDENCE = 0.6
FRENCH_AT_MOST = 0.25
MAX_CHARS = 1000  # a message's start tells its language; detection stays cheap

# Liège and its districts, as citizens write them in any language: names, not words.
PLACES = ("liège", "liege", "luik", "lüttich", "angleur", "bressoux", "chênée", "cointe",
          "droixhe", "glain", "grivegnée", "guillemins", "jupille", "laveu", "longdoz",
          "outremeuse", "rocourt", "saint-léonard", "saint-laurent", "sainte-marguerite",
          "sainte-walburge", "sclessin", "vennes", "wandre", "amercoeur", "burenville",
          "kinkempois", "fétinne", "thier-à-liège", "hors-château", "féronstrée")
_LINK = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def _plain(text: str) -> str:
    """Lowercase, without accents: how names are compared."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@functools.lru_cache(maxsize=1)
def _detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    return (LanguageDetectorBuilder
            .from_languages(Language.FRENCH, Language.DUTCH, Language.ENGLISH, Language.GERMAN)
            .with_preloaded_language_models().build())


@functools.lru_cache(maxsize=1)
def _french_names() -> re.Pattern:
    """The catalogue's French names of services, sites and procedures, longest first."""
    names = set()
    try:
        from actions.city_catalogue import load_catalogue

        catalogue = load_catalogue()
        for collection in (catalogue.services, catalogue.procedures):
            names |= set(_names_of(collection))
    except Exception:  # the detection works without them, only less well on names
        names = set()
    names = {_plain(name) for name in (*names, *PLACES) if len(name) >= 4}
    if not names:
        return re.compile(r"(?!x)x")
    ordered = sorted(names, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(name) for name in ordered) + r")\b")


def _names_of(collection: Any) -> Iterable[str]:
    for entry_id in collection.ids():
        entry = collection.get(entry_id)
        for named in (entry, *(getattr(entry, "sites", None) or ())):
            yield from (getattr(named, "name", "") or "", getattr(named, "short", "") or "")
            yield from getattr(named, "synonyms", ()) or ()


@functools.lru_cache(maxsize=4096)
def _plain_char(char: str) -> str:
    plain = _plain(char)
    return plain if len(plain) == 1 else char


def _plain_chars(text: str) -> str:
    """`_plain` character by character, so that positions match `text` (a character whose
    plain form is not one character stays as it is); lowercase ASCII is its own plain form."""
    return text if text.isascii() else "".join(map(_plain_char, text))


def words_of(text: str) -> List[str]:
    """The words that tell the language, lowercase with their accents ("téléphone" is French,
    "telephone" English): no links, no names of the catalogue, no digits, no emojis."""
    text = _LINK.sub(" ", text[:MAX_CHARS].lower())
    kept, start = [], 0
    for name in _french_names().finditer(_plain_chars(text)):
        kept.append(text[start:name.start()])
        start = name.end()
    kept.append(text[start:])
    return _WORD.findall(" ".join(kept))


def confidences(text: str) -> Dict[str, float]:
    """lingua's confidence per language code for `text` (they add up to 1)."""
    values = _detector().compute_language_confidence_values(text)
    return {value.language.iso_code_639_1.name.lower(): value.value for value in values}


@functools.lru_cache(maxsize=None)
def _known_words(code: str) -> frozenset:
    """The words of language `code` in its texts file, plain (lowercase, no accents)."""
    from actions.languages import plain, texts_for

    texts = texts_for(code)
    phrases: List[str] = list(texts.days)

    def collect(value: Any) -> None:
        if isinstance(value, str):
            phrases.append(value)
        elif isinstance(value, (list, tuple)):
            for item in value:
                collect(item)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)

    collect(texts.words)
    collect([entry.get("aliases") for entry in texts.services.values()])
    return frozenset(word for phrase in phrases for word in plain(phrase).split())


def _knows(code: str, words: List[str]) -> bool:
    from actions.languages import plain

    return any(word in _known_words(code) for text in words for word in plain(text).split())


def detect(text: Optional[str]) -> Optional[str]:
    """"fr", "nl", "en", "de", or None when the message cannot tell (see the docstring)."""
    if not text or text.lstrip().startswith("/"):
        return None
    words = words_of(text)
    if sum(len(word) for word in words) < MIN_LETTERS and len(words) < 2:
        return None
    scores = confidences(" ".join(words))
    best = max(scores, key=scores.get)
    if best == "fr":
        return "fr" if len(words) > 1 or scores[best] >= SINGLE_WORD_CONFIDENCE else None
    if not _knows(best, words):
        return None
    if len(words) == 1:
        return best if scores[best] >= SINGLE_WORD_CONFIDENCE else None
    if scores[best] >= FOREIGN_CONFIDENCE and scores.get("fr", 0.0) < FRENCH_AT_MOST:
        return best
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class LanguageDetector(GraphComponent):
    """Adds `language` ("fr", "nl", "en", "de" or None) to each message's parse data."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LanguageDetector":
        _detector()  # loaded with the model, not at the first message
        _french_names()
        for code in FOREIGN:
            _known_words(code)
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            message.set(LANGUAGE, detect(message.get(TEXT)), add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

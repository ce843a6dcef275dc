"""Find the FAQ entry (catalogue/faq.yml) a citizen's precise question asks, if one is close enough.

Plain Python, no Rasa, no training: the index is built from the catalogue when it loads, so an
entry staff add is found at the next start of the action server. Three scorers were measured on
held-out precise questions (bench/bench_faq.py, docs/nlu-pipelines.md, "FAQ retrieval"):

- `tfidf` (chosen): cosine of TF-IDF vectors of word stems, character 3–5-grams (typos,
  plurals) and concepts (paraphrases that share no letters: "à ma place" / "procuration");
- `bm25`: Okapi BM25 over word stems, divided by the question's own score (0..1);
- `fuzzy`: difflib's ratio between the stemmed texts.

The words of the procedure's name are left out (every entry of the procedure shares them).
An entry answers only above a threshold and clearly ahead of the second best: a wrong entry
is worse than "not known, here is who knows". A rasa ResponseSelector was not kept: it would
need retraining the model for each entry staff add.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import (AbstractSet, Any, Callable, Dict, FrozenSet, List, Mapping, Optional,
                    Sequence, Tuple)

from actions.city_catalogue.faq import FaqEntry
from actions.city_catalogue.procedures import normalise
from actions.question_focus import question_part

DEFAULT_METHOD = "tfidf"
# Chosen by measurement (bench/bench_faq.py) on the dev half of tests/nlu/faq_questions.yml:
# the least score to answer with…
THRESHOLDS = {"tfidf": 0.26, "bm25": 0.44, "fuzzy": 0.54}
# ... and the least lead over the second-best entry (a close second means "not sure"). A lead
# relative to the best score was measured too: fewer right answers on dev.
MARGINS = {"tfidf": 0.10, "bm25": 0.06, "fuzzy": 0.0}

# Words that say nothing about which precise question is asked.
_NOISE = frozenset("""
    a ai as au aux avec bjr bonjour bonsoir c ca ce ces cet cette d de des dois doit du elle en
    est et etre eu il ils j je l la le les leur lui m ma madame me merci mes moi mon monsieur n ne
    nous on ou par pas pour qu que quel quelle quels qui s sa se ses si slt son sont stp sur svp
    t ta te tes toi ton tu un une vos votre vous y svp cordialement salut
""".split())


# Name words that still tell questions apart ("carte d'identité pour enfant": enfant).
_KEEP = frozenset("enfant enfants mineur urgent urgence perte vol etranger".split())


def _stem(word: str) -> str:
    for suffix in ("ements", "ement", "ations", "ation", "ees", "ee", "es", "er", "ez", "s", "e"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def words(text: str, ignore: AbstractSet[str] = frozenset()) -> List[str]:
    """Stems of the words that may tell the question apart (`ignore`: the procedure's name)."""
    return [_stem(w) for w in normalise(text).split() if w not in _NOISE and w not in ignore]


# Ways of saying the same thing that share no letters ("à ma place" / "procuration"): each
# group adds one concept feature, so paraphrases meet. Normalised words or phrases.
CONCEPTS: Dict[str, Tuple[str, ...]] = {
    "proxy": ("procuration", "a ma place", "a sa place", "a leur place", "quelqu un",
              "qqn", "autre personne", "un tiers", "mandat", "pour elle", "pour lui",
              "pour moi", "a la place"),
    "code": ("pin", "puk", "code", "codes", "code secret"),
    "damaged": ("abime", "abimee", "casse", "cassee", "fendue", "pliee", "endommage",
                "endommagee", "puce", "ne marche plus", "fonctionne plus", "lit plus",
                "defectueuse", "morte", "illisible"),
    "valid": ("valable", "validite", "expire", "expiree", "expirer", "perime", "perimee",
              "echeance", "encore bonne", "reste valable", "duree"),
    "travel": ("voyager", "voyage", "pays", "hors europe", "hors de l europe", "maroc",
               "turquie", "vacances", "partir a", "a l etranger", "pour l etranger",
               "frontiere"),
    "child": ("enfant", "enfants", "fils", "fille", "bebe", "mineur", "mineure", "ado",
              "gamin", "gamine", "nourrisson", "petit"),
    "found": ("retrouve", "retrouvee", "retrouver", "remis la main"),
    "letter": ("convocation", "lettre", "courrier", "invitation", "recu aucun"),
    "witness": ("temoin", "temoins"),
    "age": ("ans", "age", "senior", "agee", "ages", "pension"),
    "student": ("etudiant", "etudiante", "kot", "universite", "kotteur"),
    "deadline": ("a l avance", "combien de temps avant", "au plus tard", "delai",
                 "dans les", "endeans", "jours pour"),
    "funeral": ("pompes funebres", "funerarium", "entreprise de funerailles",
                "croque mort"),
    "hospital": ("maternite", "hopital", "clinique", "citadelle", "chr"),
    "name": ("nom", "prenom", "change de nom"),
    "photo": ("photo", "photos", "ressemble", "tete"),
}
_CONCEPT_PATTERNS = [(concept, re.compile(r"\b(?:" + "|".join(map(re.escape, phrases)) + r")\b"))
                     for concept, phrases in CONCEPTS.items()]
CONCEPT_WEIGHT = 1
# Weight of each kind of feature in the TF-IDF vector: words, character n-grams, concepts.
FEATURE_WEIGHTS = {"w": 1.0, "c": 0.15, "k": 4.0}


def concepts(text: str) -> List[str]:
    normalised = normalise(text)
    return [concept for concept, pattern in _CONCEPT_PATTERNS if pattern.search(normalised)]


def _features(text: str, ignore: AbstractSet[str] = frozenset()) -> Counter:
    """Word stems, character 3–5-grams of each word (typos, SMS spellings), concepts."""
    stems = words(text, ignore)
    features = Counter(f"w:{stem}" for stem in stems)
    for concept in concepts(text):
        features[f"k:{concept}"] += CONCEPT_WEIGHT
    for stem in stems:
        padded = f" {stem} "
        for n in (3, 4, 5):
            features.update(f"c:{padded[i:i + n]}" for i in range(len(padded) - n + 1))
    return features


@dataclass(frozen=True)
class _Query:
    vector: Dict[str, float]
    stems: List[str]
    self_score: float  # BM25 of the query against itself, to bring BM25 to 0..1
    text: str


@dataclass(frozen=True)
class Match:
    entry: FaqEntry
    score: float
    runner_up: float  # best score of another entry, to see how clear-cut the choice was


def owner_words(catalogue: Any) -> Dict[str, FrozenSet[str]]:
    """Per procedure and service id: the normalised words of its names and synonyms."""
    result: Dict[str, FrozenSet[str]] = {}
    for procedure in catalogue.procedures:
        # Not the synonyms: "code PIN" names the eID but tells a precise question apart.
        names = (procedure.id.replace("_", " "), procedure.name, procedure.label)
        result[procedure.id] = frozenset(normalise(" ".join(names)).split()) - _KEEP
    for service in catalogue.services.services():
        names = (service.id.replace("_", " "), service.name, service.short)
        result[service.id] = frozenset(normalise(" ".join(names)).split()) - _KEEP
    return result


class FaqIndex:
    """Every text (question and wordings) of every entry, scored against a citizen's message."""

    def __init__(self, entries: Sequence[FaqEntry], method: str = DEFAULT_METHOD,
                 owner_words: Optional[Mapping[str, AbstractSet[str]]] = None) -> None:
        """`owner_words`: per procedure or service id, the words of its names, left out of the
        comparison: every entry of a procedure shares them, they tell no question apart."""
        if method not in THRESHOLDS:
            raise ValueError(f"unknown method {method!r}")
        self.method = method
        self.threshold = THRESHOLDS[method]
        self.margin = MARGINS[method]
        self.owner_words = dict(owner_words or {})
        self._texts: List[Tuple[FaqEntry, str]] = [(e, t) for e in entries for t in e.texts()]
        ignored = [self.owner_words.get(entry.owner, frozenset()) for entry, _ in self._texts]
        documents = [_features(text, ignore) for (_, text), ignore in zip(self._texts, ignored)]
        counts = Counter(feature for doc in documents for feature in doc)
        total = max(len(documents), 1)
        self._idf = {f: math.log((1 + total) / (1 + n)) + 1 for f, n in counts.items()}
        self._vectors = [self._tfidf(doc) for doc in documents]
        self._stems = [words(text, ignore) for (_, text), ignore in zip(self._texts, ignored)]
        self._average_length = sum(map(len, self._stems)) / total if self._stems else 1.0
        stem_counts = Counter(s for stems in self._stems for s in set(stems))
        self._bm25_idf = {s: math.log(1 + (total - n + 0.5) / (n + 0.5))
                          for s, n in stem_counts.items()}
        self._scorers: Dict[str, Callable[[_Query, int], float]] = {
            "tfidf": self._score_tfidf, "bm25": self._score_bm25, "fuzzy": self._score_fuzzy}

    # -- scorers: (query, index of a text) -> similarity in 0..1
    def _tfidf(self, features: Counter) -> Dict[str, float]:
        vector = {f: (1 + math.log(n)) * self._idf.get(f, 0.0) * FEATURE_WEIGHTS[f[0]]
                  for f, n in features.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        return {f: v / norm for f, v in vector.items()}

    def _score_tfidf(self, query: _Query, index: int) -> float:
        other = self._vectors[index]
        return sum(v * other.get(f, 0.0) for f, v in query.vector.items())

    def _bm25(self, query_stems: Sequence[str], stems: Sequence[str]) -> float:
        k1, b = 1.2, 0.75
        frequencies = Counter(stems)
        score = 0.0
        for stem in set(query_stems):
            n = frequencies.get(stem, 0)
            if n:
                norm = n + k1 * (1 - b + b * len(stems) / self._average_length)
                score += self._bm25_idf.get(stem, 0.0) * n * (k1 + 1) / norm
        return score

    def _score_bm25(self, query: _Query, index: int) -> float:
        return self._bm25(query.stems, self._stems[index]) / query.self_score

    def _score_fuzzy(self, query: _Query, index: int) -> float:
        return SequenceMatcher(None, query.text, " ".join(self._stems[index])).ratio()

    # -- search
    def _prepare(self, query: str, ignore: AbstractSet[str]) -> _Query:
        stems = words(query, ignore)
        return _Query(self._tfidf(_features(query, ignore)), stems,
                      max(self._bm25(stems, stems), 1e-9), " ".join(stems))

    def scores(self, query: str, allowed: Optional[Sequence[FaqEntry]] = None,
               exclude_text: Optional[str] = None, owner: Optional[str] = None
               ) -> Dict[str, Tuple[FaqEntry, float]]:
        """Best score per entry id (among `allowed` entries when given). `owner`: the
        procedure the message is about, whose name words are left out of the query."""
        allowed_ids = None if allowed is None else {entry.id for entry in allowed}
        ignore = self.owner_words.get(owner or "", frozenset())
        # A long message is compared whole and by its question alone (the story around the
        # question dilutes the likeness to a short wording): the better of the two counts.
        focus = question_part(query)
        prepared = [self._prepare(text, ignore) for text in
                    ([query, focus] if focus != query else [query])]
        scorer = self._scorers[self.method]
        best: Dict[str, Tuple[FaqEntry, float]] = {}
        for index, (entry, text) in enumerate(self._texts):
            if allowed_ids is not None and entry.id not in allowed_ids:
                continue
            if exclude_text is not None and text == exclude_text:
                continue
            score = max(scorer(one, index) for one in prepared)
            if entry.id not in best or score > best[entry.id][1]:
                best[entry.id] = (entry, score)
        return best

    def best(self, query: str, allowed: Optional[Sequence[FaqEntry]] = None,
             exclude_text: Optional[str] = None, owner: Optional[str] = None
             ) -> Optional[Match]:
        """The closest entry with its score, whatever the score (None when no entry)."""
        ranked = sorted(self.scores(query, allowed, exclude_text, owner).values(),
                        key=lambda item: -item[1])
        if not ranked:
            return None
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        return Match(ranked[0][0], ranked[0][1], runner_up)

    def answer(self, query: str, allowed: Optional[Sequence[FaqEntry]] = None,
               owner: Optional[str] = None) -> Optional[Match]:
        """The closest entry if it is close enough to answer with, else None."""
        if not query or not query.strip() or query.startswith("/"):
            return None
        match = self.best(query, allowed, owner=owner)
        if match is None or match.score < self.threshold \
                or match.score - match.runner_up < self.margin:
            return None
        return match



# Everyday words that cannot, alone, tie a question to an entry (see shares_point).
_GENERIC = frozenset(_stem(w) for w in """
    comme quoi faut falloir faire fait fais avoir aller peut peux veux dois doit ok oui non
""".split())


def shares_point(entry: FaqEntry, point: Sequence[str], text: str) -> bool:
    """Whether the entry shares a word stem or a concept with the message's precise point."""
    entry_text = " ".join(entry.texts())
    mine = (set(words(" ".join(point))) - _GENERIC) | set(concepts(text))
    return bool(mine & (set(words(entry_text)) | set(concepts(entry_text))))

"""The part of a message that asks something: its questions, without the story around them.

Plain Python, no Rasa. A citizen's long message tells a situation in several sentences ("j'ai
déménagé en mars, le rendez-vous était complet, ...") and asks once ("quels papiers faut-il ?").
Words of the story name other aspects and pull the intent classifier away from the question;
`question_part()` gives the question alone, for the NLU's question-focus features
(rasa_extensions/question_focus_featurizer.py) and the aspect detection (actions/aspect_detection.py).
"""

from __future__ import annotations

import re
from typing import List

from actions.city_catalogue.procedures import normalise

SENTENCE = re.compile(r"[^.!?\n]*[.!?\n]+|[^.!?\n]+$")

# A sentence without "?" that still asks (SMS style drops the mark): it starts with a question
# word, or says "je voudrais savoir", "pouvez-vous me dire" …  (normalised text).
_ASKING_START = re.compile(
    r"^(?:et\s+|alors\s+|donc\s+|mais\s+|svp\s+|bonjour\s+)?"
    r"(?:comment|combien|cb|quel|quels|quelle|quelles|quand|pourquoi|qui|que|quoi|ou\s+(?:est|se|sont|"
    r"faut|dois|aller|puis)|est\s+ce|faut\s+il|peut\s+on|puis\s+je|dois\s+je|y\s+a\s+t\s+il|"
    r"je\s+peux|on\s+peut|je\s+dois|il\s+faut\s+quoi|c\s+est\s+(?:quand|ou|combien|quoi|possible)|"
    r"pouvez|pourriez|pourrais|sauriez|savez|serait\s+il|est\s+il|a\s+t\s+on)\b")
_ASKING_ANYWHERE = re.compile(
    r"\b(?:voudrais|voulais|aimerais|souhaiterais|souhaite|veux)\s+(?:savoir|connaitre|demander)\b"
    r"|\b(?:me\s+dire|m\s+expliquer|m\s+indiquer|me\s+renseigner)\b"
    r"|\bsavoir\s+(?:si|comment|quand|combien|ou|quel|quels|quelle|quelles|ce\s+qu)\b")


def sentences(text: str) -> List[str]:
    """The message's sentences (ends kept: "?" tells a question), blank ones dropped."""
    return [sentence for sentence in SENTENCE.findall(text or "") if sentence.strip()]


def _asks(sentence: str) -> bool:
    if "?" in sentence:
        return True
    normalised = normalise(sentence)
    return bool(_ASKING_START.search(normalised) or _ASKING_ANYWHERE.search(normalised))


def question_sentences(text: str) -> List[str]:
    """The sentences that ask: those with "?", else those that ask without it, else all."""
    all_sentences = sentences(text)
    marked = [sentence for sentence in all_sentences if "?" in sentence]
    if marked:
        return marked
    asking = [sentence for sentence in all_sentences if _asks(sentence)]
    return asking or all_sentences


def question_part(text: str) -> str:
    """The questions of a message of several sentences; a one-sentence message whole."""
    if len(sentences(text)) <= 1:
        return text or ""
    return " ".join(sentence.strip() for sentence in question_sentences(text))

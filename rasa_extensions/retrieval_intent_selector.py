"""rasa's ResponseSelector, run only for messages whose intent it answers (`chitchat`).

rasa's ResponseSelector runs its model on every message and adds a response for the
retrieval intent to each, though that response is used only when the message's intent is
the retrieval intent itself (`utter_chitchat` after `chitchat`). In the pipeline it comes
after DIET and before the FallbackClassifier, which can only replace an intent by
`nlu_fallback`: a message whose DIET intent is not a retrieval intent never uses it. Skipping
those messages saves one TensorFlow prediction (about 8 ms) on most turns; training and the
selection for chitchat messages are rasa's own.
"""

from __future__ import annotations

from typing import List, Set

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class RetrievalIntentSelector(ResponseSelector):
    """ResponseSelector that selects only for messages of its retrieval intents."""

    def answered_intents(self) -> Set[str]:
        return {self.retrieval_intent} if self.retrieval_intent \
            else set(self.all_retrieval_intents)

    def process(self, messages: List[Message]) -> List[Message]:
        intents = self.answered_intents()
        asked = [message for message in messages
                 if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) in intents]
        if asked:
            super().process(asked)
        return messages

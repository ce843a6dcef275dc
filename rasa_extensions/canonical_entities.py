"""NLU pipeline step (rasa side) after EntitySynonymMapper: canonical ids only, see
`actions.entity_resolution`. Listed in config.yml as `rasa_extensions.canonical_entities.CanonicalEntities`.

It reads the catalogue (names, synonyms, sites) when the rasa server parses its first message,
not at training: staff's catalogue edits apply at the next restart, without retraining. If the
catalogue cannot be loaded, it keeps only values that are contract ids (never a raw wording).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from actions.city_catalogue import CatalogueError, get_catalogue
from actions.city_catalogue.contract import CONTRACT_PROCEDURE_IDS, CONTRACT_SERVICE_IDS
from actions.entity_resolution import CATALOGUE_ENTITIES, PROCEDURE, resolve_entities

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class CanonicalEntities(GraphComponent, EntityExtractorMixin):
    """Replaces each procedure/service value by its canonical id, or drops it."""

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = config
        self._catalogue: Optional[Any] = None
        self._catalogue_failed = False

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "CanonicalEntities":
        return cls(config)

    def _get_catalogue(self) -> Optional[Any]:
        if self._catalogue is None and not self._catalogue_failed:
            try:
                self._catalogue = get_catalogue()
            except CatalogueError:
                logger.exception("catalogue invalid: entities keep contract ids only")
                self._catalogue_failed = True
        return self._catalogue

    def process(self, messages: List[Message]) -> List[Message]:
        catalogue = self._get_catalogue()
        for message in messages:
            entities = message.get(ENTITIES) or []
            if not entities:
                continue
            if catalogue is not None:
                resolved = resolve_entities(entities, message.get(TEXT) or "", catalogue)
            else:
                resolved = [e for e in entities if _is_contract_value(e)]
            message.set(ENTITIES, resolved, add_to_output=True)
        return messages


def _is_contract_value(entity: Dict[str, Any]) -> bool:
    if entity.get("entity") not in CATALOGUE_ENTITIES:
        return True
    ids = CONTRACT_PROCEDURE_IDS if entity.get("entity") == PROCEDURE else CONTRACT_SERVICE_IDS
    return entity.get("value") in ids

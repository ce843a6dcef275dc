"""`jsonschema.validate` that checks each schema once instead of at every call.

rasa 3.6 calls `jsonschema.validate(instance, schema)` for every action-server answer, every
entity annotation of the training data read (`[x]{"entity": ...}`) and every event posted to
its HTTP API. With jsonschema 4.17, each call first validates the *schema* against the
2020-12 meta-schema, which costs far more than validating the instance: about 70 ms of every
turn that runs a custom action, and over 10 s each time rasa reads the training data.

`install()` replaces `jsonschema.validate` by `validate` below: same arguments, same errors
(`SchemaError` for a bad schema, the `best_match` `ValidationError` for a bad instance), but
the validator of a schema is built and checked once and then reused. rasa imports `validate`
from `jsonschema` at call time, so the replacement reaches every call site.
`scripts/rasa_cli.py` installs it before rasa starts.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from threading import Lock, get_ident
from typing import Any, Optional, Tuple

import jsonschema
from jsonschema import exceptions, validators

_ORIGINAL_VALIDATE = jsonschema.validate
# rasa uses a handful of schemas; the bound only guards against a caller making new ones.
_MAX_SCHEMAS = 64
# Keyed by thread too: a validator's `$ref` resolver keeps a scope stack while it validates.
_validators: "OrderedDict[Tuple[int, Any, str], Any]" = OrderedDict()
_lock = Lock()


def _schema_key(schema: Any) -> Optional[str]:
    # rasa builds a new dict for each call, so the key is the schema's content, not its id.
    try:
        return json.dumps(schema, sort_keys=True, default=repr)
    except (TypeError, ValueError):
        return None


def _validator(schema: Any, cls: Any) -> Any:
    content = _schema_key(schema)
    key = (get_ident(), cls, content)
    if content is not None:
        with _lock:
            cached = _validators.get(key)
            if cached is not None:
                _validators.move_to_end(key)
                return cached
    validator_class = cls if cls is not None else validators.validator_for(schema)
    validator_class.check_schema(schema)  # raises SchemaError; a bad schema is never cached
    validator = validator_class(schema)
    if content is not None:
        with _lock:
            _validators[key] = validator
            while len(_validators) > _MAX_SCHEMAS:
                _validators.popitem(last=False)
    return validator


def validate(instance: Any, schema: Any, cls: Any = None, *args: Any, **kwargs: Any) -> None:
    """`jsonschema.validate` with the schema checked once; same behaviour otherwise."""
    if args or kwargs:  # validator options (format checkers, resolvers): no caching
        _ORIGINAL_VALIDATE(instance, schema, cls, *args, **kwargs)
        return
    error = exceptions.best_match(_validator(schema, cls).iter_errors(instance))
    if error is not None:
        raise error


def install() -> None:
    """Make `jsonschema.validate` the cached one for the whole process (idempotent)."""
    jsonschema.validate = validate


def uninstall() -> None:
    jsonschema.validate = _ORIGINAL_VALIDATE
    with _lock:
        _validators.clear()

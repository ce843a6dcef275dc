"""Code that runs inside the rasa server and `rasa train`, never in the action server.

- NLU components named in `config.yml`: `question_focus_featurizer`, `canonical_entities`,
  `length_bucketed_diet`.
- Fixes to rasa 3.6's speed and memory, installed by `scripts/rasa_cli.py`: `rasa_fixes`
  (with `jsonschema_cache`).

They live outside `actions/` because the action server (rasa_sdk) imports every module of
that package: with these, it imported TensorFlow and rasa and held 0.5 GB instead of 50 MB.
"""

"""The question of a message on its own (actions.question_focus) and the NLU step that gives it
to the classifier as features (rasa_extensions.question_focus_featurizer), trained and reloaded through
rasa's own model storage."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions.question_focus import question_part, question_sentences
from rasa_extensions.question_focus_featurizer import QuestionFocusFeaturizer

STORY = ("Bonjour, nous avons déménagé à Grivegnée en mars. Le rendez-vous en ligne était "
         "complet et j'ai déjà payé la redevance. ")


@pytest.mark.parametrize("text, expected", [
    ("combien ça coûte", "combien ça coûte"),
    ("Bonjour. Quels sont les horaires ?", "Quels sont les horaires ?"),
    (STORY + "Quels papiers faut-il apporter ? Merci, Kevin", "Quels papiers faut-il apporter ?"),
    # SMS style: no question mark, the asking sentence is still found
    (STORY + "je voudrais savoir quels papiers amener. merci", "je voudrais savoir quels papiers amener."),
    (STORY + "cb de temps ca prend. bonne journee", "cb de temps ca prend."),
    ("", ""),
])
def test_the_question_part_leaves_the_story_out(text, expected):
    assert question_part(text) == expected


def test_several_questions_are_all_kept_in_order():
    text = STORY + "C'est combien ? Et il faut un rendez-vous ?"
    assert [s.strip() for s in question_sentences(text)] == [
        "C'est combien ?", "Et il faut un rendez-vous ?"]


def test_a_story_that_asks_nothing_is_kept_whole():
    text = "J'ai perdu ma carte. Je suis à Liège depuis hier. Merci"
    assert question_part(text) == " ".join(s.strip() for s in question_sentences(text))
    assert "perdu" in question_part(text)


def _featurizer(tmp_path, resource=None):
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), node_name="question_focus")
    resource = resource or Resource("question_focus")
    return storage, resource, QuestionFocusFeaturizer.create(
        QuestionFocusFeaturizer.get_default_config(), storage, resource, context)


def _sentence_features(message):
    return [f for f in message.features if f.type == FEATURE_TYPE_SENTENCE]


def test_features_describe_the_question_and_survive_a_reload(tmp_path):
    storage, resource, featurizer = _featurizer(tmp_path)
    training = TrainingData([Message(data={TEXT: text}) for text in (
        "quels papiers faut-il", "combien ça coûte", "c'est ouvert quand", STORY)])
    featurizer.train(training)
    featurizer.process_training_data(training)
    assert all(len(_sentence_features(m)) == 1 for m in training.training_examples)
    assert not any(f.type == FEATURE_TYPE_SEQUENCE for m in training.training_examples
                   for f in m.features)

    long_message = Message(data={TEXT: STORY + "Quels papiers faut-il ?"})
    short_message = Message(data={TEXT: "quels papiers faut-il ?"})
    reloaded = QuestionFocusFeaturizer.load(
        QuestionFocusFeaturizer.get_default_config(), storage, resource,
        ExecutionContext(GraphSchema({}), node_name="question_focus"))
    reloaded.process([long_message, short_message, Message(data={})])
    long_features = _sentence_features(long_message)[0].features.toarray()
    short_features = _sentence_features(short_message)[0].features.toarray()
    # the story's words (rendez-vous, payé) are not in the long message's focus features
    assert (long_features == short_features).all()
    assert long_features.shape[1] == _sentence_features(training.training_examples[0])[0] \
        .features.shape[1]


def test_features_are_what_the_vectorizers_give(tmp_path):
    """The featurizer's own column lookup equals sklearn's transform and scipy's hstack."""
    import numpy as np
    import scipy.sparse

    storage, resource, featurizer = _featurizer(tmp_path)
    texts = ["quels papiers faut-il", "combien ça coûte la carte d'identité ?",
             "c'est ouvert quand", STORY, "Vous êtes OUVERTS samedi ?? merci", "zzz qqq"]
    training = TrainingData([Message(data={TEXT: text}) for text in texts])
    featurizer.train(training)
    reloaded = QuestionFocusFeaturizer.load(
        QuestionFocusFeaturizer.get_default_config(), storage, resource,
        ExecutionContext(GraphSchema({}), node_name="question_focus"))
    for text in texts + [STORY + "Quels papiers faut-il ?", "é", "?"]:
        expected = scipy.sparse.hstack([
            reloaded._vectorizers[name].transform([question_part(text)])
            for name in sorted(reloaded._vectorizers)]).tocoo()
        got = reloaded._features(text)
        assert got.shape == expected.shape and got.dtype == expected.dtype
        assert np.array_equal(got.col, expected.col) and np.array_equal(got.data, expected.data)
        assert np.array_equal(got.row, expected.row)

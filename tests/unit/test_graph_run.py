"""rasa_extensions/graph_run.py: the order nodes run in, and when TED cannot win."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from rasa.core.policies.policy import PolicyPrediction
from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected, UserUttered
from rasa.shared.nlu.constants import TEXT

from rasa_extensions.graph_run import ordered_steps, ted_cannot_win


def node(**needs):
    return SimpleNamespace(needs=needs)


def test_parents_run_first_in_the_schema_order_and_only_what_is_needed():
    nodes = {"select": node(policy0="memo", policy1="rules", policy2="ted", tracker="__tracker__"),
             "memo": node(domain="domain", tracker="__tracker__"),
             "rules": node(domain="domain", tracker="__tracker__"),
             "ted": node(domain="domain", tracker="__tracker__"),
             "domain": node(),
             "unused": node(domain="domain")}
    steps = ordered_steps(nodes, ["select"])
    assert [s.node for s in steps] == ["domain", "memo", "rules", "ted", "select"]
    assert steps[-1].parents == ("memo", "rules", "ted", "__tracker__")


def test_a_cycle_is_refused():
    with pytest.raises(ValueError, match="cycle"):
        ordered_steps({"a": node(x="b"), "b": node(y="a")}, ["a"])


def ted(priority=1, text_features=False):
    return SimpleNamespace(priority=priority, only_e2e=False,
                           fake_features={TEXT: []} if text_features else {})


def prediction(confidence, priority, no_user=False, end_to_end=False):
    return PolicyPrediction([0.0, confidence, 0.0], "policy", priority,
                            is_no_user_prediction=no_user, is_end_to_end_prediction=end_to_end)


def tracker(*events):
    return SimpleNamespace(events=[UserUttered("bonjour"), *events])


AFTER_ACTION = tracker(ActionExecuted("action_ask_hours"))


def test_a_sure_rule_of_higher_priority_leaves_ted_out():
    assert ted_cannot_win(ted(), AFTER_ACTION, [prediction(0.0, 3), prediction(1.0, 6)])


@pytest.mark.parametrize("rivals", [
    [prediction(0.0, 3), prediction(0.3, 6)],  # rules unsure (the fallback's threshold)
    [prediction(0.99, 6)],                     # not sure enough: TED could be surer
    [prediction(1.0, 1)],                      # sure, but not of a higher priority than TED
])
def test_ted_runs_when_it_could_win(rivals):
    assert not ted_cannot_win(ted(), AFTER_ACTION, rivals)


def test_no_user_and_end_to_end_predictions_outrank_ted():
    assert ted_cannot_win(ted(), AFTER_ACTION, [prediction(0.2, 6, no_user=True)])
    assert ted_cannot_win(ted(), AFTER_ACTION, [prediction(0.2, 3, end_to_end=True)])


def test_ted_runs_when_it_could_predict_from_text_or_after_a_rejected_action():
    sure = [prediction(1.0, 6)]
    assert not ted_cannot_win(ted(text_features=True), AFTER_ACTION, sure)
    rejected = tracker(ActionExecuted("action_listen"), ActionExecutionRejected("my_form"))
    assert not ted_cannot_win(ted(), rejected, sure)

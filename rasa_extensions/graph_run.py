"""rasa's prediction graphs run in order, without dask, and without TED when it cannot win.

rasa 3.6 runs each prediction graph (the NLU pipeline for every message, the policies
before every action: three graph runs per turn) through `dask.get`, which rebuilds and
orders a task graph at every run; and it runs every policy, although the ensemble then
keeps one. `run_graph` replaces `DaskGraphRunner.run`:

- The nodes a run needs are ordered once per set of targets (parents first, in the order the
  schema lists them, as dask's synchronous scheduler resolves them) and called in that order
  with the same arguments dask would pass: `(node_name, output)` for each parent, the bare
  name for an input that was not given. Node errors propagate as with dask (a RuntimeError
  becomes rasa's `GraphRunError`).
- `TEDPolicy` is not run when rasa's `DefaultPolicyPredictionEnsemble` would not pick it
  whatever it predicts, and an empty prediction (all zeros, TED's own "no model" answer)
  stands in for it. The ensemble keeps the prediction with the highest
  (confidence, priority); TED's confidences come from a softmax (at most 1.0) and it never
  makes "no user" predictions. So TED cannot win once a policy run before it (RulePolicy,
  MemoizationPolicy) predicts with confidence 1.0 and a higher priority, or makes a "no
  user" prediction, provided that TED cannot make an end-to-end prediction (its model has no
  text features) and the last action was not rejected (the ensemble then lowers that
  action's confidence in every prediction). TED's non-optional events are always empty, and
  its optional ones are used only when it wins. This skips TED's featurization and model
  after most actions, when the rules say to listen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

PLANS_ATTRIBUTE = "_project_run_plans"


@dataclass(frozen=True)
class Step:
    node: str
    parents: Tuple[str, ...]
    # for a TEDPolicy node feeding only the default ensemble: the ensemble's other policies
    rivals: Optional[Tuple[str, ...]] = None


def ordered_steps(nodes: Dict[str, Any], targets: Sequence[str],
                  skippable: Any = lambda name, consumers: None) -> List[Step]:
    """The nodes `targets` need, parents first; `nodes` maps a name to its schema node
    (`.needs`: parameter → parent name). `skippable(name, consumers)` gives a node's rivals
    when it may be left out (see the module's docstring)."""
    consumers: Dict[str, List[str]] = {}
    for name, node in nodes.items():
        for parent in node.needs.values():
            consumers.setdefault(parent, []).append(name)
    steps: List[Step] = []
    done: set = set()

    def visit(name: str, path: Tuple[str, ...]) -> None:
        if name in done or name not in nodes:
            return
        if name in path:
            raise ValueError(f"the graph has a cycle through {name!r}")
        for parent in nodes[name].needs.values():
            visit(parent, path + (name,))
        done.add(name)
        parents = tuple(nodes[name].needs.values())
        steps.append(Step(name, parents, skippable(name, consumers.get(name, []))))

    for target in targets:
        visit(target, ())
    return steps


def ted_cannot_win(ted: Any, tracker: Any, rivals: List[Any]) -> bool:
    """Whether rasa's default ensemble keeps one of `rivals` (predictions already made for
    this tracker) whatever TED predicts."""
    from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected
    from rasa.shared.nlu.constants import TEXT

    if ted.only_e2e or TEXT in ted.fake_features:
        return False  # TED could make an end-to-end prediction, which outranks the others
    last_action = next((event for event in reversed(tracker.events)
                        if isinstance(event, (ActionExecutionRejected, ActionExecuted))), None)
    if isinstance(last_action, ActionExecutionRejected):
        return False
    if any(rival.is_no_user_prediction or rival.is_end_to_end_prediction for rival in rivals):
        return True  # TED makes neither kind, so it does not even compete
    return any(rival.max_confidence >= 1.0 and rival.policy_priority > ted.priority
               for rival in rivals)


def _plan(runner: Any, targets: Tuple[str, ...]) -> List[Step]:
    plans = runner.__dict__.setdefault(PLANS_ATTRIBUTE, {})
    if targets not in plans:
        from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
        from rasa.core.policies.ted_policy import TEDPolicy

        schema = runner._graph_schema.minimal_graph_schema(list(targets))
        instantiated = runner._instantiated_nodes

        def component_class(name: str) -> Any:
            node = instantiated.get(name)
            return getattr(node, "_component_class", None)

        def skippable(name: str, consumers: List[str]) -> Optional[Tuple[str, ...]]:
            ted_class = component_class(name)
            if not (isinstance(ted_class, type) and issubclass(ted_class, TEDPolicy)) \
                    or len(consumers) != 1 \
                    or component_class(consumers[0]) is not DefaultPolicyPredictionEnsemble:
                return None
            ensemble_needs = schema.nodes[consumers[0]].needs
            return tuple(parent for parameter, parent in ensemble_needs.items()
                         if parent != name and parameter not in ("tracker", "domain"))

        plans[targets] = ordered_steps(schema.nodes, targets, skippable)
    return plans[targets]


def _stand_in_for_ted(runner: Any, step: Step, values: Dict[str, Any]) -> Optional[Any]:
    """TED's empty prediction when it cannot win this run, else None."""
    from rasa.core.policies.policy import PolicyPrediction

    node = runner._instantiated_nodes[step.node]
    ted = getattr(node, "_component", None)
    needs = runner._graph_schema.nodes[step.node].needs
    tracker = values.get(needs.get("tracker", ""), (None, None))[1]
    domain = values.get(needs.get("domain", ""), (None, None))[1]
    rivals = [values[rival][1] for rival in step.rivals or () if rival in values]
    if ted is None or tracker is None or domain is None or len(rivals) != len(step.rivals) \
            or not all(isinstance(rival, PolicyPrediction) for rival in rivals) \
            or not ted_cannot_win(ted, tracker, rivals):
        return None
    return ted._prediction(ted._default_predictions(domain))


def run_graph(self: Any, inputs: Optional[Dict[Text, Any]] = None,
              targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
    """`DaskGraphRunner.run` (see the module's docstring)."""
    from rasa.engine.exceptions import GraphRunError

    run_targets = tuple(targets if targets else self._graph_schema.target_names)
    steps = _plan(self, run_targets)
    values: Dict[str, Any] = {}
    for input_name, input_value in (inputs or {}).items():
        if isinstance(input_value, str) and input_value in self._graph_schema.nodes:
            raise GraphRunError(
                f"Input value '{input_value}' clashes with a node name. Make sure "
                f"that none of the input names passed to the `run` method are the "
                f"same as node names in the graph schema.")
        values[input_name] = (input_name, input_value)
    try:
        for step in steps:
            stand_in = _stand_in_for_ted(self, step, values) if step.rivals else None
            if stand_in is not None:
                values[step.node] = (step.node, stand_in)
                continue
            arguments = [values.get(parent, parent) for parent in step.parents]
            values[step.node] = self._instantiated_nodes[step.node](*arguments)
    except RuntimeError as error:
        raise GraphRunError("Error running runner.") from error
    return dict(values[target] for target in run_targets if target in values)

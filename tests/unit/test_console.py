"""connectors/console.py: answers as text with numbered buttons, a number picks a button,
the debug view of a turn."""

from __future__ import annotations

from connectors import console

ANSWER = [{"text": "Bonjour ! Que puis-je faire ?",
           "buttons": [{"title": "Horaires", "payload": "/ask_hours"},
                       {"title": "Démarches", "payload": "/ask_procedure"}]},
          {"text": "Ou écrivez votre question.", "buttons": [{"title": "Agent",
                                                               "payload": "/human_handoff"}]}]


def test_buttons_are_numbered_across_the_answer():
    lines = console.render(ANSWER)
    assert lines[0] == "Assistant : Bonjour ! Que puis-je faire ?"
    assert "  1) Horaires" in lines and "  2) Démarches" in lines and "  3) Agent" in lines
    assert console.render([]) == ["Assistant : (pas de réponse)"]


def test_a_number_picks_a_button_and_text_stays_text():
    assert console.choice("3", ANSWER) == "/human_handoff"
    assert console.choice(" 1 ", ANSWER) == "/ask_hours"
    assert console.choice("4", ANSWER) == "4"
    assert console.choice("la population est ouverte samedi ?", ANSWER) == \
        "la population est ouverte samedi ?"
    assert console.choice("2", []) == "2"


def test_the_debug_view_of_the_last_turn():
    events = [{"event": "user", "text": "Bonjour", "parse_data": {"intent": {"name": "greet"}}},
              {"event": "action", "name": "utter_greet"},
              {"event": "user", "text": "horaires piscine",
               "parse_data": {"intent": {"name": "ask_hours", "confidence": 0.97},
                              "entities": [{"entity": "service", "value": "piscine"}]}},
              {"event": "slot", "name": "service", "value": "piscine"},
              {"event": "action", "name": "action_ask_hours", "policy": "policy_1_RulePolicy",
               "confidence": 1.0},
              {"event": "action", "name": "action_listen", "policy": "policy_1_RulePolicy",
               "confidence": 1.0}]
    assert console.turn_summary(events) == [
        "  ┆ intention ask_hours 0.97 · entités service=piscine",
        "  ┆ slots posés service=piscine",
        "  ┆ actions action_ask_hours (RulePolicy 1.00) → action_listen (RulePolicy 1.00)"]
    assert console.turn_summary([]) == []


def test_the_conversations_language_is_one_short_line():
    from connectors.console import render

    assert render([{"custom": {"language": "nl-BE", "placeholder": "Typ…"}},
                   {"text": "Hallo"}]) == ["  (langue de la conversation : nl-BE)",
                                           "Assistant : Hallo"]

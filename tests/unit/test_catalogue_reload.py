"""The action server's catalogue follows the staff's edits: a valid edit is used from the next
message, a broken one is logged (file, entry, field) and the previous catalogue keeps answering."""

from __future__ import annotations

import logging
import os
import shutil
import time

import pytest

import actions.city_catalogue as city_catalogue
from actions.city_catalogue import CatalogueError, LiveCatalogue


@pytest.fixture
def folder(tmp_path, monkeypatch):
    copy = tmp_path / "catalogue"
    shutil.copytree(city_catalogue.PROJECT_ROOT / "catalogue", copy)
    monkeypatch.setenv(city_catalogue.CATALOGUE_DIR_ENV, str(copy))
    monkeypatch.setattr(city_catalogue, "RELOAD_CHECK_SECONDS", 0.0)
    return copy


def edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    later = time.time() + 1  # a new modification time even on a coarse clock
    os.utime(path, (later, later))


def test_a_valid_edit_is_used_from_the_next_message(folder, caplog):
    live = LiveCatalogue()
    assert live.get().services.get("population").short == "Population"
    edit(folder / "services.yml", "short: Population\n", "short: Population (guichets)\n")
    with caplog.at_level(logging.INFO, logger="actions.city_catalogue"):
        assert live.get().services.get("population").short == "Population (guichets)"
    assert "Catalogue reloaded" in caplog.text


def test_a_broken_edit_keeps_the_previous_catalogue_and_says_where(folder, caplog):
    live = LiveCatalogue()
    before = live.get()
    edit(folder / "services.yml", "policy: walk_in", "policy: parfois")
    with caplog.at_level(logging.ERROR, logger="actions.city_catalogue"):
        assert live.get() is before
        assert live.get() is before
    errors = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert len(errors) == 1  # once per edit, not at every message
    assert "services.yml" in caplog.text and "population" in caplog.text \
        and "appointment" in caplog.text
    # fixed: used again
    edit(folder / "services.yml", "policy: parfois", "policy: appointment")
    assert live.get().services.get("population") is not before.services.get("population")


def test_unreadable_yaml_and_a_removed_file_keep_the_previous_catalogue(folder, caplog):
    live = LiveCatalogue()
    before = live.get()
    edit(folder / "procedures.yml", "procedures:", "procedures: [")
    assert live.get() is before
    (folder / "faq.yml").unlink()
    assert live.get() is before
    assert caplog.text.count("previous one answers") == 2


def test_an_invalid_catalogue_at_the_start_is_refused(folder):
    edit(folder / "services.yml", "policy: walk_in", "policy: parfois")
    with pytest.raises(CatalogueError):
        LiveCatalogue().get()


def test_between_checks_no_file_is_read(folder, monkeypatch):
    monkeypatch.setattr(city_catalogue, "RELOAD_CHECK_SECONDS", 60.0)
    live = LiveCatalogue()
    before = live.get()
    edit(folder / "services.yml", "short: Population\n", "short: Population (guichets)\n")
    assert live.get() is before  # the edit is seen at the next check, within a minute here

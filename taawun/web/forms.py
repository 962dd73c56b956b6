"""Shared helpers for forms: an action's error lands beside its field."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django import forms

from taawun.errors import TaawunError

T = TypeVar("T")


def run_action(form: forms.Form, action: Callable[[], T]) -> T | None:
    """Call ``action``; on a TaawunError put its message on the form and return None."""
    try:
        return action()
    except TaawunError as error:
        field = error.field if error.field in form.fields else None
        form.add_error(field, str(error.message))
        return None


def set_choices(form: forms.Form, name: str, choices: Sequence[tuple[Any, Any]]) -> None:
    """Choices known only per request (a cooperative's classes, offices)."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def succeeds(form: forms.Form, action: Callable[[], object]) -> bool:
    """run_action for when only success matters (the view then redirects)."""
    return run_action(form, action) is not None

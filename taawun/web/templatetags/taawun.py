from __future__ import annotations

from collections.abc import Mapping

from django import template
from django.utils.safestring import SafeString, mark_safe

from taawun.markdown import render

register = template.Library()


@register.filter
def markdown(text: str, mentions: Mapping[str, str] | None = None) -> SafeString:
    """Members' Markdown as safe HTML (sanitised by nh3, see taawun.markdown);
    with ``mentions`` (handle → member page), ``@handle`` links to the member."""
    return mark_safe(render(text or "", mentions))  # noqa: S308 - nh3 has sanitised it

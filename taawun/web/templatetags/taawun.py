from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from taawun.web.markdown import render

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    """Members' Markdown as safe HTML (sanitised by nh3, see taawun.web.markdown)."""
    return mark_safe(render(text or ""))  # noqa: S308 - nh3 has sanitised it

"""Pages of the knowledge base: parse, call one action, render.

An article's page (``/coops/<coop>/knowledge/<address>/``) is its clean
address: a public article opens there for anyone, signed in or not; an
article the reader may not read answers "not found", as if it did not
exist. Members of the cooperative write, edit, restore and translate its
articles; anyone signed in who can read one comments on it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from taawun.accounts.rules import signed_in
from taawun.knowledge import article_actions as actions
from taawun.knowledge import article_queries as queries
from taawun.knowledge.diffs import as_html
from taawun.knowledge.diffs import compare as compare_texts
from taawun.knowledge.forms_articles import (
    ArticleForm,
    CommentForm,
    CompareForm,
    ConfirmForm,
    FilterForm,
    TranslationForm,
)
from taawun.knowledge.models import CONTENT_LANGUAGES, Article, Skill, Visibility
from taawun.knowledge.rules import reader_scope
from taawun.membership import queries as membership_queries
from taawun.membership import rules
from taawun.membership.models import Cooperative
from taawun.web.forms import run_action

LANGUAGE_NAMES = dict(CONTENT_LANGUAGES)


# --- Helpers -------------------------------------------------------------------------


def _reading(request: HttpRequest, slug: str, article_slug: str) -> tuple[Cooperative, Article]:
    coop = membership_queries.get_cooperative(slug)
    return coop, queries.get_article(coop, article_slug, reader_scope(request.user))


def _writing(request: HttpRequest, slug: str, article_slug: str) -> tuple[Cooperative, Article]:
    """The article, for a member of its cooperative (who may change it)."""
    coop = membership_queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    return coop, queries.get_article(coop, article_slug, reader_scope(request.user))


def _is_member(request: HttpRequest, coop: Cooperative) -> bool:
    return rules.is_member(rules.membership_of(request.user, coop))


def _article_url(article: Article) -> str:
    return reverse("knowledge:article", args=[article.cooperative.slug, article.slug])


def _language(code: str) -> dict[str, str]:
    return {"code": code, "name": LANGUAGE_NAMES.get(code, code), "dir": queries.direction(code)}


# --- The list ------------------------------------------------------------------------


def article_list(request: HttpRequest, slug: str) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    scope = reader_scope(request.user)
    form = FilterForm(
        request.GET or None,
        tags=list(queries.tags_in_use(coop, scope).values_list("name", flat=True)),
        skills=queries.skills_in_use(coop, scope),
        languages=queries.languages_in_use(coop, scope),
    )
    chosen = form.chosen() if request.GET else {}
    paginator = Paginator(
        queries.readable_articles(coop, scope, **chosen), settings.TAAWUN_PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "coop": coop,
        "form": form,
        "page": page,
        "articles": [(a, _language(a.language)) for a in page],
        "filtered": bool(chosen),
        "query": urlencode(chosen),
        "can_write": _is_member(request, coop),
    }
    return render(request, "knowledge/articles/list.html", context)


# --- Writing and editing ---------------------------------------------------------------


def article_new(request: HttpRequest, slug: str) -> HttpResponse:
    coop = membership_queries.get_cooperative(slug)
    rules.access_member(request.user, coop)
    language = (get_language() or "en")[:2]
    form = ArticleForm(
        request.POST or None,
        skills=Skill.objects.all(),
        editing=False,
        initial={
            "language": language if language in LANGUAGE_NAMES else "en",
            "visibility": Visibility.COOPERATIVE,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        article = run_action(
            form,
            lambda: actions.write_article(
                by=signed_in(request),
                coop=coop,
                title=data["title"],
                body=data["body"],
                language=data["language"],
                visibility=data["visibility"],
                tags=data["tags"],
                skills=data.get("skills", []),
            ),
        )
        if article is not None:
            messages.success(request, _("The article is published."))
            return redirect(_article_url(article))
    return render(request, "knowledge/articles/form.html", {"coop": coop, "form": form})


def article_edit(request: HttpRequest, slug: str, article_slug: str) -> HttpResponse:
    coop, article = _writing(request, slug, article_slug)
    form = ArticleForm(
        request.POST or None,
        skills=Skill.objects.all(),
        editing=True,
        initial={
            "title": article.title,
            "body": article.body,
            "visibility": article.visibility,
            "tags": ", ".join(t.name for t in article.tags.all()),
            "skills": [str(pk) for pk in article.skills.values_list("pk", flat=True)],
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        edited = run_action(
            form,
            lambda: actions.edit_article(
                article,
                by=signed_in(request),
                title=data["title"],
                body=data["body"],
                visibility=data["visibility"],
                tags=data["tags"],
                skills=data.get("skills", []),
                summary=data["summary"],
            ),
        )
        if edited is not None:
            messages.success(
                request,
                _("Your changes are saved as revision %(number)s.")
                % {"number": edited.revision_count},
            )
            return redirect(_article_url(edited))
    context = {"coop": coop, "form": form, "article": article}
    return render(request, "knowledge/articles/form.html", context)


def article_translate(request: HttpRequest, slug: str, article_slug: str) -> HttpResponse:
    coop, article = _writing(request, slug, article_slug)
    written = queries.family_languages(article)
    languages = [(code, name) for code, name in CONTENT_LANGUAGES if code not in written]
    form = TranslationForm(
        request.POST or None, languages=languages, initial={"visibility": article.visibility}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        translation = run_action(
            form,
            lambda: actions.translate_article(
                article,
                by=signed_in(request),
                language=data["language"],
                title=data["title"],
                body=data["body"],
                visibility=data["visibility"],
            ),
        )
        if translation is not None:
            messages.success(request, _("The translation is published."))
            return redirect(_article_url(translation))
    context = {
        "coop": coop,
        "form": form,
        "article": article,
        "language": _language(article.language),
        "has_languages_left": bool(languages),
    }
    return render(request, "knowledge/articles/translate.html", context)


# --- Reading --------------------------------------------------------------------------


def article_detail(request: HttpRequest, slug: str, article_slug: str) -> HttpResponse:
    """The clean address of an article, with its comments (and the form to add one)."""
    coop, article = _reading(request, slug, article_slug)
    scope = reader_scope(request.user)
    form = CommentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        user = signed_in(request)
        if form.is_valid():
            comment = run_action(
                form,
                lambda: actions.comment_on_article(
                    article, by=user, body=form.cleaned_data["body"]
                ),
            )
            if comment is not None:
                messages.success(request, _("Your comment is posted."))
                return redirect(f"{_article_url(article)}#comment-{comment.pk}")
    is_member = _is_member(request, coop)
    context = {
        "coop": coop,
        "article": article,
        "language": _language(article.language),
        "translations": [(t, _language(t.language)) for t in queries.translations(article, scope)],
        "tags": list(article.tags.all()),
        "skills": list(article.skills.all()),
        "latest": queries.latest_revision(article),
        "comments": list(queries.comments(article)),
        "form": form,
        "can_edit": is_member,
        "can_translate": is_member and len(queries.family_languages(article)) < len(LANGUAGE_NAMES),
    }
    return render(request, "knowledge/articles/detail.html", context)


def article_history(request: HttpRequest, slug: str, article_slug: str) -> HttpResponse:
    coop, article = _reading(request, slug, article_slug)
    revisions = list(queries.revisions(article))
    numbers = [r.number for r in revisions]
    context = {
        "coop": coop,
        "article": article,
        "revisions": revisions,
        "compare_form": (
            CompareForm(numbers=numbers, initial={"older": numbers[1], "newer": numbers[0]})
            if len(numbers) > 1
            else None
        ),
    }
    return render(request, "knowledge/articles/history.html", context)


def revision_detail(
    request: HttpRequest, slug: str, article_slug: str, number: int
) -> HttpResponse:
    """One revision: who made it and when, its text, and what it changed."""
    coop, article = _reading(request, slug, article_slug)
    revision = queries.get_revision(article, number)
    previous = queries.get_revision(article, number - 1) if number > 1 else None
    diff = compare_texts(previous.body, revision.body) if previous is not None else None
    context = {
        "coop": coop,
        "article": article,
        "revision": revision,
        "previous": previous,
        "diff": diff,
        "diff_html": as_html(diff) if diff is not None else "",
        "language": _language(article.language),
        "is_current": revision.number == article.revision_count,
        "can_restore": _is_member(request, coop)
        and (revision.title, revision.body) != (article.title, article.body),
    }
    return render(request, "knowledge/articles/revision.html", context)


def article_compare(request: HttpRequest, slug: str, article_slug: str) -> HttpResponse:
    """Any two revisions side by side, chosen by a form sent by GET."""
    coop, article = _reading(request, slug, article_slug)
    numbers = list(queries.revisions(article).values_list("number", flat=True))
    form = CompareForm(request.GET or None, numbers=numbers)
    older = newer = None
    if form.is_valid():
        if form.cleaned_data["older"] == form.cleaned_data["newer"]:
            form.add_error("newer", _("Choose two different revisions."))
        else:
            older = queries.get_revision(article, form.cleaned_data["older"])
            newer = queries.get_revision(article, form.cleaned_data["newer"])
    diff = compare_texts(older.body, newer.body) if older and newer else None
    context = {
        "coop": coop,
        "article": article,
        "form": form,
        "older": older,
        "newer": newer,
        "diff": diff,
        "diff_html": as_html(diff) if diff is not None else "",
        "language": _language(article.language),
    }
    return render(request, "knowledge/articles/compare.html", context)


def revision_restore(
    request: HttpRequest, slug: str, article_slug: str, number: int
) -> HttpResponse:
    """Bringing back an earlier text is asked once more, then done as a new revision."""
    coop, article = _writing(request, slug, article_slug)
    revision = queries.get_revision(article, number)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        restored = run_action(
            form, lambda: actions.restore_revision(article, number=number, by=signed_in(request))
        )
        if restored is not None:
            messages.success(
                request,
                _("Revision %(old)s is brought back as revision %(new)s.")
                % {"old": number, "new": restored.number},
            )
            return redirect(_article_url(article))
    context = {
        "coop": coop,
        "article": article,
        "revision": revision,
        "form": form,
        "same_text": (revision.title, revision.body) == (article.title, article.body),
    }
    return render(request, "knowledge/articles/restore.html", context)

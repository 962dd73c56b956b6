"""Knowledge pages (articles) for the catalogue in tests/web: what they need in the
world, made through the real actions, and the pages themselves.

The world has a public article in English (edited once, so it has two
revisions, with a comment), its Arabic translation (an Arabic address), and
an article for the cooperative's members only. Addresses are kept in
``world.ids`` percent-encoded, as a browser shows them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from taawun.knowledge import article_actions as actions
from taawun.knowledge.models import Skill
from tests.web.page import Page

K = "/coops/{slug}/knowledge/"
PUBLIC = K + "{articles_public}/"

PAGES: list[Page] = [
    Page("articles-list", K, who="member"),
    Page("articles-list-visitor", K),
    Page("articles-new", K + "new/", who="member"),
    Page("articles-new-with-errors", K + "new/", who="member", submit_empty=True),
    Page("articles-public-visitor", PUBLIC),
    Page("articles-detail", PUBLIC, who="member"),
    Page("articles-detail-with-errors", PUBLIC, who="member", submit_empty=True),
    Page("articles-arabic", K + "{articles_arabic}/", who="founder"),
    Page("articles-private-visitor", K + "{articles_private}/", status=404),
    Page("articles-private", K + "{articles_private}/", who="member"),
    Page("articles-edit", PUBLIC + "edit/", who="founder"),
    Page("articles-edit-with-errors", PUBLIC + "edit/", who="founder", submit_empty=True),
    Page("articles-translate", PUBLIC + "translate/", who="founder"),
    Page(
        "articles-translate-with-errors",
        PUBLIC + "translate/",
        who="founder",
        submit_empty=True,
    ),
    Page("articles-history", PUBLIC + "history/", who="member"),
    Page("articles-revision", PUBLIC + "revisions/2/", who="member"),
    Page("articles-revision-first", PUBLIC + "revisions/1/"),
    Page("articles-compare", PUBLIC + "compare/", who="member"),
    Page("articles-restore", PUBLIC + "revisions/1/restore/", who="founder"),
]

BODY = """Decisions by consensus take longer, and hold better. This is how we run ours.

## Before the meeting

- Send the **proposal** a week ahead.
- Name a facilitator and a note-taker.

## In the meeting

| step | time |
|---|---|
| Clarifying questions | 10 min |
| Concerns and amendments | 20 min |
| Test for consensus | 5 min |

Keep the [notes](https://example.org/notes) where everyone can read them.
"""


def build(world: Any) -> None:
    """Make what these pages show, through the actions; record ids in world.ids."""
    founder, member, coop = world.founder, world.member, world.coop
    skill, _ = Skill.objects.get_or_create(
        slug="facilitation", defaults={"names": {"en": "Facilitation", "ar": "تيسير الاجتماعات"}}
    )
    article = actions.write_article(
        by=founder,
        coop=coop,
        title="Running a consensus meeting",
        body=BODY.replace("Test for consensus", "Vote"),
        language="en",
        visibility="public",
        tags="meetings, governance",
        skills=[skill],
    )
    article = actions.edit_article(
        article,
        by=member.user,
        title=article.title,
        body=BODY,
        visibility="public",
        tags="meetings, governance",
        skills=[skill],
        summary="We test for consensus, we do not vote",
    )
    actions.comment_on_article(article, by=member.user, body="We could add a *timekeeper*.")
    arabic = actions.translate_article(
        article,
        by=founder,
        language="ar",
        title="إدارة اجتماع بالتوافق",
        body="القرارات بالتوافق تأخذ وقتًا أطول، لكنها تصمد أكثر.\n\n## قبل الاجتماع\n\n"
        "- أرسلوا **المقترح** قبل أسبوع.\n- سمّوا ميسّرًا ومدوّنًا للمحضر.",
    )
    private = actions.write_article(
        by=founder,
        coop=coop,
        title="Our server passwords policy",
        body="Passwords live in the shared vault; never in chat.",
        language="en",
        visibility="cooperative",
        tags="security",
    )
    world.ids.update(
        articles_public=quote(article.slug),
        articles_arabic=quote(arabic.slug),
        articles_private=quote(private.slug),
    )

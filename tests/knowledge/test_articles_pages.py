"""The knowledge base's pages as members and visitors use them: the clean
address of a public article, "not found" for what a reader may not read,
forms with errors beside the fields and nothing written by bad input,
Markdown shown safe, the history and its readable differences."""

from __future__ import annotations

import pytest
from django.urls import reverse

from taawun.knowledge import article_actions as actions
from taawun.knowledge.models import MAX_TEXT, Article, ArticleComment, Skill
from taawun.membership import networks
from tests import factories

pytestmark = pytest.mark.django_db


def url(name: str, article: Article, *args: object) -> str:
    return reverse(f"knowledge:{name}", args=[article.cooperative.slug, article.slug, *args])


def write(by, coop, **changes) -> Article:  # type: ignore[no-untyped-def]
    fields = {
        "title": "Setting up backups",
        "body": "## Why\n\nDisks **fail**.\n\n```\nrestic backup /srv\n```",
        "language": "en",
        "visibility": "public",
        "tags": "backups",
    }
    fields.update(changes)
    return actions.write_article(by=by, coop=coop, **fields)


def form_data(**changes: str) -> dict[str, str]:
    data = {
        "title": "Setting up backups",
        "language": "en",
        "body": "Back up every night.",
        "visibility": "cooperative",
        "tags": "backups, sysadmin",
    }
    data.update(changes)
    return data


# --- Reading -----------------------------------------------------------------------


def test_a_visitor_reads_a_public_article_at_its_clean_address(client, coop, founder):
    article = write(founder, coop)
    response = client.get(f"/coops/{coop.slug}/knowledge/{article.slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>fail</strong>" in html
    assert '<div class="prose kb-body" lang="en" dir="ltr">' in html
    assert "Sign in to comment" in html
    assert "Edit the article" not in html


def test_an_arabic_article_has_an_arabic_address_and_reads_right_to_left(client, coop, founder):
    article = write(founder, coop, title="النسخ الاحتياطي", body="انسخ كل ليلة.", language="ar")
    response = client.get(f"/coops/{coop.slug}/knowledge/النسخ-الاحتياطي/")
    assert response.status_code == 200
    assert 'lang="ar" dir="rtl"' in response.content.decode()
    assert url("article", article) == f"/coops/{coop.slug}/knowledge/" + (
        "%D8%A7%D9%84%D9%86%D8%B3%D8%AE-%D8%A7%D9%84%D8%A7%D8%AD%D8%AA%D9%8A%D8%A7%D8%B7%D9%8A/"
    )


@pytest.mark.parametrize("visibility", ["cooperative", "network"])
def test_an_article_a_reader_may_not_read_is_not_found(client, coop, founder, visibility):
    article = write(founder, coop, visibility=visibility)
    for page in ("article", "article_history"):
        assert client.get(url(page, article)).status_code == 404
    client.force_login(factories.person())
    assert client.get(url("article", article)).status_code == 404
    assert client.get(url("article_revision", article, 1)).status_code == 404


def test_a_member_of_a_network_cooperative_reads_a_network_article(client, coop, founder):
    other = factories.cooperative()
    network = networks.create_network(slug="shared", names={"en": "Shared"})
    networks.join_network(coop, network)
    networks.join_network(other, network)
    network_article = write(founder, coop, visibility="network", title="For the network")
    private = write(founder, coop, visibility="cooperative", title="Only ours")
    client.force_login(factories.founder_of(other))
    assert client.get(url("article", network_article)).status_code == 200
    assert client.get(url("article", private)).status_code == 404
    listing = client.get(reverse("knowledge:articles", args=[coop.slug])).content.decode()
    assert "For the network" in listing
    assert "Only ours" not in listing
    assert "Write an article" not in listing
    assert client.get(url("article_edit", network_article)).status_code == 403


def test_the_list_filters_by_tag_skill_and_language(client, coop, founder):
    Skill.objects.create(slug="linux", names={"en": "Linux", "ar": "لينكس"})
    write(founder, coop, title="Backups", tags="backups", skills=["linux"])
    write(founder, coop, title="Meetings", tags="meetings")
    write(founder, coop, title="الاجتماعات", language="ar", tags="meetings")
    client.force_login(founder)
    base = reverse("knowledge:articles", args=[coop.slug])

    def titles(query: str) -> list[str]:
        html = client.get(base + query).content.decode()
        return [t for t in ("Backups", "Meetings", "الاجتماعات") if f">{t}</a></h2>" in html]

    assert titles("") == ["Backups", "Meetings", "الاجتماعات"]
    assert titles("?tag=meetings") == ["Meetings", "الاجتماعات"]
    assert titles("?skill=linux") == ["Backups"]
    assert titles("?tag=meetings&language=ar") == ["الاجتماعات"]
    assert titles("?tag=no-such-tag") == ["Backups", "Meetings", "الاجتماعات"]


def test_unsafe_markdown_is_shown_safe(client, coop, founder):
    body = (
        "<script>alert('x')</script>\n\n"
        '<p style="color:red" onclick="steal()">Hi</p>\n\n'
        "[click](javascript:alert(1)) and ![img](https://example.org/a.png)\n\n"
        "<style>body{display:none}</style>\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    article = write(founder, coop, body=body)
    html = client.get(url("article", article)).content.decode()
    body_html = html.split('class="prose kb-body"', 1)[1].split("</div>", 1)[0]
    for unsafe in ("<script", "onclick", "style=", "javascript:", "<style"):
        assert unsafe not in body_html
    assert '<img alt="img" src="https://example.org/a.png">' in body_html
    assert "<table>" in body_html


# --- Writing -----------------------------------------------------------------------------


def test_a_member_writes_an_article_and_lands_on_it(client, coop, founder):
    client.force_login(founder)
    response = client.post(
        reverse("knowledge:articles_new", args=[coop.slug]), form_data(), follow=True
    )
    article = Article.objects.get()
    assert response.redirect_chain[-1][0] == url("article", article)
    assert "The article is published." in response.content.decode()
    assert sorted(t.name for t in article.tags.all()) == ["backups", "sysadmin"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": ""}, "title", "Give the article a title."),
        ({"body": ""}, "body", "Write the text of the article."),
        ({"body": "x" * (MAX_TEXT + 1)}, "body", "at most 100,000 characters"),
        ({"tags": ",".join(f"t{n}" for n in range(12))}, "tags", "at most 10 tags"),
        ({"language": "xx"}, "language", "Select a valid choice"),
    ],
)
def test_bad_input_shows_the_error_beside_its_field_and_writes_nothing(
    client, coop, founder, changes, field, message
):
    client.force_login(founder)
    response = client.post(
        reverse("knowledge:articles_new", args=[coop.slug]), form_data(**changes)
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert message in html
    assert not Article.objects.exists()


def test_a_visitor_asked_to_write_is_sent_to_sign_in(client, coop):
    response = client.get(reverse("knowledge:articles_new", args=[coop.slug]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_an_outsider_may_not_write(client, coop):
    client.force_login(factories.person())
    response = client.post(reverse("knowledge:articles_new", args=[coop.slug]), form_data())
    assert response.status_code == 403
    assert not Article.objects.exists()


def test_saving_an_edit_without_changes_says_so_beside_the_text(client, coop, founder):
    article = write(founder, coop)
    client.force_login(founder)
    page = client.get(url("article_edit", article))
    assert 'value="Setting up backups"' in page.content.decode()
    response = client.post(
        url("article_edit", article),
        form_data(body=article.body, visibility="public", tags="backups"),
    )
    html = response.content.decode()
    assert 'id="id_body_error"' in html
    assert "Nothing has changed" in html
    assert Article.objects.get().revision_count == 1


def test_an_edit_makes_revision_two_and_the_history_shows_it(client, coop, founder):
    article = write(founder, coop)
    client.force_login(founder)
    client.post(
        url("article_edit", article),
        form_data(body="Back up every night, to two disks.", summary="Shorter"),
    )
    article.refresh_from_db()
    assert article.revision_count == 2
    history = client.get(url("article_history", article)).content.decode()
    assert "Revision 2" in history and "Shorter" in history and "First version." in history
    revision = client.get(url("article_revision", article, 2)).content.decode()
    assert '<ul class="diff">' in revision
    assert "Added, line" in revision and "Removed, was line" in revision


def test_a_member_restores_an_earlier_revision_after_confirming(client, coop, founder):
    article = write(founder, coop)
    actions.edit_article(
        article, by=founder, title="Backups", body="Changed.", visibility="public", tags="backups"
    )
    client.force_login(founder)
    confirm = client.get(url("article_restore", article, 1)).content.decode()
    assert "Yes, bring back revision 1" in confirm
    assert Article.objects.get().revision_count == 2
    response = client.post(url("article_restore", article, 1), follow=True)
    assert "Revision 1 is brought back as revision 3." in response.content.decode()
    article.refresh_from_db()
    assert (article.title, article.revision_count) == ("Setting up backups", 3)
    assert article.revisions.get(number=3).restored_from == 1
    history = client.get(url("article_history", article)).content.decode()
    assert "Brought back revision 1." in history


def test_restoring_the_current_text_offers_no_button(client, coop, founder):
    article = write(founder, coop)
    client.force_login(founder)
    html = client.get(url("article_restore", article, 1)).content.decode()
    assert "there is nothing to restore" in html
    assert "Yes, bring back" not in html


def test_two_revisions_are_compared_by_a_form_sent_by_get(client, coop, founder):
    article = write(founder, coop, body="one\ntwo\nthree")
    actions.edit_article(
        article, by=founder, title=article.title, body="one\n2\nthree", visibility="public"
    )
    actions.edit_article(
        article, by=founder, title="Backups", body="one\n2\nthree\nfour", visibility="public"
    )
    client.force_login(founder)
    html = client.get(url("article_compare", article) + "?older=1&newer=3").content.decode()
    assert "From revision 1 to revision 3" in html
    assert "Setting up backups" in html and "<ins>" in html
    same = client.get(url("article_compare", article) + "?older=2&newer=2").content.decode()
    assert "Choose two different revisions." in same


def test_a_member_translates_and_each_links_to_the_other(client, coop, founder):
    article = write(founder, coop)
    client.force_login(founder)
    response = client.post(
        url("article_translate", article),
        {
            "language": "ar",
            "title": "النسخ الاحتياطي",
            "body": "انسخ كل ليلة.",
            "visibility": "public",
        },
        follow=True,
    )
    arabic = Article.objects.get(language="ar")
    assert response.redirect_chain[-1][0] == url("article", arabic)
    english = client.get(url("article", article)).content.decode()
    assert f'href="{url("article", arabic)}" hreflang="ar" lang="ar">العربية</a>' in english
    again = client.post(
        url("article_translate", article),
        {"language": "ar", "title": "x", "body": "y", "visibility": "public"},
    )
    assert 'id="id_language_error"' in again.content.decode()
    assert Article.objects.count() == 2


def test_a_signed_in_reader_comments_and_an_empty_comment_is_refused(client, coop, founder):
    article = write(founder, coop)
    client.force_login(factories.person("Reader"))
    empty = client.post(url("article", article), {"body": "  "})
    assert 'id="id_body_error"' in empty.content.decode()
    assert not ArticleComment.objects.exists()
    response = client.post(url("article", article), {"body": "Which tool?"}, follow=True)
    comment = ArticleComment.objects.get()
    assert response.redirect_chain[-1][0] == url("article", article) + f"#comment-{comment.pk}"
    assert "Which tool?" in response.content.decode()


def test_a_visitor_who_posts_a_comment_is_sent_to_sign_in(client, coop, founder):
    article = write(founder, coop)
    response = client.post(url("article", article), {"body": "Hi"})
    assert response.status_code == 302
    assert not ArticleComment.objects.exists()

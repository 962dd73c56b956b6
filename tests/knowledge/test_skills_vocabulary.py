"""The shared skills vocabulary: any member of a cooperative adds a skill in
Arabic, English or both, and corrects its names; a skill already there under
another spelling is refused, with a pointer to it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from taawun.errors import InvalidInput, PermissionDenied
from taawun.knowledge import skill_actions
from taawun.knowledge.models import Skill
from taawun.knowledge.skill_actions import name_key
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_member_adds_a_skill_named_in_both_languages(founder):
    skill = skill_actions.add_skill(by=founder, names={"ar": "بايثون", "en": " Python "})
    assert skill.slug == "python"
    assert skill.names == {"ar": "بايثون", "en": "Python"}
    assert skill.created_by == founder


def test_a_skill_named_only_in_arabic_gets_an_arabic_address(founder):
    skill = skill_actions.add_skill(by=founder, names={"ar": "تيسير الاجتماعات", "en": ""})
    assert skill.slug == "تيسير-الاجتماعات"
    assert skill.names == {"ar": "تيسير الاجتماعات"}


def test_two_skills_whose_names_make_the_same_address_get_numbered_addresses(founder):
    c = skill_actions.add_skill(by=founder, names={"en": "C"})
    sharp = skill_actions.add_skill(by=founder, names={"en": "C#"})
    plus = skill_actions.add_skill(by=founder, names={"en": "C++"})
    assert [c.slug, sharp.slug, plus.slug] == ["c", "c-2", "c-3"]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"en": "JavaScript"}, {"en": "java script"}),
        ({"en": "Node.js"}, {"en": "NODEJS"}),
        ({"ar": "بايثون"}, {"ar": "بَايْثُون"}),
        ({"ar": "إدارة أنظمة لينكس"}, {"ar": "ادارة  انظمة لينكس"}),
        ({"ar": "تيسير الاجتماعات"}, {"ar": "تيسيـــر الاجتماعات"}),
        ({"en": "Python"}, {"ar": "بايثون", "en": "python"}),
        ({"ar": "بايثون", "en": "Python"}, {"en": "بايثون"}),
    ],
)
def test_a_skill_already_in_the_vocabulary_under_another_spelling_is_refused(
    founder, first, second
):
    existing = skill_actions.add_skill(by=founder, names=first)
    with pytest.raises(InvalidInput) as refused:
        skill_actions.add_skill(by=founder, names=second)
    assert existing.name in str(refused.value.message)
    assert refused.value.field in {"name_ar", "name_en"}
    assert Skill.objects.count() == 1


def test_the_name_key_ignores_case_spaces_marks_and_alef_forms():
    assert name_key("Linux  Administration") == name_key("linux-administration")
    assert name_key("أمن المعلومات") == name_key("امن المعلومات")
    assert name_key("C++") != name_key("C#")


@pytest.mark.parametrize(
    ("names", "field"),
    [
        ({"ar": "", "en": "  "}, "name_en"),
        ({}, "name_en"),
        ({"en": "x" * 81}, "name_en"),
        ({"ar": "---"}, "name_ar"),
    ],
)
def test_a_skill_without_a_usable_name_is_refused(founder, names, field):
    with pytest.raises(InvalidInput) as refused:
        skill_actions.add_skill(by=founder, names=names)
    assert refused.value.field == field
    assert not Skill.objects.exists()


def test_someone_who_is_a_member_nowhere_cannot_add_a_skill(coop):
    applicant = factories.applicant(coop)
    with pytest.raises(PermissionDenied):
        skill_actions.add_skill(by=applicant.user, names={"en": "Python"})
    with pytest.raises(PermissionDenied):
        skill_actions.add_skill(by=None, names={"en": "Python"})
    assert not Skill.objects.exists()


def test_a_member_adds_a_translation_and_the_address_stays(founder, coop):
    skill = skill_actions.add_skill(by=founder, names={"en": "Bookkeeping"})
    other = factories.member(coop).user
    renamed = skill_actions.rename_skill(skill, by=other, names={"ar": "مسك الدفاتر"})
    assert renamed.names == {"en": "Bookkeeping", "ar": "مسك الدفاتر"}
    assert renamed.slug == "bookkeeping"


def test_correcting_a_name_into_another_skills_name_is_refused(founder):
    skill_actions.add_skill(by=founder, names={"en": "Python"})
    django = skill_actions.add_skill(by=founder, names={"en": "Django"})
    with pytest.raises(InvalidInput) as refused:
        skill_actions.rename_skill(django, by=founder, names={"en": "PYTHON"})
    assert refused.value.field == "name_en"
    django.refresh_from_db()
    assert django.names == {"en": "Django"}


def test_a_name_may_be_emptied_only_while_another_remains(founder):
    skill = skill_actions.add_skill(by=founder, names={"ar": "بايثون", "en": "Python"})
    skill = skill_actions.rename_skill(skill, by=founder, names={"ar": ""})
    assert skill.names == {"en": "Python"}
    with pytest.raises(InvalidInput):
        skill_actions.rename_skill(skill, by=founder, names={"en": ""})
    skill.refresh_from_db()
    assert skill.names == {"en": "Python"}


def test_a_skill_keeps_its_own_name_when_corrected(founder):
    skill = skill_actions.add_skill(by=founder, names={"en": "Javascript"})
    skill = skill_actions.rename_skill(skill, by=founder, names={"en": "JavaScript"})
    assert skill.names == {"en": "JavaScript"}


# --- Pages -------------------------------------------------------------------------------------


def test_everyone_reads_the_vocabulary_with_how_many_people_hold_each_skill(client, founder):
    skill = skill_actions.add_skill(by=founder, names={"ar": "بايثون", "en": "Python"})
    skill_actions.declare_skill(by=founder, skill=skill, level=3, mentors=True)
    page = client.get(reverse("knowledge:skills")).content.decode()
    assert "Python" in page and "بايثون" in page
    assert '<td class="number">1</td>' in page
    assert reverse("knowledge:skill_new") not in page


def test_a_member_adds_a_skill_on_the_page(client, founder):
    client.force_login(founder)
    response = client.post(
        reverse("knowledge:skill_new"), {"name_ar": "جانغو", "name_en": "Django"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("knowledge:skills_mine")
    assert Skill.objects.get().names == {"ar": "جانغو", "en": "Django"}


def test_the_page_refuses_a_duplicate_and_points_at_the_skill_already_there(client, founder):
    skill = skill_actions.add_skill(by=founder, names={"en": "JavaScript"})
    client.force_login(founder)
    response = client.post(
        reverse("knowledge:skill_new"), {"name_ar": "", "name_en": "java-script"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "field-error" in page
    assert "already in the vocabulary" in page
    assert reverse("knowledge:skill_edit", args=[skill.slug]) in page
    assert Skill.objects.count() == 1


def test_the_page_without_any_name_shows_the_error_beside_the_field(client, founder):
    client.force_login(founder)
    response = client.post(reverse("knowledge:skill_new"), {"name_ar": "", "name_en": ""})
    assert 'id="id_name_en_error"' in response.content.decode()
    assert not Skill.objects.exists()


def test_a_visitor_is_asked_to_sign_in_and_a_non_member_may_not_add(client, coop):
    response = client.get(reverse("knowledge:skill_new"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(factories.person())
    assert client.get(reverse("knowledge:skill_new")).status_code == 403
    response = client.post(reverse("knowledge:skill_new"), {"name_en": "Python"})
    assert response.status_code == 403
    assert not Skill.objects.exists()


def test_a_member_corrects_names_on_the_page_even_of_an_arabic_address(client, founder):
    skill = skill_actions.add_skill(by=founder, names={"ar": "التعريب"})
    client.force_login(founder)
    url = reverse("knowledge:skill_edit", args=[skill.slug])
    assert client.get(url).status_code == 200
    response = client.post(url, {"name_ar": "التعريب", "name_en": "Arabic localisation"})
    assert response.status_code == 302
    skill.refresh_from_db()
    assert skill.names == {"ar": "التعريب", "en": "Arabic localisation"}


def test_an_unknown_skill_has_no_page(client, founder):
    client.force_login(founder)
    assert client.get(reverse("knowledge:skill_edit", args=["no-such-skill"])).status_code == 404

"""The demo's starter course: "Safe steps online" in English and Arabic, one
family, open to everyone, each with the three lessons a newcomer needs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from taawun.knowledge import demo_courses
from taawun.knowledge.models import Course

pytestmark = pytest.mark.django_db


def test_the_starter_course_comes_in_english_and_arabic_with_three_lessons(client, coop):
    demo_courses.load(coop, author=coop.members.get(number=1))
    english, arabic = Course.objects.get(language="en"), Course.objects.get(language="ar")
    assert english.family == arabic.family
    assert (english.visibility, arabic.visibility) == ("public", "public")
    assert [c.lessons.count() for c in (english, arabic)] == [3, 3]
    assert english.skills.get().name == "Digital literacy"
    for course in (english, arabic):
        for lesson in course.lessons.all():
            page = client.get(
                reverse("knowledge:lesson", args=[coop.slug, course.slug, lesson.position])
            )
            assert page.status_code == 200
            assert "<h2>" in page.content.decode()
    vote = client.get(reverse("knowledge:lesson", args=[coop.slug, arabic.slug, 3]))
    assert "إيصال التصويت" in vote.content.decode()

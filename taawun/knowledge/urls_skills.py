"""Routes of the knowledge commons: the skills vocabulary, a person's own
skills, a cooperative's skills directory and its services.

A skill's address may be Arabic (``allow_unicode``), so it is matched as
``str``, not ``slug``, which takes ASCII only."""

from django.urls import URLPattern, path

from taawun.knowledge import views_skills as views

C = "coops/<slug:slug>/"

urlpatterns: list[URLPattern] = [
    path("skills/", views.vocabulary, name="skills"),
    path("skills/new/", views.skill_new, name="skill_new"),
    path("skills/mine/", views.skills_mine, name="skills_mine"),
    path("skills/mine/<str:skill>/remove/", views.skills_mine_remove, name="skills_mine_remove"),
    path("skills/<str:skill>/edit/", views.skill_edit, name="skill_edit"),
    path(C + "skills/", views.coop_skills, name="coop_skills"),
    path(C + "skills/<str:skill>/", views.coop_skills, name="coop_skill"),
    path(C + "services/", views.services, name="services"),
    path(C + "services/new/", views.service_new, name="service_new"),
    path(C + "services/<int:service_id>/edit/", views.service_edit, name="service_edit"),
    path(C + "services/<int:service_id>/remove/", views.service_remove, name="service_remove"),
]

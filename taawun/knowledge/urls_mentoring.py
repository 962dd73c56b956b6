"""Routes of the knowledge commons: mentoring."""

from django.urls import URLPattern, path

from taawun.knowledge import views_mentoring as views

M = "coops/<slug:slug>/mentoring/"

urlpatterns: list[URLPattern] = [
    path(M, views.mentoring, name="mentoring"),
    path(M + "new/", views.mentoring_new, name="mentoring_new"),
    path(M + "<int:mentorship_id>/", views.mentorship, name="mentorship"),
    *(
        path(
            M + f"<int:mentorship_id>/{step}/",
            views.mentorship_step,
            {"step": step},
            name=f"mentorship_{step}",
        )
        for step in views.STEPS
    ),
]

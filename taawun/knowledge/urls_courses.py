"""Routes of the knowledge commons: training courses and their lessons."""

from django.urls import URLPattern, path

from taawun.knowledge import views_courses as views

C = "coops/<slug:slug>/courses/"
ONE = C + "<str:course_slug>/"
LESSON = ONE + "lessons/<int:position>/"

urlpatterns: list[URLPattern] = [
    path("courses/", views.course_index, name="courses"),
    path(C, views.course_list, name="coop_courses"),
    path(C + "new/", views.course_new, name="course_new"),
    path(ONE, views.course_detail, name="course"),
    path(ONE + "enrol/", views.course_enrol, name="course_enrol"),
    path(ONE + "edit/", views.course_edit, name="course_edit"),
    path(ONE + "translate/", views.course_translate, name="course_translate"),
    path(ONE + "lessons/new/", views.lesson_new, name="lesson_new"),
    path(LESSON, views.lesson_detail, name="lesson"),
    path(LESSON + "edit/", views.lesson_edit, name="lesson_edit"),
    path(LESSON + "move/", views.lesson_move, name="lesson_move"),
]

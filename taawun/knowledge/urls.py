"""The knowledge commons' pages (one namespace, ``knowledge``).

Each area keeps its routes beside its views: the knowledge base
(``urls_articles``), skills and services (``urls_skills``), mentoring
(``urls_mentoring``), courses (``urls_courses``), calls for collaboration
(``urls_calls``), events (``urls_events``) and the search page (``urls_search``).
"""

from taawun.knowledge import (
    urls_articles,
    urls_calls,
    urls_courses,
    urls_events,
    urls_mentoring,
    urls_search,
    urls_skills,
)

app_name = "knowledge"

urlpatterns = (
    urls_search.urlpatterns
    + urls_articles.urlpatterns
    + urls_skills.urlpatterns
    + urls_mentoring.urlpatterns
    + urls_courses.urlpatterns
    + urls_calls.urlpatterns
    + urls_events.urlpatterns
)

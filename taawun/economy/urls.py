"""The economy's pages, under /coops/<slug>/economy/ (one namespace, ``economy``).

Each area keeps its routes beside its views: share capital
(``urls_shares``), periods, contributions and capital accounts
(``urls_contributions``), surplus allocation (``urls_allocation``) and
participatory budgeting (``urls_budgeting``).
"""

from taawun.economy import urls_allocation, urls_budgeting, urls_contributions, urls_shares

app_name = "economy"

urlpatterns = (
    urls_allocation.urlpatterns
    + urls_shares.urlpatterns
    + urls_contributions.urlpatterns
    + urls_budgeting.urlpatterns
)

from django.urls import URLPattern

P = "coops/<slug:slug>/economy/"

urlpatterns: list[URLPattern] = []

"""The external quality assurance pages under /eqa/, one URL module per area (each beside its
views module): the centre's grants and access log, the visit (sample requests, outcomes,
actions, claim sign-off), and the EQA pack with its on-screen set."""

from django.urls import include, path

urlpatterns = [
    path("", include("apps.eqa.urls_access")),
    path("", include("apps.eqa.urls_visit")),
    path("", include("apps.eqa.urls_pack")),
]

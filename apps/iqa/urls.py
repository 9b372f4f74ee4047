"""The IQA pages, one URL module per area (each beside its views module)."""

from django.urls import include, path

urlpatterns = [
    path("", include("apps.iqa.urls_people")),
    path("", include("apps.iqa.urls_strategy")),
    path("", include("apps.iqa.urls_plans")),
    path("", include("apps.iqa.urls_samples")),
    path("", include("apps.iqa.urls_actions")),
    path("", include("apps.iqa.urls_coverage")),
    path("", include("apps.iqa.urls_quality")),
    path("", include("apps.iqa.urls_reports")),
]

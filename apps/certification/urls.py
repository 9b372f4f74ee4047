"""The certification pages under /claims/, one URL module per area (each beside its views module).
The public verification page is apart, under /verify/ (urls_verify)."""

from django.urls import include, path

urlpatterns = [
    path("", include("apps.certification.urls_ready")),
    path("", include("apps.certification.urls_batches")),
    path("", include("apps.certification.urls_documents")),
]

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("apps.core.urls")),
    path("", include("apps.home.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("apps.centres.urls")),
    path("catalogue/", include("apps.qualifications.urls")),
    path("learners/", include("apps.learners.urls")),
    path("portfolio/", include("apps.evidence.portfolio_urls")),
    path("notifications/", include("apps.notifications.urls")),
    path("caseload/", include("apps.caseload.urls")),
    path("files/", include("apps.evidence.urls")),
    path("assessment/", include("apps.assessment.urls")),
    path("records/", include("apps.records.urls")),
    path("iqa/", include("apps.iqa.urls")),
    path("claims/", include("apps.certification.urls")),
    path("verify/", include("apps.certification.urls_verify")),
    path("eqa/", include("apps.eqa.urls")),
    path("django-admin/", admin.site.urls),
]

# A database that is restarting is a short wait, not an error: see apps.core.views.server_error.
handler500 = "apps.core.views.server_error"
# A malformed or oversized request (Django's bare "Bad Request") is a page that says what to do.
handler400 = "apps.core.errors.bad_request"

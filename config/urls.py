from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("apps.core.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("apps.centres.urls")),
    path("audit/", include("apps.audit.urls")),
    path("catalogue/", include("apps.qualifications.urls")),
    path("django-admin/", admin.site.urls),
]

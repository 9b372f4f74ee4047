from django.urls import path

from . import views

urlpatterns = [
    path("", views.portfolio_home, name="portfolio_home"),
    path("enrolments/<int:enrolment>/", views.portfolio, name="portfolio"),
    path("enrolments/<int:enrolment>/evidence/new/", views.evidence_new, name="evidence_new"),
    path("evidence/<int:pk>/", views.evidence_detail, name="evidence_detail"),
    path("evidence/<int:pk>/edit/", views.evidence_edit, name="evidence_edit"),
    path("evidence/<int:pk>/submit/", views.evidence_submit, name="evidence_submit"),
    path("evidence/<int:pk>/withdraw/", views.evidence_withdraw, name="evidence_withdraw"),
    path("enrolments/<int:enrolment>/export/", views.export_request, name="portfolio_export_request"),
    path("exports/<int:pk>/", views.export_detail, name="portfolio_export"),
    path("exports/<int:pk>/download/", views.export_download, name="portfolio_export_download"),
]

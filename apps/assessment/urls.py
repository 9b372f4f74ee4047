"""Mounted by config/urls.py as path("assessment/", include("apps.assessment.urls"))."""

from django.urls import path

from . import views

urlpatterns = [
    path("evidence/<int:pk>/", views.evidence_assess, name="assessment_evidence"),
    path("evidence/<int:pk>/units/<int:unit>/", views.evidence_unit, name="assessment_evidence_unit"),
    path("evidence/<int:pk>/decisions/<int:decision>/correct/", views.decision_correct, name="assessment_decision_correct"),
    path("evidence/<int:pk>/coverage/<int:coverage>/withdraw/", views.coverage_withdraw, name="assessment_coverage_withdraw"),
    path("countersign/", views.countersign_queue, name="assessment_countersign"),
    path("enrolments/<int:pk>/matrix/", views.matrix, name="assessment_matrix"),
    path("enrolments/<int:pk>/units/<str:number>/", views.unit_detail, name="assessment_unit"),
    path("enrolments/<int:pk>/units/<str:number>/sign-off/", views.unit_sign_off, name="assessment_unit_sign_off"),
    path("enrolments/<int:pk>/units/<str:number>/acknowledge/", views.unit_acknowledge, name="assessment_unit_acknowledge"),
    path("enrolments/<int:pk>/units/<str:number>/reopen/", views.unit_reopen, name="assessment_unit_reopen"),
]

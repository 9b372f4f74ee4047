"""The ready-to-claim page, the claim settings and a learner's registration facts."""

from django.urls import path

from . import views_ready as views

urlpatterns = [
    path("", views.ready, name="claims_ready"),
    path("settings/", views.claim_settings, name="claims_settings"),
    path("registration/<int:enrolment_pk>/", views.registration, name="claims_registration"),
]

"""Observations of assessors' practice and standardisation meetings."""

from django.urls import path

from . import views_quality as views

urlpatterns = [
    path("observations/", views.observations, name="iqa_observations"),
    path("observations/new/", views.observation_new, name="iqa_observation_new"),
    path("observations/<int:pk>/", views.observation_detail, name="iqa_observation"),
    path("standardisation/", views.meetings, name="iqa_standardisation"),
    path("standardisation/new/", views.meeting_new, name="iqa_standardisation_new"),
    path("standardisation/<int:pk>/", views.meeting_detail, name="iqa_standardisation_meeting"),
]

"""Samples: starting, filling in, signing and correcting them."""

from django.urls import path

from . import views_samples as views

urlpatterns = [
    path("samples/", views.samples, name="iqa_samples"),
    path("samples/new/", views.sample_new, name="iqa_sample_new"),
    path("samples/<int:pk>/", views.sample_detail, name="iqa_sample"),
    path("samples/<int:pk>/save/", views.sample_save, name="iqa_sample_save"),
    path("samples/<int:pk>/sign/", views.sample_sign, name="iqa_sample_sign"),
    path("samples/<int:pk>/addendum/", views.sample_addendum, name="iqa_sample_addendum"),
    path("plan-items/<int:pk>/sample/", views.sample_start_item, name="iqa_sample_start_item"),
    path("actions/<int:pk>/follow-up/", views.sample_start_follow_up, name="iqa_sample_start_follow_up"),
]

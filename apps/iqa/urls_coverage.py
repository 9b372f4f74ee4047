"""Live coverage: one page answering "are we covered?"."""

from django.urls import path

from . import views_coverage as views

urlpatterns = [
    path("coverage/", views.coverage_page, name="iqa_coverage"),
]

"""Actions set for assessors: the list, one action, answering, closing and reopening it."""

from django.urls import path

from . import views_actions as views

urlpatterns = [
    path("actions/", views.action_list, name="iqa_actions"),
    path("actions/<int:pk>/", views.action_detail, name="iqa_action"),
    path("actions/<int:pk>/respond/", views.action_respond, name="iqa_action_respond"),
    path("actions/<int:pk>/close/", views.action_close, name="iqa_action_close"),
    path("actions/<int:pk>/reopen/", views.action_reopen, name="iqa_action_reopen"),
]

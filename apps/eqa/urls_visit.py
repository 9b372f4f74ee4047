from django.urls import path

from . import views_visit as views

urlpatterns = [
    path("requests/", views.request_list, name="eqa_requests"),
    path("access/<int:grant_pk>/requests/new/", views.request_new, name="eqa_request_new"),
    path("requests/<int:pk>/", views.request_detail, name="eqa_request"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="eqa_request_withdraw"),
    path("outcomes/", views.outcome_list, name="eqa_outcomes"),
    path("access/<int:grant_pk>/outcomes/new/", views.outcome_new, name="eqa_outcome_new"),
    path("outcomes/<int:pk>/", views.outcome_detail, name="eqa_outcome"),
    path("actions/", views.action_list, name="eqa_actions"),
    path("actions/<int:pk>/", views.action_detail, name="eqa_action"),
    path("actions/<int:pk>/respond/", views.action_respond, name="eqa_action_respond"),
    path("actions/<int:pk>/close/", views.action_close, name="eqa_action_close"),
    path("access/<int:grant_pk>/claims/", views.claims, name="eqa_claims"),
]

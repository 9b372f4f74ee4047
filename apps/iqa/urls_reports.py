from django.urls import path

from . import views_reports as views

urlpatterns = [
    path("reports/", views.report_list, name="iqa_reports"),
    path("reports/request/", views.report_request, name="iqa_report_request"),
    path("reports/<int:pk>/", views.report_detail, name="iqa_report"),
    path("reports/<int:pk>/download/", views.report_download, name="iqa_report_download"),
    path("reports/plans/<int:pk>.csv", views.plan_csv, name="iqa_plan_csv"),
    path("reports/actions.csv", views.actions_csv, name="iqa_actions_csv"),
]

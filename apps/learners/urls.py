"""Mounted by config/urls.py as path("learners/", include("apps.learners.urls"))."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.learner_list, name="learner_list"),
    path("new/", views.learner_create, name="learner_create"),
    path("import/", views.learner_import, name="learner_import"),
    path("imports/<int:pk>/", views.learner_import_preview, name="learner_import_preview"),
    path("imports/<int:pk>/apply/", views.learner_import_apply, name="learner_import_apply"),
    path("<int:pk>/", views.learner_detail, name="learner_detail"),
    path("<int:pk>/edit/", views.learner_edit, name="learner_edit"),
    path("<int:pk>/invite/", views.learner_invite, name="learner_invite"),
    path("<int:pk>/enrol/", views.enrolment_create, name="enrolment_create"),
    path("enrolments/<int:pk>/edit/", views.enrolment_edit, name="enrolment_edit"),
    path("enrolments/<int:pk>/plan/", views.enrolment_plan, name="enrolment_plan"),
    path("enrolments/<int:pk>/prior/", views.prior_achievement_add, name="prior_achievement_add"),
    path(
        "enrolments/<int:pk>/prior/<int:prior_pk>/remove/",
        views.prior_achievement_remove,
        name="prior_achievement_remove",
    ),
]

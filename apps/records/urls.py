"""Assessment records. Mounted at /records/."""

from django.urls import path

from . import views

urlpatterns = [
    path("enrolments/<int:enrolment>/", views.enrolment_records, name="records_enrolment"),
    path("enrolments/<int:enrolment>/observation/new/", views.observation_new, name="records_observation_new"),
    path("enrolments/<int:enrolment>/questioning/new/", views.questioning_new, name="records_questioning_new"),
    path("enrolments/<int:enrolment>/discussion/new/", views.discussion_new, name="records_discussion_new"),
    path("enrolments/<int:enrolment>/witness/new/", views.witness_new, name="records_witness_new"),
    path("observation/<int:pk>/", views.observation_detail, name="records_observation"),
    path("observation/<int:pk>/confirm/", views.observation_confirm, name="records_observation_confirm"),
    path("questioning/<int:pk>/", views.questioning_detail, name="records_questioning"),
    path("discussion/<int:pk>/", views.discussion_detail, name="records_discussion"),
    path("witness/<int:pk>/", views.witness_detail, name="records_witness"),
    path("witness/<int:pk>/resend/", views.witness_resend, name="records_witness_resend"),
    path("witness/<int:pk>/cancel/", views.witness_cancel, name="records_witness_cancel"),
    # The witness's own pages: public, reached from the emailed link.
    path("witness/respond/<str:token>/", views.witness_respond, name="records_witness_respond"),
    path("witness/thanks/", views.witness_thanks, name="records_witness_thanks"),
]

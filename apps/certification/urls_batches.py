from django.urls import path

from . import views_batches as views

urlpatterns = [
    path("batches/", views.batch_list, name="claims_batches"),
    path("batches/new/", views.batch_create, name="claims_batch_create"),
    path("batches/<int:pk>/", views.batch_detail, name="claims_batch"),
    path("batches/<int:pk>/add/", views.batch_add, name="claims_batch_add"),
    path("batches/<int:pk>/learners/<int:line_pk>/remove/", views.batch_remove, name="claims_batch_remove"),
    path("batches/<int:pk>/learners/<int:line_pk>/outcome/", views.batch_outcome, name="claims_batch_outcome"),
    path("batches/<int:pk>/declare/", views.batch_declare, name="claims_batch_declare"),
    path("batches/<int:pk>/authorise/", views.batch_authorise, name="claims_batch_authorise"),
    path("batches/<int:pk>/eqa/", views.batch_eqa, name="claims_batch_eqa"),
    path("batches/<int:pk>/reopen/", views.batch_reopen, name="claims_batch_reopen"),
    path("batches/<int:pk>/submit/", views.batch_submit, name="claims_batch_submit"),
    path("batches/<int:pk>/claim.csv", views.claim_csv, name="claims_batch_claim_csv"),
    path("batches/<int:pk>/claim.xlsx", views.claim_xlsx, name="claims_batch_claim_xlsx"),
    path("batches/<int:pk>/keying.csv", views.keying_csv, name="claims_batch_keying_csv"),
    path("batches/<int:pk>/keying.pdf", views.keying_pdf, name="claims_batch_keying_pdf"),
    path("batches/<int:pk>/declaration.pdf", views.declaration_pdf, name="claims_batch_declaration_pdf"),
]

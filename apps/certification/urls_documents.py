from django.urls import path

from . import views_documents as views

urlpatterns = [
    path("documents/", views.document_list, name="claims_documents"),
    path("my-documents/", views.my_documents, name="my_documents"),
    path("documents/<int:pk>/", views.document_detail, name="document_detail"),
    path("documents/<int:pk>/download/", views.document_download, name="document_download"),
    path("documents/<int:pk>/revoke/", views.document_revoke, name="document_revoke"),
    path("documents/<int:pk>/reissue/", views.document_reissue, name="document_reissue"),
    path("documents/<int:pk>/issue-again/", views.document_issue_again, name="document_issue_again"),
    path("batches/<int:pk>/documents/", views.batch_documents, name="claims_batch_documents"),
    path("documents/runs/<int:pk>/", views.run_detail, name="claims_document_run"),
    path("documents/runs/<int:pk>/documents.zip", views.run_zip, name="claims_document_run_zip"),
]

"""The public verification page of a document, by its unguessable code: no sign-in."""

from django.urls import path

from . import views_documents as views

urlpatterns = [
    path("<slug:code>/", views.document_verify, name="document_verify"),
]

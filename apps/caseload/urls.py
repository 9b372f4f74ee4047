from django.urls import path

from . import views

urlpatterns = [path("", views.caseload_page, name="caseload")]

from django.urls import path

from . import views_access

urlpatterns = [
    path("", views_access.eqa_home, name="eqa_home"),
    path("access/new/", views_access.eqa_grant_new, name="eqa_grant_new"),
    path("access/<int:pk>/", views_access.eqa_grant, name="eqa_grant"),
    path("access/<int:pk>/end/", views_access.eqa_grant_end, name="eqa_grant_end"),
    path("log/", views_access.eqa_access_log, name="eqa_access_log"),
]

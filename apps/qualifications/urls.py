from django.urls import path

from . import views

urlpatterns = [
    path("", views.qualification_list, name="catalogue"),
    path("search/", views.search, name="catalogue_search"),
    path("glossary/", views.glossary_page, name="glossary"),
    path("imports/", views.import_list, name="catalogue_imports"),
    path("imports/<int:pk>/", views.import_detail, name="catalogue_import"),
    path("imports/<int:pk>/request/", views.import_request, name="catalogue_import_request"),
    path("imports/<int:pk>/apply/", views.import_decide, {"decision": "apply"}, name="catalogue_import_apply"),
    path("imports/<int:pk>/discard/", views.import_decide, {"decision": "discard"}, name="catalogue_import_discard"),
    path("<str:slug>/", views.qualification_detail, name="qualification_detail"),
    path("<str:slug>/units/<str:unit>/", views.unit_detail, name="unit_detail"),
]

from django.urls import path

from . import views_pack

urlpatterns = [
    path("access/<int:grant_pk>/pack/", views_pack.pack_new, name="eqa_pack_new"),
    path("packs/<int:pk>/", views_pack.pack_detail, name="eqa_pack"),
    path("packs/<int:pk>/status/", views_pack.pack_status, name="eqa_pack_status"),
    path("packs/<int:pk>/download/", views_pack.pack_download, name="eqa_pack_download"),
    path("access/<int:grant_pk>/set/", views_pack.set_index, name="eqa_set"),
    path("access/<int:grant_pk>/set/<slug:part>/", views_pack.set_part, name="eqa_set_part"),
]

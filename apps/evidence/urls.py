"""Files: resumable uploads (tus) and the private downloads. Mounted at /files/."""

from django.urls import path

from . import downloads, upload_views

urlpatterns = [
    path("uploads/", upload_views.upload_collection, name="upload_create"),
    path("uploads/<uuid:pk>/", upload_views.upload_detail, name="upload_detail"),
    path("<int:pk>/", downloads.file_download, name="file_download"),
    path("<int:pk>/view/", downloads.file_view, name="file_view"),
    path("<int:pk>/thumbnail/", downloads.file_thumbnail, name="file_thumbnail"),
    path("<int:pk>/discard/", upload_views.file_discard_view, name="file_discard"),
]

from django.urls import path

from . import views_people

urlpatterns = [
    path("people/", views_people.people, name="iqa_people"),
    path("people/allocations/", views_people.allocations, name="iqa_allocations"),
    path("people/<int:pk>/", views_people.profile, name="iqa_profile"),
    path("people/<int:pk>/qualified/", views_people.profile_qualified, name="iqa_profile_qualified"),
    path("people/<int:pk>/band/", views_people.profile_override, name="iqa_profile_override"),
    path("people/<int:pk>/band/end/", views_people.profile_override_end, name="iqa_profile_override_end"),
]

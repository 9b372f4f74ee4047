"""Sampling plans: the list and generate form, one plan, adding and dropping samples."""

from django.urls import path

from . import views_plans as views

urlpatterns = [
    path("plans/", views.plan_list, name="iqa_plans"),
    path("plans/generate/", views.plan_generate, name="iqa_plan_generate"),
    path("plans/<int:pk>/", views.plan_detail, name="iqa_plan"),
    path("plans/<int:pk>/add/", views.plan_item_add, name="iqa_plan_item_add"),
    path("plans/items/<int:pk>/drop/", views.plan_item_drop, name="iqa_plan_item_drop"),
]

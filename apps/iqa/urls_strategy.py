from django.urls import path

from . import views_strategy

urlpatterns = [
    path("strategy/", views_strategy.strategy_list, name="iqa_strategies"),
    path("strategy/new/", views_strategy.strategy_new, name="iqa_strategy_new"),
    path("strategy/<int:pk>/", views_strategy.strategy_detail, name="iqa_strategy"),
    path("strategy/<int:pk>/edit/", views_strategy.strategy_edit, name="iqa_strategy_edit"),
    path("strategy/<int:pk>/approve/", views_strategy.strategy_approve, name="iqa_strategy_approve"),
]

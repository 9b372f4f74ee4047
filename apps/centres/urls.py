from django.urls import path

from . import trail, views

urlpatterns = [
    path("centre/people/", views.people, name="centre_people"),
    path("centre/people/invite/", views.invite, name="centre_invite"),
    path("centre/people/<int:pk>/", views.member, name="centre_member"),
    path("centre/people/<int:pk>/active/", views.member_set_active, name="centre_member_set_active"),
    path("centre/invitations/<int:pk>/revoke/", views.invitation_revoke, name="centre_invitation_revoke"),
    path("centre/settings/", views.centre_settings, name="centre_settings"),
    path("centre/switch/", views.switch_centre, name="centre_switch"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("audit/", trail.centre_trail, name="audit_events"),
    path("audit/platform/", trail.platform_trail, name="audit_platform_events"),
]

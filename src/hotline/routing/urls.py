from __future__ import annotations

from django.urls import path

from hotline.routing.views import calls, desk, ivr, supervision

app_name = "routing"
urlpatterns = [
    path("", desk.desk, name="desk"),
    path("command/", desk.desk_command, name="command"),
    path("state/", desk.desk_state, name="state"),
    path("pop/<str:call_id>/", desk.desk_pop, name="pop"),
    path("pop/<str:call_id>/new-customer/", desk.desk_new_customer, name="pop_new_customer"),
    path("recent/", desk.desk_recent, name="recent"),
    path("wrap-up/<str:call_id>/", desk.desk_wrap_up, name="wrap_up"),
    path("call/<str:call_id>/script-path/", desk.desk_script_path, name="script_path"),
    path("team/", supervision.team, name="team"),
    path("team/<int:pk>/state/", supervision.team_set_state, name="team_set_state"),
    path("team/<int:pk>/supervise/", supervision.team_supervise, name="team_supervise"),
    path("traffic/", supervision.traffic, name="traffic"),
    path("traffic/call/", supervision.traffic_call, name="traffic_call"),
    path("ivr/", ivr.ivr_flows, name="ivr_flows"),
    path("ivr/<int:pk>/", ivr.ivr_flow, name="ivr_flow"),
    path("ivr/<int:pk>/edit/", ivr.ivr_edit_node, name="ivr_edit"),
    path("ivr/<int:pk>/validate/", ivr.ivr_validate, name="ivr_validate"),
    path("ivr/<int:pk>/publish/", ivr.ivr_publish, name="ivr_publish"),
    path("ivr/<int:pk>/preview/", ivr.ivr_preview, name="ivr_preview"),
    path("ivr/<int:pk>/versions/<int:version_pk>/restore/", ivr.ivr_restore, name="ivr_restore"),
    path("calls/", calls.call_list, name="calls"),
    path("calls/<int:pk>/", calls.call_detail, name="call"),
    path("calls/<int:pk>/reveal/", calls.call_reveal, name="call_reveal"),
    path("calls/by-id/<str:call_id>/", calls.call_by_id, name="call_by_id"),
    path("calls/<int:pk>/recording.wav", calls.call_recording, name="recording"),
]

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "hotline.routing"
    label = "routing"
    verbose_name = _("Switchboard")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hotline import events
        from hotline.accounts.menu import MenuEntry, register_menu
        from hotline.accounts.roles import register_role_permissions
        from hotline.push.fanout import register_broadcast
        from hotline.push.topics import register_topic
        from hotline.routing import subscribers

        events.subscribe("call.*", subscribers.push_call_event)
        events.subscribe("agent.state_changed", subscribers.push_agent_state)
        register_topic("agent", subscribers.agent_topic_allowed)
        register_topic("switchboard", subscribers.live_topic_allowed)
        register_broadcast(subscribers.QUEUES_TOPIC)  # every desk: fanned out per process
        register_broadcast(subscribers.LIVE_TOPIC)

        desk, supervise = subscribers.USE_DESKTOP, subscribers.SUPERVISE
        traffic, ivr = "routing.manage_traffic", "routing.publish_ivrflow"
        register_role_permissions(
            "routing",
            {
                "agent": [desk],
                "team_lead": [desk, supervise, traffic],
                "manager": [supervise],
                "qa_inspector": ["telephony.view_callrecord"],
                "admin": [
                    supervise,
                    traffic,
                    ivr,
                    "routing.change_ivrflow",
                    "routing.change_queue",
                ],
            },
        )
        register_menu(
            MenuEntry(
                "desk",
                _("Agent desktop"),
                "routing:desk",
                desk,
                description=_("Take calls: softphone, screen pop, wrap-up."),
            ),
            order=10,
        )
        register_menu(
            MenuEntry(
                "team",
                _("My agents"),
                "routing:team",
                supervise,
                description=_("Agents' states live; change a state with a reason."),
            ),
            order=20,
        )
        register_menu(
            MenuEntry(
                "calls",
                _("Call log"),
                "routing:calls",
                description=_("Calls with their steps and recordings, filtered and paged."),
                any_of=(desk, supervise, "telephony.view_callrecord"),
            ),
            order=25,
        )
        register_menu(
            MenuEntry(
                "ivr",
                _("IVR flows"),
                "routing:ivr_flows",
                "routing.change_ivrflow",
                description=_("Edit, check, preview and publish the voice menus."),
            ),
            order=910,
        )
        register_menu(
            MenuEntry(
                "traffic",
                _("Simulated traffic"),
                "routing:traffic",
                traffic,
                description=_("Switch the demo's simulated callers on or off."),
            ),
            order=900,
        )

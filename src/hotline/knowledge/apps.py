from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "hotline.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge base")

    def ready(self) -> None:
        from hotline import events
        from hotline.accounts.menu import MenuEntry, register_menu
        from hotline.accounts.roles import register_role_permissions
        from hotline.knowledge import access, subscribers
        from hotline.push.topics import register_topic

        events.subscribe("announcement.*", subscribers.push_announcement)
        events.subscribe("article.*", subscribers.push_article)
        register_topic("kbarea", subscribers.area_topic_allowed)
        register_topic("kbdesk", subscribers.desk_topic_allowed)

        from django.apps import apps

        if apps.is_installed("hotline.routing"):
            from hotline.knowledge.services import scripts
            from hotline.routing import hooks

            hooks.set_call_script_provider(scripts.script_for_call)
            hooks.set_call_script_path_recorder(scripts.desk_path_recorder)

        read = [access.VIEW]
        edit = [
            access.VIEW,
            access.ADD,
            access.EDIT,
            access.PUBLISH,
            access.RECEIPTS,
            access.MANAGE,
            "knowledge.view_knowledgegroup",
            "knowledge.add_knowledgegroup",
            "knowledge.view_directory",
            "knowledge.add_directory",
            "knowledge.change_directory",
            "knowledge.view_synonymgroup",
            "knowledge.add_synonymgroup",
            access.SYNONYMS,
            "knowledge.delete_synonymgroup",
        ]
        register_role_permissions(
            "knowledge",
            {
                "agent": read,
                "team_lead": [*read, access.RECEIPTS],
                "dispatcher": read,
                "technician": read,
                "knowledge_editor": edit,
                "qa_inspector": read,
                "manager": [*read, access.RECEIPTS],
            },
        )
        register_menu(
            MenuEntry(
                "kbdesk",
                _("Editor's desk"),
                "knowledge:desk",
                access.EDIT,
                description=_(
                    "Articles to review, drafts from resolved orders, announcements about to "
                    "expire, articles readers found unhelpful."
                ),
            ),
            order=90,
        )
        register_menu(
            MenuEntry(
                "knowledge",
                _("Knowledge base"),
                "knowledge:index",
                access.VIEW,
                description=_(
                    "Search policies, fault guides, area announcements and contact numbers; "
                    "confirm must-read articles."
                ),
            ),
            order=150,
        )
        register_menu(
            MenuEntry(
                "receipts",
                _("Read receipts"),
                "knowledge:receipts",
                access.RECEIPTS,
                description=_("Who has not yet confirmed the must-read articles."),
            ),
            order=320,
        )

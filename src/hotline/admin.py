"""Administration pages for the background task queue, in the reader's language.

django-tasks-db's page names two columns with untranslatable text; the rest of its labels
are translated in Hotline's catalogue (hotline/third_party_messages.py).
"""

from __future__ import annotations

from datetime import datetime

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    show_full_result_count = False

    @admin.display(description=_("traceback"))
    def formatted_traceback(self, obj: DBTaskResult) -> str:
        return super().formatted_traceback(obj)

    @admin.display(description=_("run after"))
    def display_run_after(self, obj: DBTaskResult) -> datetime | str:
        return super().display_run_after(obj)

    @admin.display(description=_("task"))
    def task_name(self, obj: DBTaskResult) -> str:
        return obj.task_name

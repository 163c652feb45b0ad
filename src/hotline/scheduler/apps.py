from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulerConfig(AppConfig):
    name = "hotline.scheduler"
    label = "scheduler"
    verbose_name = _("Scheduled jobs")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django_tasks.signals import task_finished

        from hotline.scheduler import jobs

        jobs.register_builtin_jobs()
        task_finished.connect(_log_failure, dispatch_uid="hotline_task_failed")


def _log_failure(sender: object, task_result: object, **kwargs: object) -> None:
    import logging

    from django_tasks.base import TaskResultStatus

    if getattr(task_result, "status", None) == TaskResultStatus.FAILED:
        errors = getattr(task_result, "errors", None) or []
        detail = errors[-1].exception_class_path if errors else ""
        logging.getLogger("hotline.tasks").warning(
            "task %s (%s) failed %s", task_result.task.name, task_result.id, detail
        )

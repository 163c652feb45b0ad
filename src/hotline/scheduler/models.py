from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ScheduledRun(models.Model):
    """One period of one periodic job, claimed by the worker that enqueued it.

    The unique (job, period_start) pair is the claim: two workers that try to enqueue the
    same period race on the insert and exactly one wins.
    """

    job = models.CharField(_("job"), max_length=100)
    period_start = models.DateTimeField(_("period start"))
    enqueued_at = models.DateTimeField(_("enqueued"), default=timezone.now)
    worker = models.CharField(_("worker"), max_length=100, blank=True)
    task_result_id = models.CharField(_("task"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        constraints = [
            models.UniqueConstraint(fields=["job", "period_start"], name="scheduledrun_once")
        ]
        indexes = [models.Index(fields=["enqueued_at"], name="scheduledrun_enqueued")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.period_start:%Y-%m-%d %H:%M:%S}"


class WorkerHeartbeat(models.Model):
    """A background worker process that is alive (seen within a few ticks)."""

    worker = models.CharField(_("worker"), max_length=100, primary_key=True)
    hostname = models.CharField(_("host"), max_length=200, blank=True)
    pid = models.PositiveIntegerField(_("process id"), default=0)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    seen_at = models.DateTimeField(_("last seen"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")

    def __str__(self) -> str:
        return self.worker


class JobRunLog(models.Model):
    """What a periodic job did in one period (also the exactly-once evidence in tests)."""

    job = models.CharField(_("job"), max_length=100)
    period_start = models.DateTimeField(_("period start"))
    worker = models.CharField(_("worker"), max_length=100, blank=True)
    finished_at = models.DateTimeField(_("finished"), default=timezone.now, db_index=True)
    summary = models.JSONField(_("summary"), default=dict)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        indexes = [models.Index(fields=["job", "-period_start"], name="jobrunlog_job_period")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.period_start:%Y-%m-%d %H:%M:%S}"

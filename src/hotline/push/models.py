from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PushMessage(models.Model):
    """A push written by a process that cannot reach the web process's channel layer.

    Used only in the embedded set-up (no Redis): the web process relays new rows to its
    in-memory channel layer within a poll interval, and the retention job deletes old rows.
    """

    group = models.CharField(_("group"), max_length=100)
    event = models.CharField(_("event"), max_length=100)
    data = models.JSONField(_("data"), default=dict)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("push message")
        verbose_name_plural = _("push messages")

    def __str__(self) -> str:
        return f"{self.group} {self.event}"

"""API inputs that refuse fields they do not know.

DRF drops unknown keys silently: a client that misspells ``vip_levle`` or sends a field the
API does not take (``birth_date``) would get a 200 and believe it was saved. An input built
on ``StrictSerializer`` answers 400 naming each unknown field instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail


class StrictSerializer(serializers.Serializer):
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(str(key) for key in set(data) - set(self.fields))
            if unknown:
                message = _("This field is not known here.")
                raise serializers.ValidationError(
                    {key: [ErrorDetail(message, code="unknown_field")] for key in unknown[:20]}
                )
        return super().to_internal_value(data)

from django.contrib import admin

from hotline.catalog.models import StatisticItem
from hotline.typed_text import PlainTextAdmin


@admin.register(StatisticItem)
class StatisticItemAdmin(PlainTextAdmin, admin.ModelAdmin):
    list_display = ["code", "label_zh", "label_en", "parent", "applies_to", "active", "sort_order"]
    list_editable = ["active", "sort_order"]
    list_filter = ["applies_to", "active"]
    search_fields = ["code", "label_zh", "label_en"]

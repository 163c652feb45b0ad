from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from hotline.accounts.personal_data import mask_id_number, mask_phone
from hotline.customers.models import Customer


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "masked_phone", "masked_id_number", "region", "vip_level"]
    list_filter = ["kind", "vip_level"]
    search_fields = ["=phone", "=id_number", "=name"]
    autocomplete_fields = ["region"]
    show_full_result_count = False

    @admin.display(description="phone")
    def masked_phone(self, obj: Customer) -> str:
        return mask_phone(obj.phone)

    @admin.display(description="ID")
    def masked_id_number(self, obj: Customer) -> str:
        return mask_id_number(obj.id_number)

    def get_queryset(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).visible_to(request.user).select_related("region")

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from hotline.accounts.audit import audit_record
from hotline.accounts.personal_data import mask_id_number, mask_phone
from hotline.customers.models import Customer


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "masked_phone", "masked_id_number", "region", "vip_level"]
    list_filter = ["kind", "vip_level"]
    search_fields = ["=phone", "=id_number", "=name"]
    autocomplete_fields = ["region"]
    show_full_result_count = False

    @admin.display(description=_("phone"))
    def masked_phone(self, obj: Customer) -> str:
        return mask_phone(obj.phone)

    @admin.display(description=_("ID-card number"))
    def masked_id_number(self, obj: Customer) -> str:
        return mask_id_number(obj.id_number)

    def get_queryset(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).visible_to(request.user).select_related("region")

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        # The edit form shows personal data unmasked: that is a read to be audited.
        if request.method == "GET" and response.status_code == 200:
            customer = self.get_object(request, object_id)
            if customer is not None:
                audit_record(
                    action="reveal",
                    obj=customer,
                    changes={"field": "id_number, phone (admin form)"},
                )
        return response

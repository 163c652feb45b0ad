from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from hotline.audit.masking import mask_id_number, mask_phone
from hotline.audit.record import audit_record
from hotline.customers import fields, services
from hotline.customers.models import Customer
from hotline.typed_text import PlainTextAdmin


@admin.register(Customer)
class CustomerAdmin(PlainTextAdmin, admin.ModelAdmin):
    list_display = ["id", "name", "masked_phone", "masked_id_number", "region", "vip_level"]
    list_filter = ["kind", "vip_level"]
    search_fields = ["=phone", "=id_number", "=name"]
    autocomplete_fields = ["region"]
    # A merge moves phones, accounts and history: it is done on the customer page, never by
    # picking another customer here (a <select> of a million customers took minutes).
    readonly_fields = ["merged_into", "created_at", "updated_at"]
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

    def save_model(self, request: HttpRequest, obj: Customer, form, change: bool) -> None:  # type: ignore[no-untyped-def]
        """Through the customer services, like every other door (checks, audit, events)."""
        names = (*fields.WRITABLE, "region")
        if change:
            data = {name: form.cleaned_data[name] for name in form.changed_data if name in names}
            saved = services.customer_update(
                customer=Customer.objects.get(pk=obj.pk), by=request.user, data=data
            )
        else:
            data = {name: form.cleaned_data.get(name) for name in names}
            saved = services.customer_create(by=request.user, data=data)
        obj.pk = saved.pk
        obj._state.adding = False
        obj._state.db = saved._state.db

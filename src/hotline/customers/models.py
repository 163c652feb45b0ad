"""Customers (the foundation of the customer 360 view)."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hotline.accounts.models import Region
from hotline.accounts.scope import RegionScopedQuerySet
from hotline.audit.record import AuditedModel
from hotline.customers import fields
from hotline.customers.phones import normalize_phone
from hotline.stored_text import render


class CustomerQuerySet(RegionScopedQuerySet):
    region_field = "region"


def hidden_import_jobs() -> models.QuerySet:
    """Import jobs whose rows nobody may see yet (commit under way) or any more (being removed).

    A tiny set, empty most of the time: see ``ImportJob.rows_hidden``.
    """
    return ImportJob.objects.filter(rows_hidden=True).values("pk")


class HidesPendingImports(models.Manager):
    """The default manager of every model the importer writes: rows of an import that is not
    finished are invisible to pages, search, export, API and checks alike.

    ``exclude`` on a nullable column keeps rows whose ``import_job`` is NULL (Django adds the
    ``IS NOT NULL`` that SQL's three-valued ``NOT IN`` would otherwise need).
    """

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().exclude(import_job__in=hidden_import_jobs())


class CustomerManager(HidesPendingImports.from_queryset(CustomerQuerySet)):  # type: ignore[misc]
    pass


def _import_job_field() -> models.ForeignKey:
    """Which import wrote the row (NULL for rows made any other way); indexed only where set."""
    return models.ForeignKey(
        "ImportJob",
        verbose_name=_("import"),
        null=True,
        blank=True,
        editable=False,
        db_index=False,
        on_delete=models.PROTECT,
        related_name="+",
    )


def _import_job_index(prefix: str) -> models.Index:
    return models.Index(
        fields=["import_job"],
        name=f"{prefix}_import_job_idx",
        condition=models.Q(import_job__isnull=False),
    )


class Customer(AuditedModel):
    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        COMPANY = "company", _("Company")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("name"), max_length=fields.NAME.max_length, db_index=True)
    id_number = models.CharField(
        _("ID-card number"), max_length=fields.ID_NUMBER.max_length, blank=True, db_index=True
    )
    phone = models.CharField(
        _("phone"), max_length=fields.PHONE.max_length, blank=True, db_index=True
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.CharField(_("district"), max_length=fields.DISTRICT.max_length, blank=True)
    street = models.CharField(_("street"), max_length=fields.STREET.max_length, blank=True)
    compound = models.CharField(
        _("residential compound"), max_length=fields.COMPOUND.max_length, blank=True
    )
    building = models.CharField(_("building"), max_length=fields.BUILDING.max_length, blank=True)
    unit = models.CharField(_("unit"), max_length=fields.UNIT.max_length, blank=True)
    room = models.CharField(_("room"), max_length=fields.ROOM.max_length, blank=True)
    address = models.CharField(_("address"), max_length=fields.ADDRESS.max_length, blank=True)
    vip_level = models.PositiveSmallIntegerField(_("VIP level"), default=0)
    tags = models.ManyToManyField(
        "Tag", verbose_name=_("tags"), blank=True, related_name="customers"
    )
    # A merged-away duplicate keeps its row (and history) and points at the survivor.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    import_job = _import_job_field()

    personal_fields: ClassVar[tuple[str, ...]] = fields.PERSONAL
    audit_masked: ClassVar[set[str]] = set(fields.PERSONAL)
    audit_exclude: ClassVar[set[str]] = {"import_job"}

    objects = CustomerManager()
    # Every row, including those of unfinished imports: for the importer's own clean-up.
    all_objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["id"]
        permissions = [
            ("unmask_personal_data", _("Can see unmasked personal data")),
            ("merge_customer", _("Can merge duplicate customers")),
            ("import_customer", _("Can import customers")),
            ("export_customer", _("Can export customers")),
        ]
        indexes = [
            models.Index(fields=["street", "building"], name="customer_street_bldg_idx"),
            models.Index(fields=["compound", "building"], name="customer_compound_bldg_idx"),
            _import_job_index("customer"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """The field schema's normalisation and checks (``customers.fields``), all at once."""
        values = fields.clean_values({name: getattr(self, name) for name in fields.WRITABLE})
        for name, value in values.items():
            setattr(self, name, value)


class Tag(AuditedModel):
    name = models.CharField(_("name"), max_length=40, unique=True)
    color = models.CharField(_("colour"), max_length=7, default="#5d6b7e")

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CustomerPhone(AuditedModel):
    """Every number a customer can be reached on; the primary one is also ``Customer.phone``."""

    class Kind(models.TextChoices):
        MOBILE = "mobile", _("Mobile")
        HOME = "home", pgettext_lazy("phone kind", "Home")
        WORK = "work", _("Work")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="phones"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MOBILE)
    number = models.CharField(_("number"), max_length=20)
    # The last four digits, indexed: agents often only hear or see those.
    last4 = models.CharField(_("last four digits"), max_length=4, editable=False)
    is_primary = models.BooleanField(_("primary"), default=False)
    import_job = _import_job_field()

    audit_masked: ClassVar[set[str]] = {"number", "last4"}
    audit_exclude: ClassVar[set[str]] = {"import_job"}
    personal_fields: ClassVar[tuple[str, ...]] = ("number",)

    objects = HidesPendingImports()
    all_objects = models.Manager()

    class Meta:
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        ordering = ["-is_primary", "id"]
        # Cover phone and "last four digits" lookups without touching the customers table;
        # ``import_job`` is in them so that hiding unfinished imports needs no table access.
        indexes = [
            models.Index(
                fields=["number", "customer", "import_job"], name="phone_number_customer_idx"
            ),
            models.Index(
                fields=["last4", "customer", "import_job"], name="phone_last4_customer_idx"
            ),
            _import_job_index("phone"),
        ]

    def __str__(self) -> str:
        from hotline.audit.masking import mask_phone

        return mask_phone(self.number)

    @property
    def reveal_field(self) -> str:
        """The name the customer page's "Show" button uses for this number."""
        return f"phone-{self.pk}"

    def save(self, *args, **kwargs) -> None:
        self.number = normalize_phone(self.number)
        self.last4 = self.number[-4:]
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "number", "last4"}
        super().save(*args, **kwargs)


class ServiceAccount(AuditedModel):
    """A billing account (用户账号) in BOSS; Hotline keeps a copy for search and fallback."""

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("account status", "Active")
        SUSPENDED = "suspended", pgettext_lazy("account status", "Suspended")
        CLOSED = "closed", pgettext_lazy("account status", "Closed")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="accounts"
    )
    number = models.CharField(_("account number"), max_length=32, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    balance = models.DecimalField(_("balance"), max_digits=12, decimal_places=2, default=0)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    address = models.CharField(_("installation address"), max_length=300, blank=True)
    synced_at = models.DateTimeField(_("last synchronised with BOSS"), null=True, blank=True)
    import_job = _import_job_field()

    audit_exclude: ClassVar[set[str]] = {"import_job"}

    objects = HidesPendingImports()
    all_objects = models.Manager()

    class Meta:
        verbose_name = _("service account")
        verbose_name_plural = _("service accounts")
        ordering = ["number"]
        indexes = [_import_job_index("account")]

    def __str__(self) -> str:
        return self.number


class Subscription(AuditedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("subscription status", "Active")
        EXPIRED = "expired", pgettext_lazy("subscription status", "Expired")
        CANCELLED = "cancelled", pgettext_lazy("subscription status", "Cancelled")

    account = models.ForeignKey(
        ServiceAccount,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="subscriptions",
    )
    product_code = models.CharField(_("product code"), max_length=32)
    product_name = models.CharField(_("product"), max_length=100)
    monthly_fee = models.DecimalField(_("monthly fee"), max_digits=10, decimal_places=2, default=0)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["-starts_on", "id"]

    def __str__(self) -> str:
        return self.product_name


class Device(AuditedModel):
    """机卡: a set-top box, its smart card, or a broadband modem at the customer's premises."""

    class Kind(models.TextChoices):
        SET_TOP_BOX = "stb", _("Set-top box")
        SMART_CARD = "card", _("Smart card")
        MODEM = "modem", _("Modem")

    account = models.ForeignKey(
        ServiceAccount, verbose_name=_("account"), on_delete=models.CASCADE, related_name="devices"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    serial = models.CharField(_("serial or card number"), max_length=40, db_index=True)
    model_name = models.CharField(_("model"), max_length=60, blank=True)
    installed_on = models.DateField(_("installed"), null=True, blank=True)
    import_job = _import_job_field()

    audit_exclude: ClassVar[set[str]] = {"import_job"}

    objects = HidesPendingImports()
    all_objects = models.Manager()

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["kind", "serial"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "serial"], name="device_kind_serial_uniq")
        ]
        indexes = [_import_job_index("device")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.serial}"


class Payment(models.Model):
    """A payment as reported by BOSS (read-only history, not a business change of Hotline's)."""

    account = models.ForeignKey(
        ServiceAccount, verbose_name=_("account"), on_delete=models.CASCADE, related_name="payments"
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    paid_at = models.DateTimeField(_("paid at"))
    channel = models.CharField(_("channel"), max_length=30, blank=True)
    reference = models.CharField(_("reference"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-paid_at", "-id"]
        indexes = [models.Index(fields=["account", "-paid_at"], name="payment_account_paid_idx")]

    def __str__(self) -> str:
        return f"{self.amount} {self.paid_at:%Y-%m-%d}"


class TimelineEntry(models.Model):
    """One line of a customer's interaction history: calls, orders, surveys, SMS, notes."""

    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        ORDER = "order", _("Work order")
        SURVEY = "survey", _("Survey")
        SMS = "sms", _("SMS")
        NOTE = "note", _("Note")
        SYSTEM = "system", _("System")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="timeline"
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("details"), blank=True)
    author = models.ForeignKey(
        "accounts.User",
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What the entry is about (a call record, a work order…), filled in by later features.
    ref_model = models.CharField(_("object type"), max_length=100, blank=True)
    ref_id = models.CharField(_("object id"), max_length=64, blank=True)
    # What the system worded itself (``stored_text``): {"title": …, "body": …}, shown in the
    # reader's language; ``title`` and ``body`` keep it in the site's language.
    worded = models.JSONField(_("system wording"), default=dict, blank=True)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "-at"], name="timeline_customer_at_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def title_text(self) -> str:
        """The title in the reader's language (when the system worded it)."""
        return render(self.worded.get("title") if self.worded else None, self.title)

    @property
    def body_text(self) -> str:
        return render(self.worded.get("body") if self.worded else None, self.body)


class CustomerMerge(models.Model):
    """A merge of a duplicate into a survivor, with what moved, so that it can be undone."""

    survivor = models.ForeignKey(
        Customer,
        verbose_name=_("kept customer"),
        on_delete=models.PROTECT,
        related_name="merges_kept",
    )
    duplicate = models.ForeignKey(
        Customer,
        verbose_name=_("duplicate"),
        on_delete=models.PROTECT,
        related_name="merges_folded",
    )
    merged_by = models.ForeignKey(
        "accounts.User", verbose_name=_("merged by"), on_delete=models.PROTECT, related_name="+"
    )
    merged_at = models.DateTimeField(_("merged at"), default=timezone.now)
    moved = models.JSONField(_("moved records"), default=dict)
    filled_fields = models.JSONField(_("fields filled in on the kept customer"), default=dict)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("undone by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")
        ordering = ["-merged_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.duplicate_id} → #{self.survivor_id}"


class ImportJob(models.Model):
    """One upload of a customer file, from mapping through the dry run to the commit.

    The commit writes in short transactions; its rows stay invisible (``rows_hidden``) until
    one small transaction marks the job done, or are deleted again if it fails, is cancelled
    or its worker dies. ``worker`` and ``heartbeat_at`` say who runs the job and that it is
    still alive; ``import_jobs_sweep`` finishes jobs whose worker is gone.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        VALIDATING = "validating", _("Checking")
        VALIDATED = "validated", _("Checked")
        FAILED = "failed", _("Failed")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        CANCELLED = "cancelled", _("Cancelled")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (.xlsx)"

    RUNNING: ClassVar[frozenset[str]] = frozenset({"validating", "importing"})

    file_path = models.CharField(_("stored file"), max_length=500)
    original_name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=1, blank=True)
    # The header and first rows, read once at upload: the job page never reads the file.
    preview = models.JSONField(_("preview"), default=dict, blank=True)
    # Hotline field → column index of the file ({"name": 0, "phone": 3, …}).
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED, db_index=True
    )
    dry_run = models.BooleanField(_("dry run"), default=True)
    total_rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    imported_count = models.PositiveIntegerField(_("customers imported"), default=0)
    error_report_path = models.CharField(_("error report"), max_length=500, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    # True from the start of the commit until it is done, or until the rows of a failed or
    # cancelled commit are all deleted: every query on imported models hides those rows.
    rows_hidden = models.BooleanField(_("rows hidden"), default=False)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    # "host:pid" of the process running the job (empty while queued), and its last sign of life.
    worker = models.CharField(_("worker"), max_length=100, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer import")
        verbose_name_plural = _("customer imports")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["id"], name="importjob_hidden_idx", condition=models.Q(rows_hidden=True)
            )
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def is_cleaning(self) -> bool:
        """A failed or cancelled commit whose rows are still being deleted."""
        return self.rows_hidden and self.status in {self.Status.FAILED, self.Status.CANCELLED}

    @property
    def is_active(self) -> bool:
        """The job page keeps polling: the job runs, or its rows are being removed."""
        return self.is_running or self.is_cleaning

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, int(self.processed_rows * 100 / self.total_rows))


class ExportJob(models.Model):
    """A customer export written in the background (Excel), with its progress and its file."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Exporting")
        # Not the agent state "Ready" (示闲): a file that is ready to download.
        DONE = "done", pgettext_lazy("export job", "Ready")
        FAILED = "failed", _("Failed")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (.xlsx)"

    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    query = models.CharField(_("search"), max_length=200, blank=True)
    file_format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    total_rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    unmasked = models.BooleanField(_("unmasked"), default=False)
    file_path = models.CharField(_("stored file"), max_length=500, blank=True)
    file_name = models.CharField(_("file name"), max_length=100, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    worker = models.CharField(_("worker"), max_length=100, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer export")
        verbose_name_plural = _("customer exports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name or f"export {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING}

"""Forms of the knowledge pages: they parse input; the services decide and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import Region
from hotline.catalog.models import StatisticItem
from hotline.knowledge.models import Article, ArticleContext, Directory, KnowledgeGroup, Tag
from hotline.knowledge.services.articles import CONTACT_FIELDS, ArticleData
from hotline.widgets import DateInput, DateTimeLocalInput

DATETIME = DateTimeLocalInput()


def _codes(text: str) -> list[str]:
    return [c.strip() for c in (text or "").replace("，", ",").split(",") if c.strip()]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    directory = forms.ModelChoiceField(
        label=_("Directory"),
        queryset=Directory.objects.order_by("path"),
        required=False,
        empty_label=_("All directories"),
    )
    tag = forms.ModelChoiceField(
        label=_("Tag"), queryset=Tag.objects.all(), required=False, empty_label=_("All tags")
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All kinds")), *Article.Kind.choices], required=False
    )
    area = forms.ModelChoiceField(
        label=_("Area"),
        queryset=Region.objects.exclude(level=Region.Level.STATION).order_by("path"),
        required=False,
        empty_label=_("All areas"),
    )
    date_from = forms.DateField(label=_("Published from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Published until"), required=False, widget=DateInput())


class ArticleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Article.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    directory = forms.ModelChoiceField(
        label=_("Directory"), queryset=Directory.objects.order_by("path"), required=False
    )
    group = forms.ModelChoiceField(
        label=_("Group"),
        queryset=KnowledgeGroup.objects.none(),
        required=False,
        help_text=_("Who may read it; empty means the directory's group, or everyone."),
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Separate tags with commas.")
    )
    region = forms.ModelChoiceField(
        label=_("Area"),
        queryset=Region.objects.order_by("path"),
        required=False,
        help_text=_("For an area announcement: the district or station it concerns."),
    )
    valid_from = forms.DateTimeField(label=_("Valid from"), required=False, widget=DATETIME)
    valid_until = forms.DateTimeField(label=_("Valid until"), required=False, widget=DATETIME)
    must_read = forms.BooleanField(
        label=_("Must read: agents confirm they have read it"), required=False
    )
    body_html = forms.CharField(
        label=_("Text"), required=False, widget=forms.Textarea(attrs={"data-editor": "jodit"})
    )
    contacts = forms.CharField(
        label=_("Contacts"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "For a contact directory, one per line: department | person | phone | hours | note"
        ),
    )
    statistic_items = forms.ModelMultipleChoiceField(
        label=_("Suggest for statistic items"),
        queryset=StatisticItem.objects.active(),
        required=False,
        to_field_name="code",
    )
    order_types = forms.CharField(
        label=_("Suggest for order types"),
        required=False,
        help_text=_("Order type codes, separated by commas."),
    )
    ivr_choices = forms.CharField(
        label=_("Suggest for IVR choices"),
        required=False,
        help_text=_("IVR menu keys or codes, separated by commas."),
    )
    area_fault = forms.CharField(
        label=_("Area fault"),
        required=False,
        max_length=20,
        help_text=_("The number of the area fault this article is about, e.g. AF20261124-001."),
    )
    note = forms.CharField(label=_("What changed"), required=False, max_length=200)

    def __init__(self, *args: Any, groups: Any = None, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if groups is not None:
            self.fields["group"].queryset = groups
        self.fields["body_html"].widget.attrs["data-upload-url"] = reverse("knowledge:upload")

    def clean_area_fault(self) -> Any:
        """The number typed, resolved to an area fault the editor may see."""
        from hotline.tickets.models import AreaFault

        number = (self.cleaned_data.get("area_fault") or "").strip()
        if not number:
            return None
        faults = AreaFault.objects.filter(number__iexact=number)
        if self.user is not None:
            faults = faults.visible_to(self.user)
        fault = faults.first()
        if fault is None:
            raise forms.ValidationError(
                _("There is no area fault numbered “%(number)s” in your areas."),
                params={"number": number},
            )
        return fault

    @classmethod
    def initial_for(cls, article: Article) -> dict[str, Any]:
        contexts = list(article.contexts.values_list("kind", "code"))
        return {
            "kind": article.kind,
            "title": article.title,
            "directory": article.directory_id,
            "group": article.group_id,
            "tags": ", ".join(article.tags.values_list("name", flat=True)),
            "region": article.region_id,
            "valid_from": article.valid_from,
            "valid_until": article.valid_until,
            "must_read": article.must_read,
            "body_html": article.body_html,
            "contacts": "\n".join(
                " | ".join(getattr(entry, f) for f in CONTACT_FIELDS)
                for entry in article.contacts.all()
            ),
            "statistic_items": [c for k, c in contexts if k == ArticleContext.Kind.STATISTIC_ITEM],
            "order_types": ", ".join(c for k, c in contexts if k == ArticleContext.Kind.ORDER_TYPE),
            "ivr_choices": ", ".join(c for k, c in contexts if k == ArticleContext.Kind.IVR_CHOICE),
            "area_fault": article.area_fault.number if article.area_fault_id else "",
        }

    def article_data(self) -> ArticleData:
        data = self.cleaned_data
        contacts = []
        for line in (data.get("contacts") or "").splitlines():
            if line.strip():
                cells = [c.strip() for c in line.split("|")]
                contacts.append(dict(zip(CONTACT_FIELDS, cells + [""] * 5, strict=False)))
        K = ArticleContext.Kind
        contexts = [(K.STATISTIC_ITEM, item.code) for item in data.get("statistic_items") or []]
        contexts += [(K.ORDER_TYPE, code) for code in _codes(data.get("order_types", ""))]
        contexts += [(K.IVR_CHOICE, code) for code in _codes(data.get("ivr_choices", ""))]
        return ArticleData(
            title=data["title"],
            body_html=data.get("body_html") or "",
            kind=data["kind"],
            directory=data.get("directory"),
            group=data.get("group"),
            tags=_codes(data.get("tags", "")),
            region=data.get("region"),
            valid_from=data.get("valid_from"),
            valid_until=data.get("valid_until"),
            must_read=bool(data.get("must_read")),
            contexts=contexts,
            contacts=contacts,
            area_fault=data.get("area_fault"),
        )


class SynonymForm(forms.Form):
    terms = forms.CharField(
        label=_("Words with the same meaning"),
        max_length=500,
        help_text=_("For example: 机顶盒 / 盒子 / STB"),
    )


class DirectoryForm(forms.Form):
    name = forms.CharField(label=_("Directory name"), max_length=100)
    parent = forms.ModelChoiceField(
        label=_("Parent directory"), queryset=Directory.objects.order_by("path"), required=False
    )
    group = forms.ModelChoiceField(
        label=_("Group"), queryset=KnowledgeGroup.objects.all(), required=False
    )
    sort_order = forms.IntegerField(label=_("Sort order"), min_value=0, initial=0, required=False)


class GroupForm(forms.ModelForm):
    class Meta:
        model = KnowledgeGroup
        fields = [
            "name",
            "description",
            "everyone_reads",
            "reader_roles",
            "reader_teams",
            "readers",
            "editor_roles",
            "editors",
        ]
        widgets = {
            field: forms.SelectMultiple(attrs={"size": 6})
            for field in ("reader_roles", "reader_teams", "readers", "editor_roles", "editors")
        }

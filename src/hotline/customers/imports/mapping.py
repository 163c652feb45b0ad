"""Import fields and the guess of which column of a file holds which of them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class ImportField:
    key: str
    label: str | Promise
    required: bool = False
    max_length: int = 0
    aliases: tuple[str, ...] = ()


FIELDS: tuple[ImportField, ...] = (
    ImportField(
        "name",
        gettext_lazy("Name"),
        True,
        100,
        (
            "姓名",
            "客户姓名",
            "客户名称",
            "用户姓名",
            "用户名称",
            "户名",
            "名称",
            "name",
            "customer name",
            "full name",
            "customer",
        ),
    ),
    ImportField(
        "phone",
        gettext_lazy("Phone"),
        True,
        20,
        (
            "电话",
            "手机",
            "手机号",
            "手机号码",
            "联系电话",
            "电话号码",
            "移动电话",
            "联系方式",
            "phone",
            "mobile",
            "tel",
            "telephone",
            "phone number",
            "mobile phone",
        ),
    ),
    ImportField(
        "region",
        gettext_lazy("Region code"),
        True,
        0,
        (
            "站点",
            "站点编码",
            "站点代码",
            "地区",
            "地区编码",
            "区域",
            "区域编码",
            "所属站点",
            "region",
            "region code",
            "station",
            "station code",
        ),
    ),
    ImportField(
        "id_number",
        gettext_lazy("ID-card number"),
        False,
        18,
        (
            "身份证",
            "身份证号",
            "身份证号码",
            "证件号",
            "证件号码",
            "id",
            "id number",
            "id card",
            "id-card number",
            "identity card",
        ),
    ),
    ImportField(
        "other_phone",
        gettext_lazy("Other phone"),
        False,
        20,
        (
            "备用电话",
            "其他电话",
            "固定电话",
            "座机",
            "家庭电话",
            "固话",
            "other phone",
            "home phone",
            "landline",
        ),
    ),
    ImportField(
        "kind",
        gettext_lazy("Kind"),
        False,
        0,
        ("类型", "客户类型", "用户类型", "kind", "type", "customer type"),
    ),
    ImportField("district", gettext_lazy("District"), False, 50, ("区县", "行政区", "district")),
    ImportField("street", gettext_lazy("Street"), False, 100, ("街道", "道路", "street", "road")),
    ImportField(
        "compound",
        gettext_lazy("Residential compound"),
        False,
        100,
        ("小区", "小区名称", "社区", "compound", "residential compound", "estate"),
    ),
    ImportField(
        "building", gettext_lazy("Building"), False, 20, ("楼栋", "楼号", "幢", "栋", "building")
    ),
    ImportField("unit", gettext_lazy("Unit"), False, 20, ("单元", "unit")),
    ImportField(
        "room", gettext_lazy("Room"), False, 20, ("房号", "室号", "门牌号", "房间", "室", "room")
    ),
    ImportField(
        "address",
        gettext_lazy("Address"),
        False,
        300,
        ("地址", "住址", "详细地址", "安装地址", "联系地址", "address", "full address"),
    ),
    ImportField(
        "vip_level",
        gettext_lazy("VIP level"),
        False,
        0,
        ("vip", "vip等级", "会员等级", "vip level"),
    ),
    ImportField(
        "account",
        gettext_lazy("Account number"),
        False,
        32,
        (
            "用户账号",
            "客户账号",
            "账号",
            "帐号",
            "account",
            "account number",
            "account no",
        ),
    ),
    ImportField(
        "card",
        gettext_lazy("Smart-card number"),
        False,
        40,
        ("智能卡号", "智能卡", "卡号", "ic卡号", "smart card", "smart-card number", "card number"),
    ),
)
FIELDS_BY_KEY = {field.key: field for field in FIELDS}
REQUIRED_FIELDS = tuple(field.key for field in FIELDS if field.required)

_HEADER_NOISE = re.compile(r"[\s_\-:：()（）\[\]【】*#.]+")


def _normal_header(text: str) -> str:
    return _HEADER_NOISE.sub(" ", (text or "").strip().lower()).strip()


def guess_mapping(header: list[str]) -> dict[str, int]:
    """Which column each Hotline field is probably in, from the header's names.

    An exact name (Chinese or English, or the field's label in either language) beats a
    name that merely contains one of the known names; each column serves one field.
    """
    candidates: list[tuple[int, int, str]] = []
    for index, raw in enumerate(header):
        text = _normal_header(raw)
        if not text:
            continue
        for field in FIELDS:
            names = {_normal_header(a) for a in field.aliases}
            for language in ("zh-hans", "en"):
                with translation.override(language):
                    names.add(_normal_header(str(field.label)))
            if text in names:
                candidates.append((3, index, field.key))
            elif any(len(name) >= 2 and name in text for name in names):
                candidates.append((2, index, field.key))
    mapping: dict[str, int] = {}
    used: set[int] = set()
    for _score, index, key in sorted(candidates, key=lambda c: (-c[0], c[1])):
        if key not in mapping and index not in used:
            mapping[key] = index
            used.add(index)
    return mapping


def mapping_problems(mapping: dict[str, int], columns: int) -> list[str]:
    """Why ``mapping`` cannot be used on a file with ``columns`` columns (empty when it can)."""
    problems = []
    for key in REQUIRED_FIELDS:
        if key not in mapping:
            problems.append(
                _("Choose the column that holds “%(field)s”.") % {"field": FIELDS_BY_KEY[key].label}
            )
    seen: dict[int, str] = {}
    for key, index in mapping.items():
        if key not in FIELDS_BY_KEY or not 0 <= index < columns:
            problems.append(_("The column mapping refers to a column the file does not have."))
        elif index in seen:
            problems.append(
                _("One column cannot fill both “%(a)s” and “%(b)s”.")
                % {"a": FIELDS_BY_KEY[seen[index]].label, "b": FIELDS_BY_KEY[key].label}
            )
        else:
            seen[index] = key
    return problems


# The example row of the downloadable template (a made-up customer of the demo city).
TEMPLATE_EXAMPLE: dict[str, str] = {
    "name": "张三",
    "phone": "13912345678",
    "region": "cz-tn-01",
    "id_number": "320402198506120014",
    "other_phone": "051988001234",
    "kind": "个人",
    "district": "天宁区",
    "street": "青洋路",
    "compound": "丽华新村",
    "building": "3",
    "unit": "2",
    "room": "301",
    "vip_level": "0",
    "account": "5190000001",
    "card": "8320000000000001",
}

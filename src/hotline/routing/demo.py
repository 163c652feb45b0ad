"""The demo switchboard: skills, queues, not-ready reasons, a published IVR flow, and skills
for every agent and team lead, so that `make run` takes calls at once. Idempotent."""

from __future__ import annotations

from django.db import transaction

from hotline.accounts.models import User
from hotline.routing.models import (
    AgentSkill,
    IvrFlow,
    IvrFlowVersion,
    NotReadyReason,
    Queue,
    Skill,
    TrafficSetting,
)

DEMO_FLOW = {
    "id": "hours",
    "type": "hours",
    "label": "营业时间",
    "calendar": "",
    # 24 x 7 hotline: out of office hours the night team (general queue) answers.
    "closed": {
        "id": "night",
        "type": "play",
        "label": "夜间提示",
        "message": "现在是非工作时间，夜班座席为您服务",
        "next": {"id": "night-queue", "type": "queue", "queue": "general", "label": "夜班"},
    },
    "open": {
        "id": "main",
        "type": "menu",
        "label": "主菜单",
        "prompt": "电视故障请按1，宽带请按2，查询余额请按3，人工服务请按0，预约回呼请按9",
        "options": {
            "1": {"id": "tv", "type": "queue", "queue": "tv", "label": "电视故障"},
            "2": {"id": "net", "type": "queue", "queue": "net", "label": "宽带"},
            "3": {
                "id": "balance",
                "type": "balance",
                "label": "余额查询",
                "next": {
                    "id": "after-balance",
                    "type": "goto",
                    "target": "main",
                    "label": "返回主菜单",
                },
            },
            "0": {
                "id": "general",
                "type": "queue",
                "queue": "general",
                "priority": 1,
                "label": "人工服务",
            },
            "9": {"id": "callback", "type": "callback", "queue": "general", "label": "预约回呼"},
        },
        "timeout": {
            "id": "timeout-general",
            "type": "queue",
            "queue": "general",
            "label": "未按键转人工",
        },
    },
}


def switchboard_demo_setup() -> bool:
    """Create the demo configuration unless queues exist; True when it was created."""
    if Queue.objects.exists():
        return False
    with transaction.atomic():
        skills = {}
        for code, zh, en in [
            ("tv", "电视", "TV"),
            ("net", "宽带", "Internet"),
            ("general", "综合", "General"),
        ]:
            skills[code] = Skill.objects.create(code=code, label_zh=zh, label_en=en)
        general = Queue.objects.create(
            code="general",
            label_zh="综合咨询",
            label_en="General",
            skill=skills["general"],
            strategy="longest_idle",
        )
        Queue.objects.create(
            code="tv",
            label_zh="电视故障",
            label_en="TV faults",
            skill=skills["tv"],
            strategy="skills",
            overflow_after=120,
            overflow_to=general,
        )
        Queue.objects.create(
            code="net",
            label_zh="宽带",
            label_en="Internet",
            skill=skills["net"],
            strategy="sticky",
            overflow_after=120,
            overflow_to=general,
        )
        for i, (code, zh, en) in enumerate(
            [
                ("break", "休息", "Break"),
                ("meal", "用餐", "Meal"),
                ("training", "培训", "Training"),
                ("meeting", "会议", "Meeting"),
            ]
        ):
            NotReadyReason.objects.create(code=code, label_zh=zh, label_en=en, sort_order=i)
        flow = IvrFlow.objects.create(code="main", name="96655")
        IvrFlowVersion.objects.create(
            flow=flow, version=1, tree=DEMO_FLOW, published_at="2026-01-01T00:00:00Z"
        )
        TrafficSetting.objects.get_or_create(pk=1)
        people = User.objects.filter(role__code__in=["agent", "team_lead"], is_active=True)
        for n, person in enumerate(people):
            for code, skill in skills.items():
                level = 3 + (n + len(code)) % 3
                AgentSkill.objects.create(agent=person, skill=skill, proficiency=level)
    return True

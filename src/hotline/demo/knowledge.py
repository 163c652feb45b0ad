"""Demo knowledge base: what a cable-TV hotline's editors would have written.

Groups, a directory tree, fault guides and business rules, a must-read policy, a contact
directory, an area announcement for 天宁区, synonyms, and a draft from a resolved order
waiting for review, all written through the knowledge services (the same path as the
editor's pages), so the knowledge editor and the agents see real content after
``make run``. Timestamps come from the clock of the build, so the announcement is current.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from hotline.accounts.models import Role, User
from hotline.knowledge.models import Article, ArticleContext
from hotline.knowledge.services.articles import (
    ArticleData,
    article_create,
    article_draft_from_case,
    article_publish,
)
from hotline.knowledge.services.organisation import directory_save, group_save, synonym_group_save

K = ArticleContext.Kind

SYNONYMS = (
    "机顶盒 / 盒子 / STB / 机顶",
    "智能卡 / CA卡 / 小卡",
    "光猫 / 光调制解调器 / ONU",
    "宽带 / 网络 / 上网",
    "遥控器 / 摇控器",
    "停机 / 欠费停机 / 报停",
)

# (directory, title, body html, tags, contexts)
ARTICLES: tuple[tuple[str, str, str, tuple[str, ...], tuple[tuple[str, str], ...]], ...] = (
    (
        "机顶盒",
        "数字机顶盒无信号处理",
        "<h2>现象</h2><p>电视屏幕提示“无信号”或“信号中断”，所有频道都没有画面。</p>"
        "<h2>处理步骤</h2><ol><li>确认电视机信号源选择正确（HDMI 或 AV）。</li>"
        "<li>检查机顶盒背面的射频线是否松动，重新插紧。</li>"
        "<li>关闭机顶盒电源 30 秒后重新开机。</li>"
        "<li>查询片区公告，确认该片区是否停电或光缆割接。</li>"
        "<li>仍无信号的，登记报修并派单，告知用户 24 小时内上门。</li></ol>",
        ("机顶盒", "无信号"),
        (
            (K.STATISTIC_ITEM, "fault-no-signal"),
            (K.STATISTIC_ITEM, "fault-stb"),
            (K.IVR_CHOICE, "1"),
        ),
    ),
    (
        "机顶盒",
        "画面出现马赛克或卡顿的排查",
        "<p>马赛克多由信号弱或分配器接触不良引起。</p><ul><li>询问是否所有频道都有马赛克。</li>"
        "<li>只有个别频道的，属前端问题，记录频道并上报运维中心。</li>"
        "<li>所有频道都有的，检查分配器和入户线，必要时派单测量信号电平。</li></ul>",
        ("机顶盒", "马赛克"),
        ((K.STATISTIC_ITEM, "fault-mosaic"),),
    ),
    (
        "机顶盒",
        "提示“请插入智能卡”的处理",
        "<p>请用户拔出智能卡，芯片朝下重新插入；仍提示的，核对卡号与账户是否一致、是否欠费停机。"
        "</p><table><tr><th>提示</th><th>原因</th><th>处理</th></tr>"
        "<tr><td>E04</td><td>未插卡</td><td>重新插卡</td></tr>"
        "<tr><td>E06</td><td>卡未授权</td><td>核对缴费，发送授权指令</td></tr></table>",
        ("智能卡", "机顶盒"),
        ((K.STATISTIC_ITEM, "fault-stb"),),
    ),
    (
        "机顶盒",
        "遥控器失灵的处理办法",
        "<p>先更换遥控器电池；对准机顶盒面板的接收窗操作。仍无反应的，可到营业厅免费检测，"
        "人为损坏的按价更换。</p>",
        ("遥控器",),
        (),
    ),
    (
        "宽带",
        "光猫红灯闪烁（LOS）处理",
        "<p>LOS 灯红色闪烁表示光信号中断。</p><ol><li>检查光纤是否弯折、接头是否脱落。</li>"
        "<li>重启光猫。</li><li>同一楼道多户同时断网的，查看是否有片区故障。</li>"
        "<li>单户故障登记报修，派单给宽带维修员。</li></ol>",
        ("光猫", "宽带"),
        ((K.STATISTIC_ITEM, "fault-broadband"), (K.IVR_CHOICE, "2")),
    ),
    (
        "宽带",
        "宽带网速慢的排查步骤",
        "<p>请用户用网线直连电脑测速；无线网速慢的，建议路由器放在开阔位置、更换 5G 频段。"
        "测速低于签约速率 70% 的，派单上门检测。</p>",
        ("宽带", "路由器"),
        ((K.STATISTIC_ITEM, "fault-broadband"),),
    ),
    (
        "业务规定",
        "缴费方式与到账时间",
        "<p>用户可通过营业厅、微信、支付宝、银行代扣缴费。营业厅和线上缴费实时到账；银行代扣每月"
        " 5 日扣款，次日到账。</p><p>欠费停机的用户缴费后 15 分钟内自动复机。</p>",
        ("缴费",),
        ((K.STATISTIC_ITEM, "billing"), (K.STATISTIC_ITEM, "suspend-resume"), (K.IVR_CHOICE, "3")),
    ),
    (
        "业务规定",
        "过户、移机办理须知",
        "<p>过户须原户主与新户主持身份证到营业厅办理；移机须提前 3 个工作日预约，同一片区内移机"
        "免收工料费。</p>",
        ("过户", "移机"),
        ((K.STATISTIC_ITEM, "relocation"), (K.ORDER_TYPE, "relocation")),
    ),
    (
        "资费产品",
        "高清互动包资费说明",
        "<p>高清互动包每月 30 元，含 60 个高清频道和 7 天回看。包年享 9 折。</p>",
        ("资费", "高清"),
        ((K.STATISTIC_ITEM, "service-change"),),
    ),
)

POLICY = (
    "业务规定",
    "座席服务规范（2026 版）",
    "<h2>一、接听</h2><p>铃响三声内接听，使用标准问候语：“您好，96296，工号 XXXX 为您服务。”</p>"
    "<h2>二、身份核实</h2><p>办理业务前核对用户姓名、地址和证件号后四位，不得在电话中读出完整"
    "证件号或手机号。</p><h2>三、派单</h2><p>故障类来电须在通话结束前完成派单，并告知用户"
    "处理时限：重大故障 24 小时，一般故障 48 小时。</p>",
)

CONTACTS = (
    ("运维中心", "值班长", "0519-86660001", "24 小时", "重大故障、片区故障上报"),
    ("天宁维修站", "周站长", "0519-86660011", "8:30-17:30", ""),
    ("武进维修站", "钱站长", "0519-86660021", "8:30-17:30", ""),
    ("市区营业厅", "", "0519-86660100", "9:00-18:00", "周末照常营业"),
    ("BOSS 系统支持", "信息中心", "0519-86660200", "工作日", "账户、授权问题"),
)


def build_knowledge_demo(regions: dict[str, Any]) -> int:
    """Create the demo knowledge base once (nothing if articles exist); returns articles."""
    if Article.objects.exists():
        return 0
    editor = User.objects.filter(username="editor").first()
    agent = User.objects.filter(username="agent").first()
    if editor is None:
        return 0
    now = timezone.now()
    roles = {role.code: role for role in Role.objects.all()}
    everyone = group_save(
        by=editor,
        name="全员",
        description="所有座席、班长、派单员和维修员",
        everyone_reads=True,
        editor_roles=[roles[Role.KNOWLEDGE_EDITOR]],
    )
    leads = group_save(
        by=editor,
        name="班组长",
        description="仅班长、经理可读：排班、考核细则",
        reader_roles=[roles[Role.TEAM_LEAD], roles[Role.MANAGER]],
        editor_roles=[roles[Role.KNOWLEDGE_EDITOR]],
    )
    faults = directory_save(by=editor, name="故障处理", group=everyone, sort_order=10)
    folders = {
        "机顶盒": directory_save(by=editor, name="机顶盒", parent=faults, group=everyone),
        "宽带": directory_save(by=editor, name="宽带", parent=faults, group=everyone),
        "业务规定": directory_save(by=editor, name="业务规定", group=everyone, sort_order=20),
        "资费产品": directory_save(by=editor, name="资费产品", group=everyone, sort_order=30),
        "片区公告": directory_save(by=editor, name="片区公告", group=everyone, sort_order=40),
        "联系电话": directory_save(by=editor, name="联系电话", group=everyone, sort_order=50),
        "班组管理": directory_save(by=editor, name="班组管理", group=leads, sort_order=60),
    }
    for terms in SYNONYMS:
        synonym_group_save(by=editor, terms=terms)

    def publish(data: ArticleData, days_ago: int) -> Article:
        article = article_create(data=data, by=editor)
        return article_publish(
            article=article, by=editor, at=now - datetime.timedelta(days=days_ago)
        )

    for index, (folder, title, body, tags, contexts) in enumerate(ARTICLES):
        publish(
            ArticleData(
                title=title,
                body_html=body,
                directory=folders[folder],
                tags=list(tags),
                contexts=list(contexts),
            ),
            days_ago=10 + index * 17,
        )
    folder, title, body = POLICY
    publish(
        ArticleData(
            title=title,
            body_html=body,
            kind=Article.Kind.POLICY,
            directory=folders[folder],
            must_read=True,
            tags=["服务规范"],
        ),
        days_ago=2,
    )
    publish(
        ArticleData(
            title="各部门业务联系电话",
            kind=Article.Kind.CONTACTS,
            directory=folders["联系电话"],
            contacts=[
                dict(zip(("department", "person", "phone", "hours", "note"), row, strict=True))
                for row in CONTACTS
            ],
            tags=["联系电话"],
        ),
        days_ago=30,
    )
    publish(
        ArticleData(
            title="班长排班与考核细则",
            body_html="<p>每班至少一名班长在岗；接通率低于 85% 的时段须在交班记录中说明原因。</p>",
            directory=folders["班组管理"],
            group=leads,
        ),
        days_ago=40,
    )
    tianning = regions.get("cz-tn")
    publish(
        ArticleData(
            title="天宁区红梅片区计划停电公告",
            body_html="<p>因供电公司线路检修，红梅新村、丽华新村今日 9:00 至 17:00 停电，有线电视"
            "和宽带同时中断。用户来电反映无信号的，请告知本公告，无需派单。</p>",
            kind=Article.Kind.ANNOUNCEMENT,
            directory=folders["片区公告"],
            region=tianning,
            valid_from=now - datetime.timedelta(hours=2),
            valid_until=now + datetime.timedelta(days=2),
            tags=["停电"],
        ),
        days_ago=0,
    )
    if agent is not None:
        article_draft_from_case(
            title="丽华新村整栋楼无信号：分配器进水",
            fault="丽华新村 12 幢多户同时无信号，机顶盒重启无效。",
            solution="维修员检查发现楼道分配器进水短路，更换分配器并做防水处理后恢复。",
            source_ref="ticket:WO-DEMO-0001",
            by=agent,
            directory=folders["机顶盒"],
            tags=["机顶盒", "无信号"],
        )
    return Article.objects.count()


def _no_signal_tree(guide: int | None) -> dict[str, Any]:
    """无信号 / 数字机顶盒: the indicator light decides; a fault that stays is an order."""
    repair = [
        {
            "id": "s20",
            "type": "say",
            "text": "给您登记报修，维修员会在 48 小时内上门，请保持电话畅通。",
        },
        {
            "id": "s21",
            "type": "suggest",
            "text": "开故障维修工单，统计项选“无信号”。",
            "order_type": "fault-repair",
            "statistic_item": "fault-no-signal",
        },
    ]
    red = [
        {
            "id": "s10",
            "type": "say",
            "text": "请您检查机顶盒后面的信号线是否插紧，拔下后重新插好。",
        },
        {
            "id": "s11",
            "type": "ask",
            "text": "重新插好后，有信号了吗？",
            "answers": [
                {
                    "id": "a11",
                    "label": "有信号了",
                    "steps": [{"id": "s12", "type": "say", "text": "好的，问题已解决。"}],
                },
                {"id": "a12", "label": "还是没有", "steps": repair},
            ],
        },
    ]
    off = [
        {"id": "s30", "type": "say", "text": "请检查电源插座和机顶盒电源开关，换一个插座试试。"},
        {
            "id": "s31",
            "type": "ask",
            "text": "机顶盒能开机吗？",
            "answers": [
                {
                    "id": "a31",
                    "label": "能开机",
                    "steps": [
                        {"id": "s32", "type": "say", "text": "好的，请再看一下电视是否有信号。"}
                    ],
                },
                {
                    "id": "a32",
                    "label": "不能开机",
                    "steps": [
                        {
                            "id": "s33",
                            "type": "suggest",
                            "text": "机顶盒可能损坏：开故障维修工单，统计项选“机顶盒故障”。",
                            "order_type": "fault-repair",
                            "statistic_item": "fault-stb",
                        }
                    ],
                },
            ],
        },
    ]
    green = [
        {
            "id": "s40",
            "type": "say",
            "text": "请用遥控器按“信源”键，切换到机顶盒所接的 HDMI 或 AV 输入。",
        },
        {
            "id": "s41",
            "type": "ask",
            "text": "切换后有画面了吗？",
            "answers": [
                {"id": "a41", "label": "有画面", "steps": []},
                {"id": "a42", "label": "仍无画面", "steps": [{**repair[1], "id": "s42"}]},
            ],
        },
    ]
    steps: list[dict[str, Any]] = [
        {"id": "s1", "type": "say", "text": "您好，请问您是家里电视没有信号吗？我来帮您排查一下。"},
        {
            "id": "s2",
            "type": "ask",
            "text": "请看一下机顶盒面板上的指示灯是什么颜色？",
            "answers": [
                {"id": "a1", "label": "红灯", "steps": red},
                {"id": "a2", "label": "不亮", "steps": off},
                {"id": "a3", "label": "绿灯", "steps": green},
            ],
        },
    ]
    if guide:
        steps.append({"id": "s50", "type": "link", "article": guide, "text": "详细处理步骤见"})
    steps.append({"id": "s51", "type": "say", "text": "感谢您的来电，祝您生活愉快。"})
    return {"steps": steps, "next_id": 60}


BROADBAND_TREE: dict[str, Any] = {
    "next_id": 20,
    "steps": [
        {"id": "s1", "type": "say", "text": "您好，请问是宽带上不了网吗？"},
        {
            "id": "s2",
            "type": "ask",
            "text": "光猫上的 LOS 灯是否红灯闪烁？",
            "answers": [
                {
                    "id": "a1",
                    "label": "红灯闪烁",
                    "steps": [
                        {"id": "s3", "type": "say", "text": "光纤信号中断，需要维修员上门检查。"},
                        {
                            "id": "s4",
                            "type": "suggest",
                            "order_type": "broadband-repair",
                            "statistic_item": "fault-broadband",
                        },
                    ],
                },
                {
                    "id": "a2",
                    "label": "不闪",
                    "steps": [
                        {
                            "id": "s5",
                            "type": "say",
                            "text": "请将光猫和路由器断电 1 分钟后重新通电，再试一下。",
                        }
                    ],
                },
            ],
        },
    ],
}


def build_call_script_demo() -> int:
    """Two published call scripts (once; after the order types exist): 无信号 for the TV
    fault key of the IVR and 宽带 for the broadband key. Returns the scripts created."""
    from hotline.catalog.models import StatisticItem
    from hotline.knowledge.models import CallScript
    from hotline.knowledge.services.scripts import ScriptSettings, script_create, script_save

    editor = User.objects.filter(username="editor").first()
    if editor is None or CallScript.objects.exists():
        return 0
    queues: dict[str, Any] = {}
    try:
        from hotline.routing.models import Queue

        queues = {q.code: q for q in Queue.objects.filter(code__in=["tv", "net"])}
    except ImportError:
        pass
    items = {i.code: i for i in StatisticItem.objects.filter(code__in=["fault-no-signal"])}
    guide = (
        Article.objects.published().filter(title__contains="机顶盒").values_list("pk", flat=True)
    ).first()
    made = 0
    for name, description, tree, ivr, queue, item in [
        (
            "电视无信号（数字机顶盒）",
            "按机顶盒指示灯排查，排查无效开故障维修工单",
            _no_signal_tree(guide),
            ["main:1", "tv"],
            "tv",
            "fault-no-signal",
        ),
        (
            "宽带无法上网",
            "看光猫 LOS 灯，光路中断开宽带维修工单",
            BROADBAND_TREE,
            ["main:2", "net"],
            "net",
            "",
        ),
    ]:
        script = script_create(
            data=ScriptSettings(
                name=name,
                description=description,
                ivr_choices=ivr,
                queues=[queues[queue]] if queue in queues else [],
                statistic_items=[items[item]] if item in items else [],
            ),
            by=editor,
            tree=tree,
        )
        script_save(script=script, by=editor, note="初版", publish_it=True)
        made += 1
    return made

"""Knowledge-base search: index build time, index size and query latency.

    python bench/kb_search.py --articles 100000 [--database URL] [--var-dir DIR] [--reuse]

Generates realistic Chinese articles of a cable-TV / broadband hotline (fault guides,
policies, business how-tos, area announcements; titles of 8–20 characters, bodies of a few
hundred), spread over directories, groups, areas and five years of publication dates.
Then rebuilds the search index with ``reindex_all`` (segmentation + batched writes; that is
"build_s"), measures its size, and times ``article_search`` as an agent bound to the whole
city and as one bound to a district (group and area filters on) for a mix of queries: single
words common and rare, two words, synonyms, pinyin initials. The time is the whole search:
parsing, matching, ranking, loading the page of 20 and making the snippets.
Last line: {"db": …, "articles": N, "p50_ms": …, "p99_ms": …, "build_s": …, "index_mb": …}.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

# bench/ holds a calendar.py, which would shadow the standard library's for this script.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

DEVICES = ("机顶盒", "智能卡", "遥控器", "光猫", "路由器", "高清机顶盒", "电视机", "分配器", "网线")
SYMPTOMS = (
    "无信号", "黑屏", "马赛克", "花屏", "画面卡顿", "无法开机", "指示灯不亮", "频道丢失",
    "声音异常", "提示智能卡未插入", "网速慢", "频繁掉线", "红灯闪烁", "无法登录", "画面定格",
)  # fmt: skip
ACTIONS = (
    "重启设备", "检查信号线是否松动", "重新插拔智能卡", "恢复出厂设置", "更换遥控器电池",
    "检查分配器接头", "核对用户账户余额", "登记报修并派单", "确认片区是否停电",
    "指导用户重新搜索频道", "检查光猫光信号", "更换网线", "升级机顶盒软件",
)  # fmt: skip
BUSINESS = (
    "缴费", "欠费停机", "复机", "订购高清互动包", "退订", "过户", "移机", "宽带提速",
    "发票开具", "营业厅地址", "积分兑换", "套餐变更", "开通点播", "报装",
)  # fmt: skip
PLACES = (
    "天宁区",
    "钟楼区",
    "新北区",
    "武进区",
    "金坛区",
    "溧阳市",
    "红梅新村",
    "青洋路",
    "湖塘镇",
)
CHANNELS = ("微信", "支付宝", "营业厅", "银行代扣", "96296热线")
KINDS = ("article", "article", "article", "policy", "announcement", "contacts")
DIRECTORY_OF = {"article": 0, "policy": 1, "announcement": 2, "contacts": 3}

QUERIES = (
    "机顶盒", "机顶盒 无信号", "智能卡", "缴费", "停电", "马赛克", "光猫 红灯", "遥控器",
    "宽带 掉线", "欠费停机 复机", "jdh", "znk", "盒子 重启", "STB 黑屏", "高清互动包",
    "恢复出厂设置", "营业厅地址", "天宁区 停电", "频道丢失", "网速慢 路由器",
    "指示灯不亮", "发票开具", "积分兑换", "分配器", "移机", "画面卡顿 机顶盒",
)  # fmt: skip


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def article_text(rng: random.Random) -> tuple[str, str, str]:
    """(kind, title, body) of one generated article."""
    kind = rng.choice(KINDS)
    device, symptom = rng.choice(DEVICES), rng.choice(SYMPTOMS)
    if kind == "announcement":
        place = rng.choice(PLACES)
        title = f"{place}{rng.choice(('计划停电', '光缆割接', '网络升级', '线路维护'))}公告"
        lines = [
            f"因{rng.choice(('电力检修', '道路施工', '光缆迁改', '设备升级'))}，{place}部分小区"
            f"将于{rng.randint(1, 28)}日{rng.randint(8, 14)}时至{rng.randint(15, 20)}时暂停"
            f"有线电视和宽带服务。",
            f"用户来电反映{device}{symptom}的，请先告知本公告，无需派单。",
        ]
    elif kind == "policy":
        business = rng.choice(BUSINESS)
        title = f"关于{business}业务办理的规定（{rng.randint(2019, 2026)}版）"
        lines = [
            f"用户办理{business}须持本人身份证，可通过{rng.choice(CHANNELS)}或"
            f"{rng.choice(CHANNELS)}办理。",
            f"座席受理时应核对用户姓名、地址和账户信息，{rng.choice(ACTIONS)}。",
        ]
    elif kind == "contacts":
        title = f"{rng.choice(PLACES)}{rng.choice(('维修站', '营业厅', '运维中心'))}联系电话"
        lines = [f"值班电话0519-{rng.randint(80000000, 89999999)}，服务时间8:30-17:30。"]
    else:
        title = f"{device}{symptom}{rng.choice(('处理办法', '的排查步骤', '怎么办', '故障处理'))}"
        lines = [f"用户反映{device}{symptom}时，按以下步骤处理："]
        for step, action in enumerate(rng.sample(ACTIONS, k=rng.randint(3, 6)), start=1):
            lines.append(f"{step}. {action}，观察{rng.choice(DEVICES)}是否恢复正常。")
        lines.append(
            f"仍不能解决的，{rng.choice(('登记报修并派单', '转二线支持', '预约上门维修'))}，"
            f"并告知用户{rng.choice(('24小时', '48小时'))}内处理。"
        )
    for _ in range(rng.randint(1, 4)):
        lines.append(
            f"注意：{rng.choice(BUSINESS)}相关问题请参考{rng.choice(PLACES)}的最新通知，"
            f"{rng.choice(SYMPTOMS)}时{rng.choice(ACTIONS)}。"
        )
    return kind, title, "\n".join(lines)


def build(count: int, rng: random.Random) -> None:
    from django.db import transaction
    from django.utils import timezone

    from hotline.accounts.models import Region
    from hotline.knowledge.models import Article, Directory, KnowledgeGroup, Tag
    from hotline.knowledge.sanitize import html_to_text

    with transaction.atomic():
        Article.objects.all().delete()
        everyone, _ = KnowledgeGroup.objects.get_or_create(
            name="全员", defaults={"everyone_reads": True}
        )
        restricted, _ = KnowledgeGroup.objects.get_or_create(name="班组长")
        directories = []
        for name in ("故障处理", "业务规定", "片区公告", "联系电话", "产品资费"):
            directory, _ = Directory.objects.get_or_create(
                name=name, parent=None, defaults={"group": everyone}
            )
            if not directory.path:
                directory.path = f"/{directory.pk}/"
                directory.save(update_fields=["path"])
            directories.append(directory)
        tags = [Tag.objects.get_or_create(name=n)[0] for n in (*DEVICES[:5], *BUSINESS[:5])]
    regions = list(Region.objects.exclude(level=Region.Level.CITY).values_list("pk", flat=True))
    now = timezone.now()
    through = Article.tags.through
    batch = 2000
    for start in range(0, count, batch):
        articles = []
        for _ in range(min(batch, count - start)):
            kind, title, text = article_text(rng)
            html = "".join(f"<p>{line}</p>" for line in text.split("\n"))
            published = now - datetime.timedelta(minutes=rng.randrange(5 * 365 * 24 * 60))
            announcement = kind == "announcement"
            articles.append(
                Article(
                    kind=kind,
                    title=title,
                    body_html=html,
                    body_text=html_to_text(html),
                    directory=directories[DIRECTORY_OF[kind]],
                    group=restricted if rng.random() < 0.1 else everyone,
                    region_id=rng.choice(regions) if announcement or rng.random() < 0.1 else None,
                    status="published",
                    published_at=published,
                    created_at=published,
                    updated_at=published,
                    valid_until=now + datetime.timedelta(days=rng.randint(-30, 30))
                    if announcement
                    else None,
                    version=1,
                )
            )
        with transaction.atomic():
            Article.objects.bulk_create(articles)
            through.objects.bulk_create(
                [
                    through(article_id=a.pk, tag_id=rng.choice(tags).pk)
                    for a in articles
                    if rng.random() < 0.5
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--database", default="")
    parser.add_argument("--var-dir", default="")
    parser.add_argument("--reuse", action="store_true", help="keep articles and index if present")
    parser.add_argument("--samples", type=int, default=400)
    args = parser.parse_args()

    os.environ["HOTLINE_VAR_DIR"] = args.var_dir or tempfile.mkdtemp(prefix="hotline-kb-")
    if args.database:
        from hotline.db import postgres_database_ensure

        postgres_database_ensure(args.database)
        os.environ["HOTLINE_DATABASE_URL"] = args.database
    else:
        os.environ.pop("HOTLINE_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from hotline.accounts.models import Region, Role, User
    from hotline.demo.builder import demo_build
    from hotline.knowledge.models import Article, SearchDocument, SynonymGroup
    from hotline.knowledge.search.backends import index_size_bytes
    from hotline.knowledge.search.engine import article_search
    from hotline.knowledge.search.index import reindex_all
    from hotline.knowledge.services.organisation import synonym_group_save

    call_command("migrate", interactive=False, verbosity=0)
    if not User.objects.filter(username="agent").exists():
        demo_build(customers=0, seed=2026)
    rng = random.Random(2026)
    reuse = args.reuse and Article.objects.count() == args.articles
    if not reuse:
        started = time.perf_counter()
        build(args.articles, rng)
        print(f"generated {args.articles} articles in {time.perf_counter() - started:.1f} s")
    admin = User.objects.get(username="admin")
    for terms in ("机顶盒 / 盒子 / STB", "光猫 / 光调制解调器 / ONU", "停机 / 欠费停机"):
        if not SynonymGroup.objects.filter(terms=terms).exists():  # --reuse keeps them
            synonym_group_save(by=admin, terms=terms)
    build_s = 0.0
    longest_batch_ms = longest_batch_cpu_ms = 0.0
    if not (reuse and SearchDocument.objects.count() == args.articles):
        result = reindex_all()
        build_s, longest_batch_ms = result.seconds, result.longest_batch_ms
        longest_batch_cpu_ms = result.longest_batch_cpu_ms
        print(
            f"indexed {result.documents} in {build_s:.1f} s,"
            f" longest batch transaction {longest_batch_ms:.0f} ms"
        )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE knowledge_searchdocument")
            cursor.execute("VACUUM ANALYZE knowledge_searchvector")
            cursor.execute("VACUUM ANALYZE knowledge_article")
        else:
            cursor.execute("ANALYZE")
    index_mb = index_size_bytes() / 1024 / 1024

    city_agent = User.objects.get(username="agent")
    district = Region.objects.filter(level=Region.Level.DISTRICT).order_by("code").first()
    district_agent, _ = User.objects.get_or_create(
        username="kb_bench_district", defaults={"role": Role.objects.get(code="agent")}
    )
    district_agent.regions.set([district])
    samples: dict[str, list[float]] = {"city": [], "district": []}
    cpu: list[float] = []
    hits: list[int] = []
    for label, user in (("city", city_agent), ("district", district_agent)):
        for query in QUERIES:  # warm-up: the first search of each kind loads the segmenter
            article_search(user=user, text=query)
        for _ in range(args.samples):
            query = rng.choice(QUERIES)
            started, used = time.perf_counter(), time.thread_time()
            result = article_search(user=user, text=query)
            samples[label].append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - used) * 1000)
            hits.append(len(result.hits))
    every = samples["city"] + samples["district"]
    summary = {
        "db": connection.vendor,
        "articles": args.articles,
        "p50_ms": round(statistics.median(every), 2),
        "p99_ms": round(percentile(every, 99), 2),
        "build_s": round(build_s, 1),
        "index_mb": round(index_mb, 1),
        "city_p99_ms": round(percentile(samples["city"], 99), 2),
        "district_p99_ms": round(percentile(samples["district"], 99), 2),
        "longest_batch_ms": round(longest_batch_ms, 1),
        "longest_batch_cpu_ms": round(longest_batch_cpu_ms, 1),
        # In-process CPU per query: the whole search on SQLite, the Python side on PostgreSQL.
        "cpu_p50_ms": round(statistics.median(cpu), 2),
        "cpu_p99_ms": round(percentile(cpu, 99), 2),
        "load_avg": round(os.getloadavg()[0], 1),
        "mean_hits_per_page": round(statistics.mean(hits), 1),
        "queries": len(every),
    }
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()

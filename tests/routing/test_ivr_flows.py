from __future__ import annotations

from hotline.routing.domain.ivr import Context, IvrWalk, preview, validate

FLOW = {
    "id": "root",
    "type": "hours",
    "calendar": "",
    "closed": {"id": "closed", "type": "callback", "queue": "tv"},
    "open": {
        "id": "main",
        "type": "menu",
        "prompt": "1 TV, 2 balance",
        "options": {
            "1": {"id": "tvq", "type": "queue", "queue": "tv", "priority": 5},
            "2": {
                "id": "bal",
                "type": "balance",
                "next": {"id": "again", "type": "goto", "target": "main"},
            },
        },
    },
}


def test_a_sound_flow_validates():
    assert validate(FLOW, queues={"tv"}) == []


def test_dead_ends_unknown_queues_and_loops_are_refused():
    bad = {
        "id": "root",
        "type": "menu",
        "prompt": "",
        "options": {
            "1": {"id": "p", "type": "play", "message": "hi"},
            "2": {"id": "q", "type": "queue", "queue": "nope"},
            "3": {"id": "g", "type": "goto", "target": "p"},
            "x": {"id": "h", "type": "hangup"},
        },
    }
    codes = {(p.node, p.code) for p in validate(bad, queues={"tv"})}
    assert ("p", "dead_end") in codes
    assert ("q", "unknown_queue") in codes
    assert ("g", "loop") in codes
    assert ("root", "bad_digit") in codes


def test_the_walk_follows_keys_business_hours_and_self_service():
    walk = IvrWalk(FLOW, Context(is_open=lambda c: True, balance=lambda: "balance 12.50"))
    actions = walk.start()
    assert [a.kind for a in actions] == ["play", "collect"]
    actions = walk.press("2")
    assert [(a.kind, a.text) for a in actions][:1] == [("play", "balance 12.50")]
    assert actions[-1].kind == "collect"  # back at the menu
    actions = walk.press("1")
    assert (actions[-1].kind, actions[-1].queue, actions[-1].priority) == ("queue", "tv", 5)
    assert [step.get("key") for step in walk.path if "key" in step] == ["2", "1"]


def test_closed_hours_take_the_closed_branch():
    actions = preview(FLOW, "", Context(is_open=lambda c: False))
    assert actions[-1].kind == "callback"


def test_wrong_keys_repeat_the_menu_then_hang_up():
    walk = IvrWalk(FLOW)
    walk.start()
    assert walk.press("9")[-1].kind == "collect"
    assert walk.press(None)[-1].kind == "hangup"

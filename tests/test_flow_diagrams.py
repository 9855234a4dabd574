"""docs/*-dialogue.mmd are drawn from the flow tables and never drift from them."""

from __future__ import annotations

from bot.cli.flows import diagrams, stale
from bot.flows import END, Flow, On, Step, Typed, mermaid
from handlers import ROUTERS
from handlers.screening import ScreeningStep


def test_every_diagram_in_docs_matches_its_flow_table():
    assert not stale(), "run `loaphuong flows` and commit docs/*.mmd"


def test_every_router_with_a_dialogue_has_a_diagram():
    drawn = {path.name for path in diagrams()}
    assert drawn == {f"{router.name}-dialogue.mmd" for router in ROUTERS if router.flows}
    assert {"screening-dialogue.mmd", "alerts-dialogue.mmd", "privacy-dialogue.mmd"} <= drawn


async def _ask(_ctx):  # pragma: no cover - never asked, only drawn
    raise AssertionError


def test_a_step_added_to_a_table_appears_in_its_diagram():
    async def handler(_incoming, _ctx):  # pragma: no cover - never run, only drawn
        return None

    S = ScreeningStep
    flow = Flow(
        "demo",
        started_by={"/demo": S.CONSENT},
        role="staff",
        back_data="demo:back",
        steps={
            S.CONSENT: Step(_ask, buttons=(On("demo:yes", handler, to=(S.NAME,)),)),
            S.NAME: Step(_ask, typed=Typed(handler, to=(END,)), back=S.CONSENT),
        },
    )
    drawn = mermaid([flow], "demo.py")
    for line in (
        "[*] --> demo_CONSENT: /demo",
        "demo_CONSENT --> demo_NAME: demo:yes",
        "demo_NAME --> [*]: gõ",
        "demo_NAME --> demo_CONSENT: demo:back",
        "role staff, checked at every step",
    ):
        assert line in drawn

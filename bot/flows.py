"""Dialogues declared as flows: one table per feature.

Like python-telegram-bot's `ConversationHandler(states={…})` with aiogram's declared
states, a `Flow` lists its steps; each `Step` holds the question (which builds the text
and the buttons it offers), the buttons valid at that step with their handlers and where
they lead, the handler for typed input, and where "Quay lại" goes. The flow's role is
required at every step. The dispatcher (bot/routing.py) enforces the table:

- a button of the flow pressed at another step re-asks the current question;
- a button of the flow pressed once the flow has ended is an old button;
- typed text at a step is first read as one of the buttons the question offers (its
  label in any case, with or without diacritics, a small typo, its number, a yes/no
  word); only what is none of them goes to the step's typed handler.

The tables also draw the Mermaid diagrams in docs/ (`loaphuong flows`).

A new dialogue, in its handlers module (handlers/privacy.py is the smallest example):

    FLOW = router.flow(Flow(
        "survey", started_by={"/khaosat": SurveyStep.ASK}, chats=PRIVATE,
        way_out=(On("survey:quit", quit_survey, to=(END,), words=("thôi",)),),
        steps={SurveyStep.ASK: Step(ask, buttons=(
            On("survey:yes", save_yes, to=(END,), means=Means.YES),
            On("survey:no", save_no, to=(END,), means=Means.NO),
        ))},
    ))

its command handler calls `await FLOW.go_to(ctx, SurveyStep.ASK)` (or `FLOW.start(…)` to
replace whatever dialogue was under way), and each handler moves
on with `FLOW.go_to(ctx, next_step, **answers)` or ends with `ctx.end_dialogue()`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum, StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from bot.core import Button, ChatKind, Incoming, Reply
from bot.state import step_name
from content.text import fold

if TYPE_CHECKING:
    from bot.routing import Context, Handler

Question = Callable[["Context"], Awaitable[Reply]]

# A flow ends here (diagrams draw it as [*]).
END = "END"


class Means(StrEnum):
    """What a yes/no word typed at a step stands for."""

    YES = "yes"
    NO = "no"


# Folded, whole answers only: "dạ" alone is yes, "dạ không" is not "dạ".
YES_WORDS = frozenset(
    {"co", "u", "uh", "um", "uhm", "uk", "ok", "oke", "oki", "okie", "okay", "dong y", "vang"}
    | {"da", "duoc", "dc", "yes", "y"}
)
NO_WORDS = frozenset(
    {"khong", "ko", "k", "kg", "khg", "hong", "hok", "thoi", "no", "khong dong y", "khong can"}
)
# A thumbs-up typed alone is a yes (folding would drop it as punctuation).
_EMOJI_WORDS = {"👍": "ok", "👌": "ok", "🆗": "ok", "👎": "khong"}
# Typed, these are the flow's "Quay lại" button.
BACK_WORDS = frozenset({"quay lai", "tro lai", "lui lai", "back"})
# Politeness at the end of an answer ("đồng ý ạ", "xong rồi nhé") changes nothing.
_TAIL_WORDS = frozenset({"a", "nhe", "nha", "roi", "oi", "ban", "nhi", "di", "em", "chau"})
# "kí" and "ký" are both correct spellings (so are "lí"/"lý", "mĩ"/"mỹ"): compared as one.
_I_OR_Y = re.compile(r"\b([hklmst])y\b")
# Between the items of a typed list: "trẻ em, tiêm chủng và dịch bệnh".
_LIST_SEPARATOR = re.compile(r"\s*[,;+&/]\s*|\s+(?:và|va)\s+", re.IGNORECASE)
# A label this close (rapidfuzz ratio, 0–100) is a typo of it: "xac nahn" → "xác nhận".
TYPO_SCORE = 85
# A typed part of a label must be this long to count ("ban than" for "Cho bản thân").
MIN_PART = 3
# Labels and button words this short are folded once and remembered: a step's buttons are
# read again at every answer; long texts would only fill memory.
REMEMBERED_KEY_LENGTH = 64


@dataclass(frozen=True)
class On:
    """A button valid at a step: `data` exactly, or any data starting with it when it
    ends with ":"; `to` is where it may lead (drawn in the diagram)."""

    data: str
    handler: Handler
    to: tuple[Enum | str, ...] = ()
    means: Means | None = None
    words: tuple[str, ...] = ()

    def matches(self, data: str) -> bool:
        return data.startswith(self.data) if self.data.endswith(":") else data == self.data


@dataclass(frozen=True)
class Typed:
    """What typed text at a step does when it is none of the step's buttons."""

    handler: Handler
    to: tuple[Enum | str, ...] = ()
    label: str = "gõ"


@dataclass(frozen=True)
class Step:
    """`lets_go`: typed text that is none of the buttons ends the dialogue and is read as
    if no dialogue were running (a question after the greeting goes to the FAQ).
    `several`: its buttons that keep the dialogue at this step (toggles) may be typed
    several at once, "trẻ em, tiêm chủng" or "2 3 7": each is pressed in turn."""

    ask: Question
    buttons: tuple[On, ...] = ()
    typed: Typed | None = None
    back: Enum | None = None
    lets_go: bool = False
    several: bool = False


@dataclass
class Flow:
    """One feature's dialogue. `back_data` is its "Quay lại" button (each step's `back`
    says where it goes); `way_out` buttons (e.g. "Hủy") are valid at every step."""

    name: str
    steps: Mapping[Enum, Step]
    started_by: Mapping[str, Enum]
    role: str | None = None
    chats: frozenset[ChatKind] = frozenset(ChatKind)
    back_data: str | None = None
    way_out: tuple[On, ...] = ()
    _by_name: dict[str, Enum] = field(init=False, repr=False)
    # Its buttons' data, whole and prefixes ("topic:"): every button pressed is looked up.
    _exact_data: frozenset[str] = field(init=False, repr=False)
    _data_prefixes: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name = {step_name(step): step for step in self.steps}
        data = [on.data for on in self._all_buttons()]
        exact = {d for d in data if not d.endswith(":")}
        self._exact_data = frozenset(exact if self.back_data is None else {*exact, self.back_data})
        self._data_prefixes = tuple(d for d in data if d.endswith(":"))

    def step_of(self, state_step: str | None) -> Enum | None:
        return self._by_name.get(state_step or "")

    def step_in(self, ctx: Context) -> Enum | None:
        """This chat's step of this flow; None outside it (no dialogue, or another's)."""
        return self.step_of(ctx.state.step if ctx.state else None)

    def step_names(self) -> Iterable[str]:
        return self._by_name

    def owns(self, data: str) -> bool:
        return data in self._exact_data or data.startswith(self._data_prefixes)

    def button_data(self) -> set[str]:
        """Every button (or button prefix) of the flow."""
        found = {on.data for on in self._all_buttons()}
        return found | {self.back_data} if self.back_data else found

    def button_at(self, step: Enum, data: str) -> On | None:
        """The handler of `data` at `step`; None when the button belongs elsewhere."""
        return next(
            (on for on in (*self.steps[step].buttons, *self.way_out) if on.matches(data)), None
        )

    def _all_buttons(self) -> Iterable[On]:
        for step in self.steps.values():
            yield from step.buttons
        yield from self.way_out

    async def go_to(self, ctx: Context, step: Enum, note: str = "", **data: Any) -> Reply:
        """Move to `step` (keeping `data`) and ask its question, after an optional note."""
        await ctx.set_step(step, **data)
        question = await self.steps[step].ask(ctx)
        text = f"{note}\n\n{question.text}" if note else question.text
        return Reply(text, question.buttons, photo=question.photo)

    async def start(self, ctx: Context, step: Enum, **data: Any) -> Reply:
        """Begin this flow afresh at `step`, whatever dialogue was under way: the new step
        replaces it in one write, where ending it first took a second one."""
        ctx.state = None
        return await self.go_to(ctx, step, **data)

    async def go_back(self, ctx: Context, step: Enum) -> Reply:
        back = self.steps[step].back
        return await self.go_to(ctx, back if back is not None else step)


def read_answer(typed: str, step: Step, flow: Flow, buttons: list[Button]) -> list[Button]:
    """The buttons `typed` may mean, best first; one when it is clear, several when it is
    ambiguous, none when it is no button at all."""
    answer = folded_answer(typed)
    if not answer or not buttons:
        return []
    declared = {on.data: on for on in (*step.buttons, *flow.way_out)}

    def on_of(button: Button) -> On | None:
        return declared.get(button.data) or next(
            (on for on in declared.values() if on.matches(button.data)), None
        )

    def words_of(button: Button) -> frozenset[str]:
        if button.data == flow.back_data:
            return BACK_WORDS
        on = on_of(button)
        return _keys((*(on.words if on else ()), *button.words))

    exact = [b for b in buttons if _key(b.text) == answer or answer in words_of(b)]
    if exact:
        return exact
    if answer.isdigit() and step.typed is None and 1 <= int(answer) <= len(buttons):
        return [buttons[int(answer) - 1]]
    for means, words in ((Means.YES, YES_WORDS), (Means.NO, NO_WORDS)):
        if answer in words:
            meant = [b for b in buttons if (on := on_of(b)) is not None and on.means is means]
            if meant:
                return meant[:1]
    # Where free text is expected (a name, an alert), only a whole label counts: "Bà con
    # quay lại trạm" is an alert's text, not the "Quay lại" button.
    partial = step.typed is None
    return [b for b in buttons if _close(answer, _key(b.text), partial=partial)]


def read_several(typed: str, at: Enum, flow: Flow, buttons: list[Button]) -> list[Button]:
    """The toggles `typed` names when it names two or more ("trẻ em, tiêm chủng", "2 3 7"),
    each one clearly; else none, and the answer is read as one."""
    step = flow.steps[at]
    numbers = folded_answer(typed).split()
    if len(numbers) > 1 and all(number.isdigit() for number in numbers):
        parts = numbers
    else:
        parts = [part for part in _LIST_SEPARATOR.split(typed) if part.strip()]
    if not step.several or len(parts) < 2:
        return []
    toggles = [
        b for b in buttons if (on := flow.button_at(at, b.data)) is not None and on.to == (at,)
    ]
    meant = [read_answer(part, step, flow, buttons) for part in parts]
    if any(len(one) != 1 or one[0] not in toggles for one in meant):
        return []
    return list(dict.fromkeys(one[0] for one in meant))


def _without_tail(answer: str) -> str:
    words = answer.split()
    while len(words) > 1 and words[-1] in _TAIL_WORDS:
        words.pop()
    return " ".join(words)


def _close(answer: str, label: str, *, partial: bool) -> bool:
    if not label:
        return False
    # "Tổ 99" is no typo of "Tổ 9": numbers must be typed exactly.
    if fuzz.ratio(answer, label) >= TYPO_SCORE and not any(ch.isdigit() for ch in answer):
        return True
    if not partial:
        return False
    padded_answer, padded_label = f" {answer} ", f" {label} "
    part_of_label = len(answer) >= MIN_PART and padded_answer in padded_label
    label_in_answer = len(label) >= MIN_PART + 1 and padded_label in padded_answer
    return part_of_label or label_in_answer


def pressed(incoming: Incoming, data: str) -> Incoming:
    """The typed answer as the press of the button it means."""
    return replace(incoming, text=None, button=data)


def folded_answer(text: str) -> str:
    """`text` folded, without the politeness at its end: "Cảm ơn nhiều nhé!" → "cam on nhieu";
    "kí" and "ký" spelt alike: "Đăng kí khám" → "dang ki kham"."""
    # Not remembered: what residents type may hold a name or a phone number.
    return _without_tail(_folded_key(text))


def _key(text: str) -> str:
    """A label or a word as typed answers are compared with it."""
    return _remembered_key(text) if len(text) <= REMEMBERED_KEY_LENGTH else _folded_key(text)


def _folded_key(text: str) -> str:
    for emoji, word in _EMOJI_WORDS.items():
        text = text.replace(emoji, f" {word} ")
    return _I_OR_Y.sub(r"\1i", fold(text))


_remembered_key = lru_cache(maxsize=4096)(_folded_key)


@lru_cache(maxsize=1024)
def _keys(words: tuple[str, ...]) -> frozenset[str]:
    """A button's words as typed answers are compared with them (a button set's words
    come back at every answer to its step)."""
    return frozenset(_key(word) for word in words)


def mermaid(flows: Iterable[Flow], source: str) -> str:
    """The flows as one Mermaid state diagram, drawn from their tables only."""
    lines = [
        f"%% Generated from the flow tables in {source} by `loaphuong flows`; do not edit.",
        "stateDiagram-v2",
    ]
    for flow in flows:
        lines.append(f'    state "{flow.name}" as {flow.name} {{')
        for label, step in flow.started_by.items():
            lines.append(f"        [*] --> {_node(flow, step)}: {label}")
        for (source, target), labels in _edges(flow).items():
            lines.append(f"        {source} --> {target}: {' / '.join(labels)}")
        lines.append("    }")
        notes = [f"{on.data} ends it at any step" for on in flow.way_out]
        if flow.role:
            notes.append(f"role {flow.role}, checked at every step")
        if notes:
            lines.append(f"    note right of {flow.name}: {'; '.join(notes)}")
    return "\n".join(lines) + "\n"


def _edges(flow: Flow) -> dict[tuple[str, str], list[str]]:
    """(from, to) → what leads there, in table order: one arrow per pair of steps."""
    edges: dict[tuple[str, str], list[str]] = {}
    for step, spec in flow.steps.items():
        leads = [(on.data, to) for on in spec.buttons for to in on.to]
        if spec.typed is not None:
            leads += [(spec.typed.label, to) for to in spec.typed.to]
        if spec.back is not None and flow.back_data:
            leads.append((flow.back_data, spec.back))
        for label, to in leads:
            edges.setdefault((_node(flow, step), _node(flow, to)), []).append(label)
    return edges


def _node(flow: Flow, step: Enum | str) -> str:
    return "[*]" if step == END else f"{flow.name}_{step.name}"  # type: ignore[union-attr]

"""Who receives a broadcast: a filter over active subscribers."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from sqlalchemy import Select, exists, select

from bot.models.core import Subscriber, SubscriberTopic

# A subscriber of this topic receives every topic.
EVERYTHING = "chung"


@dataclass
class Audience:
    """Empty lists mean "no filter": topics=[] is everyone, areas=[] every tổ dân phố."""

    topics: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=lambda: ["private", "group"])
    subscriber_ids: list[int] | None = None

    def where(self, query: Select) -> Select:  # type: ignore[type-arg]
        """Narrow a query over Subscriber to this audience (active subscribers only)."""
        query = query.where(Subscriber.active.is_(True), Subscriber.kind.in_(self.kinds))
        if self.channels:
            query = query.where(Subscriber.channel.in_(self.channels))
        if self.areas:
            query = query.where(Subscriber.area.in_(self.areas))
        if self.subscriber_ids is not None:
            query = query.where(Subscriber.id.in_(self.subscriber_ids))
        if self.topics:
            wanted = [*self.topics, EVERYTHING]
            query = query.where(
                exists().where(
                    SubscriberTopic.subscriber_id == Subscriber.id,
                    SubscriberTopic.topic.in_(wanted),
                )
            )
        return query

    def subscribers(self) -> Select:  # type: ignore[type-arg]
        return self.where(select(Subscriber)).order_by(Subscriber.id)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Audience:
        return cls(**json.loads(text or "{}"))

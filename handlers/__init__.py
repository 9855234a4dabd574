"""Channel-agnostic dialogue: one module per capability, each exposing `router`.

The order matters only for free text: the first router with a fallback
(`@router.text()`, the FAQ) answers text that no dialogue step claims.
"""

from handlers import (
    alerts,
    faq,
    groups,
    news,
    privacy,
    rumors,
    screening,
    staff_tools,
    subscribe,
    survey,
)

ROUTERS = [
    subscribe.router,
    news.router,
    groups.router,
    alerts.router,
    rumors.router,
    staff_tools.router,
    screening.router,
    privacy.router,
    survey.router,
    faq.router,
]

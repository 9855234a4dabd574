"""Channel-agnostic dialogue: one module per capability, each exposing `router`.

The order matters only for free text: the first router with a fallback
(`@router.text()`, the FAQ) answers text that no dialogue step claims.
"""

from handlers import groups, subscribe

ROUTERS = [
    subscribe.router,
    groups.router,
]

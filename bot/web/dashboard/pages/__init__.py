"""Dashboard pages, one module per feature; each has TITLE, PATH (for the menu) and routes."""

from bot.web.dashboard.pages import (
    alerts,
    audit,
    broadcasts,
    calendar,
    faq,
    news,
    overview,
    rumors,
    screening,
    survey,
)

PAGES = [overview, calendar, broadcasts, alerts, news, survey, screening, rumors, faq, audit]

"""Dashboard pages, one module per feature; each has TITLE, PATH (for the menu) and routes."""

from bot.web.dashboard.pages import alerts, audit, overview

PAGES = [overview, alerts, audit]

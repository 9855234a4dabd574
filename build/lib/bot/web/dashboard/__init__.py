"""The staff dashboard at /admin: login, then pages for each feature (Vietnamese, phone-friendly).

Everything is served from this machine (templates, CSS, server-side SVG charts):
a station without internet still has its dashboard.
"""

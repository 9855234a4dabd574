"""Free health screening (seed 004): sessions, registrations, lists, exports, reports."""

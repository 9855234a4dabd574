"""Scheduled observance messages, in three layers (scheduler.py wires them to APScheduler):

plan.py     `plan(start, end)`: pure, from the calendar to the dated sends (no DB, no clock)
texts.py    what each recipient reads: only their topics' observances, in their language
run.py      `run_due(now, database)`: due sends become broadcasts in the outbox, once each
"""

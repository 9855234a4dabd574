"""Durable delivery: broadcasts become one outbox row per recipient; workers send them.

audience.py   who receives a broadcast (topics, areas, channels, chat kinds)
broadcasts.py create/cancel a broadcast, count its progress
split.py      long texts → platform-sized parts, on paragraph boundaries
pacing.py     token bucket, per-chat spacing, pauses (429)
store.py      the outbox table: claim with a lease, record results, expire leases
worker.py     OutboxRunner: claims, paces, sends through the channel adapters
"""

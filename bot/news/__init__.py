"""Health news points (điểm tin y tế): items staff add, and the per-recipient digests."""

"""Local stand-ins for the platforms (Telegram Bot API, Zalo Bot Platform, Zalo OA) and a
runner for the real `loaphuong run`: what tests and benchmarks talk to instead of the
network. Part of the package, so `loaphuong bench …` works from an installed wheel."""

"""Benchmarks: `loaphuong bench <name> [--json]`.

Each module here exposing `add_arguments(parser)` and `run(args) -> dict` is a
benchmark named after the module, found by bot/cli/bench.py. `run` returns the
figures; the command prints them as one JSON line with --json. Keep top-level
imports light (the modules are imported to build `--help`); import the code under
test inside `run`.
"""

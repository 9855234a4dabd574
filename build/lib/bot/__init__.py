"""Loa phường runtime: configuration, storage, channel adapters, outbox, web app, CLI."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("loaphuong")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

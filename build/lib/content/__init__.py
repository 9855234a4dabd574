"""Content library: data a health worker can review (YAML, Markdown) and its loaders."""

from pathlib import Path

CONTENT_DIR = Path(__file__).resolve().parent

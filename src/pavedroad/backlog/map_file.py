"""The impact map as a file: read (`map_read`), written to the store (`map_write`), exported
(`map_export`). The names other modules use are gathered here."""

from __future__ import annotations

from pavedroad.backlog.map_export import map_document, mermaid_label, to_mermaid, to_yaml
from pavedroad.backlog.map_read import (
    MAX_MAP_BYTES,
    ActorSpec,
    GoalSpec,
    ImpactSpec,
    read_map,
    read_map_file,
)
from pavedroad.backlog.map_write import MapImportReport, apply_map

__all__ = [
    "MAX_MAP_BYTES",
    "ActorSpec",
    "GoalSpec",
    "ImpactSpec",
    "MapImportReport",
    "apply_map",
    "map_document",
    "mermaid_label",
    "read_map",
    "read_map_file",
    "to_mermaid",
    "to_yaml",
]

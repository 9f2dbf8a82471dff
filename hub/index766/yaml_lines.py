"""Where a value sits in a YAML document: the line a person should look at when a file is
refused. PyYAML's composed node tree keeps every node's position."""

from __future__ import annotations

from collections.abc import Sequence

import yaml


def compose(text: str) -> yaml.Node | None:
    """The document's node tree (positions kept), or None for an empty document."""
    return yaml.compose(text, Loader=yaml.SafeLoader)


def line_of(root: yaml.Node | None, path: Sequence[str | int]) -> int | None:
    """The 1-based line of the deepest node `path` reaches (a mapping entry's key line, a
    sequence item's first line); None when the document is empty."""
    if root is None:
        return None
    node: yaml.Node = root
    line = node.start_mark.line + 1
    for step in path:
        if isinstance(node, yaml.MappingNode):
            entry = next((e for e in node.value if e[0].value == str(step)), None)
            if entry is None:
                break
            key, node = entry
            line = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if not 0 <= step < len(node.value):
                break
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            break
    return line

"""Edit a team file as a person would: append to it, keeping comments and layout."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.tokens import CommentToken
from ruamel.yaml.util import load_yaml_guess_indent

from models.loader import team_from_document
from models.team import Team


def add_absence(text: str, name: str, who: str, first: dt.date, last: dt.date, reason: str) -> tuple[str, Team]:
    """The team file with `{who, from, to, reason}` appended to `absences:`, and the team it now describes.

    A round trip through ruamel keeps comments, quotes and the file's indentation; the new entry is one flow
    mapping line, as the examples write them. Raises TeamFileError if the result is not a valid team file.
    """
    _, sequence_indent, offset = load_yaml_guess_indent(text)
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a line the person wrote
    yaml.indent(mapping=2, sequence=sequence_indent or 2, offset=offset or 0)
    # The same date twice (a one-day absence) would otherwise be written once with an anchor (&id001) and once
    # as an alias: valid YAML, but not what a person writes.
    yaml.representer.ignore_aliases = lambda *_: True
    document: Any = yaml.load(text)
    entry = CommentedMap([("who", who), ("from", first), ("to", last), ("reason", reason)])
    entry.fa.set_flow_style()
    absences = document.get("absences")
    if not isinstance(absences, CommentedSeq):
        absences = CommentedSeq()
        document["absences"] = absences
    absences.append(entry)
    _move_blank_lines(absences)
    team = team_from_document(document, name)
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue(), team


def _move_blank_lines(items: CommentedSeq) -> None:
    """Blank lines after the old last item belong after the new one (they separate `absences:` from what follows)."""
    if len(items) < 2:
        return
    entry = items.ca.items.get(len(items) - 2)
    if not entry or not isinstance(entry[0], CommentToken):
        return
    token = entry[0]
    kept = token.value.rstrip("\n") + "\n"
    extra = token.value[len(kept) :]
    if extra:
        token.value = kept
        items.ca.items[len(items) - 1] = [
            CommentToken("\n" + extra, token.start_mark, None),
            *[None] * (len(entry) - 1),
        ]

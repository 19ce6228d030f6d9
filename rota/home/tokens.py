"""Secret feed tokens (docs/spec.md §11): one per feed, for the life of the team, kept in the home's
`feed-tokens.json`, readable by its owner only.

The tokens belong to the team, not to a period: `generate` makes the missing ones for every feed of the team
(the team feed, each role, each member) whichever command runs first, so a subscription URL never changes from
one quarter to the next. A lone rota directory keeps its own file inside it, carried into every new version.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path

from models.errors import InputError
from models.team import Team
from rota.home import commit
from rota.home.home import TOKENS_FILE, Home

TOKEN_BYTES = 32  # 256 bits from the OS's CSPRNG: far past guessing, even online at any rate
TEAM_FEED = "team"  # every assignment of the team; every other feed is a role or a member
FEED_NAME = re.compile(r"[a-z0-9_-]+")  # the member id alphabet, which role names share in practice

Tokens = dict[str, str]


def team_feeds(team: Team) -> list[str]:
    """Every feed of a team: everyone, each role in escalation order, each member."""
    return [TEAM_FEED, *team.role_names, *(m.id for m in team.members)]


def read_tokens(path: Path) -> Tokens:
    """The stored tokens; none if the file does not exist yet. A damaged file is an InputError saying the fix."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    return parse_tokens(raw, path)


def parse_tokens(raw: bytes, path: Path) -> Tokens:
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        document = None
    tokens = document.get("tokens") if isinstance(document, dict) else None
    if not isinstance(tokens, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in tokens.items()):
        raise InputError(
            f"{path}: not a feed token file; delete it and run `rota feeds` to make new tokens "
            "(every subscriber then needs the new URL)"
        )
    return dict(tokens)


def tokens_with(current: Tokens, feeds: Iterable[str]) -> Tokens:
    """`current`, with a new token for each feed that has none (existing tokens never change here)."""
    tokens = dict(current)
    tokens.update({feed: new_token() for feed in feeds if feed not in tokens})
    return tokens


def inherited_tokens(home: Home, earlier: Iterable[Path]) -> Tokens:
    """A home's tokens; where it has none yet, the last earlier rota directory's that has some (rota directories
    kept their own tokens before a home did), so that nobody has to resubscribe."""
    tokens = read_tokens(home.tokens_file)
    if tokens:
        return tokens
    sources = [p / TOKENS_FILE for p in earlier if (p / TOKENS_FILE).is_file()]
    return read_tokens(sources[-1]) if sources else {}


def tokens_bytes(tokens: Mapping[str, str]) -> bytes:
    return json.dumps({"tokens": dict(sorted(tokens.items()))}, indent=2).encode() + b"\n"


def ensure_tokens(home: Home, feeds: Iterable[str]) -> Tokens:
    """Every given feed's token, creating the missing ones under the home's lock."""
    with commit.locked(home.lock_file, str(home.root)):
        current = inherited_tokens(home, home.period_dirs())
        tokens = tokens_with(current, feeds)
        if tokens != read_tokens(home.tokens_file):
            commit.write_file(home.tokens_file, tokens_bytes(tokens), 0o600)
    return tokens


def revoke(home: Home, feed: str) -> str:
    """Replace one feed's token: its old URL answers 404 from the next request. Returns the new token."""
    with commit.locked(home.lock_file, str(home.root)):
        tokens = read_tokens(home.tokens_file)
        tokens[feed] = new_token()
        commit.write_file(home.tokens_file, tokens_bytes(tokens), 0o600)
    return tokens[feed]


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_matches(tokens: Mapping[str, str], feed: str, given: str | None) -> bool:
    """Constant-time check of a request's token against the feed's; an unknown feed compares against a dummy."""
    expected = tokens.get(feed)
    if expected is None or given is None:
        hmac.compare_digest("unknown feed or no token", "spend the same time")
        return False
    return hmac.compare_digest(given.encode(), expected.encode())

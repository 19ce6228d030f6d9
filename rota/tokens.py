"""Secret feed tokens (SPEC §11): one per feed, kept in `<rota dir>/feed-tokens.json`, readable by its owner only.

The file belongs to the directory, not to one version of the rota: `rotadir.publish` carries it into every new
version, so a subscription URL keeps working through `cover`, `swap`, `update` and `generate --force`.
"""

from __future__ import annotations

import hmac
import json
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path

from models.errors import InputError
from rota.rotadir import locked

TOKENS_FILE = "feed-tokens.json"
TOKEN_BYTES = 32  # 256 bits from the OS's CSPRNG: far past guessing, even online at any rate
TEAM_FEED = "team"  # served from rota.ics; every other feed is feeds/<name>.ics
FEED_NAME = re.compile(r"[a-z0-9_-]+")  # the member id alphabet, which role names share in practice

Tokens = dict[str, str]


def feed_file(rota_dir: Path, feed: str) -> Path | None:
    """The file a feed is served from, or None for a name that cannot be a feed (so never a path outside)."""
    if not FEED_NAME.fullmatch(feed):
        return None
    return rota_dir / "rota.ics" if feed == TEAM_FEED else rota_dir / "feeds" / f"{feed}.ics"


def feed_names(rota_dir: Path) -> list[str]:
    """The feeds a rota directory holds, as on disk: `team`, then each `feeds/<name>.ics`, sorted."""
    names = [TEAM_FEED] if (rota_dir / "rota.ics").is_file() else []
    feeds = rota_dir / "feeds"
    if feeds.is_dir():
        names += sorted(p.stem for p in feeds.glob("*.ics") if FEED_NAME.fullmatch(p.stem) and p.stem != TEAM_FEED)
    return names


def require_rota_dir(rota_dir: Path) -> None:
    if not rota_dir.is_dir() or not (rota_dir / "rota.ics").is_file():
        raise InputError(
            f"{rota_dir}: not a rota directory (no rota.ics); give the directory `rota generate` wrote, "
            "e.g. rota-2027Q1"
        )


def read_tokens(rota_dir: Path) -> Tokens:
    """The stored tokens; none if the file does not exist yet. A damaged file is an InputError saying the fix."""
    path = rota_dir / TOKENS_FILE
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


def ensure_tokens(rota_dir: Path, feeds: Iterable[str]) -> Tokens:
    """Every given feed's token, creating the missing ones (existing tokens never change here)."""
    with locked(rota_dir):
        tokens = read_tokens(rota_dir)
        missing = [feed for feed in feeds if feed not in tokens]
        if missing:
            tokens.update({feed: new_token() for feed in missing})
            _write_tokens(rota_dir, tokens)
    return tokens


def inherit_tokens(rota_dir: Path, earlier: Iterable[Path]) -> None:
    """A new rota directory takes the feed tokens of the last earlier rota directory given that has them (the
    team file's `history:` first, then `--history` in order), so that subscribers keep their URLs from one
    quarter to the next. A directory with tokens of its own keeps them."""
    sources = [p for p in earlier if (p / TOKENS_FILE).is_file()]
    if not sources:
        return
    with locked(rota_dir):
        if (rota_dir / TOKENS_FILE).exists():
            return
        _write_tokens(rota_dir, read_tokens(sources[-1]))


def revoke(rota_dir: Path, feed: str) -> str:
    """Replace one feed's token: its old URL answers 404 from the next request. Returns the new token."""
    with locked(rota_dir):
        tokens = read_tokens(rota_dir)
        tokens[feed] = new_token()
        _write_tokens(rota_dir, tokens)
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


def _write_tokens(rota_dir: Path, tokens: Tokens) -> None:
    """Write the file whole, 0600 from its first byte, then rename it over the old one: never half-written."""
    path = rota_dir / TOKENS_FILE
    temporary = rota_dir / f".{TOKENS_FILE}.{secrets.token_hex(8)}.tmp"
    data = json.dumps({"tokens": dict(sorted(tokens.items()))}, indent=2).encode() + b"\n"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    dir_fd = os.open(rota_dir, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)

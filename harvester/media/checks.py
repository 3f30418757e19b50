"""``-a media`` checked before any call: the kinds it names, then (under the crawl's settings) a store that can
work and takes a file, and, on the built-in sandbox, media URLs that lead somewhere."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..checks import guards
from ..exceptions import ArgumentError, ConfigurationError
from ..gateway.access import SANDBOX
from ..open1688.credentials import credential
from .roles import ARGUMENT, VIDEO, parse_roles
from .store import MediaStore

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings


def check_arguments(arguments: Mapping[str, Any], settings: BaseSettings | None = None) -> None:
    """ArgumentError (one line, what to give) for a bad ``-a media``; StorageError for a store that cannot work."""
    try:
        roles = parse_roles(arguments.get(ARGUMENT))
    except ValueError as error:
        raise ArgumentError(str(error)) from None
    if not roles or settings is None:
        return
    _check_writable(MediaStore.from_settings(settings))
    _check_sandbox_hosts(roles, settings)


def _check_writable(store: MediaStore) -> None:
    """A store the crawl cannot write would fail every download's row: refused now, in one line."""
    try:
        store.storage.check_writable()
    except OSError as error:
        raise ConfigurationError(
            f"HARVEST_MEDIA_STORE: cannot write to {store.show()} ({error}); give a folder "
            "or bucket this user can write"
        ) from None


def _check_sandbox_hosts(roles: frozenset[str], settings: BaseSettings) -> None:
    """The built-in sandbox names alicdn's hosts by default, where its made-up paths do not exist: every download
    would fail. Refused with the settings that point its media at itself."""
    gateway = guards.value(settings, "OPEN1688_GATEWAY")
    if gateway != SANDBOX and (gateway or credential(settings, "OPEN1688_APP_KEY")):
        return
    needed = []
    if roles - {VIDEO} and settings.get("OPEN1688_SANDBOX_IMAGE_HOST") != "sandbox":
        needed.append("-s OPEN1688_SANDBOX_IMAGE_HOST=sandbox")
    if VIDEO in roles and settings.get("OPEN1688_SANDBOX_VIDEO_HOST") != "sandbox":
        needed.append("-s OPEN1688_SANDBOX_VIDEO_HOST=sandbox")
    if needed:
        raise ArgumentError(
            f"-a media on the built-in sandbox: its media URLs point at the real CDN, where they do "
            f"not exist; add {' '.join(needed)}"
        )

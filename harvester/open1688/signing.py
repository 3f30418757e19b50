"""The gateway's `_aop_signature`, split into its steps so each can be pinned by vectors.

The steps follow botocore's signers: a canonical string, a string to sign,
then the MAC. Keeping them separate lets tests show *which* step a wrong
signature comes from, which matters because the well-known mistakes (sorting
keys instead of ``key+value`` strings, URL-encoding values, ``openapi/`` in the
path) each break a different step.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

SIGNATURE_PARAM = "_aop_signature"
TIMESTAMP_PARAM = "_aop_timestamp"
ACCESS_TOKEN_PARAM = "access_token"


def canonical_params(params: Mapping[str, str]) -> str:
    """Concatenate ``key + value`` strings, sorted as whole strings.

    Sorting the concatenations rather than the keys is what the official SDKs
    do; the two orders differ when one key is a prefix of another
    (``a``+``b2`` vs ``ab``+``1``).
    """
    return "".join(sorted(key + value for key, value in params.items() if key != SIGNATURE_PARAM))


def string_to_sign(url_path: str, params: Mapping[str, str]) -> str:
    """``urlPath`` followed by the canonical parameters.

    ``url_path`` runs from the protocol segment to the app key, with no leading
    slash, host or ``openapi/``: ``param2/1/system/currentTime/1000000``.
    """
    if url_path.startswith(("/", "openapi/", "http")):
        raise ValueError(f"url_path must start at the protocol segment, got {url_path!r}")
    return url_path + canonical_params(params)


def signature(secret: str, message: str) -> str:
    """HMAC-SHA1 of the message under the app secret, upper-case hex."""
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha1).hexdigest().upper()


def sign(url_path: str, params: Mapping[str, str], secret: str) -> str:
    """The ``_aop_signature`` value for a call whose parameters are already encoded strings."""
    return signature(secret, string_to_sign(url_path, params))


def verify(url_path: str, params: Mapping[str, str], secret: str) -> bool:
    """Constant-time check of the ``_aop_signature`` carried in ``params``."""
    given = params.get(SIGNATURE_PARAM, "")
    return hmac.compare_digest(given.upper(), sign(url_path, params, secret))

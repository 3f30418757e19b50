"""The test session's private S3-compatible server (``tests.support.s3_server.S3Server``) as pytest fixtures.

Each test gets a bucket of its own (``s3_bucket``), deleted with everything in
it afterwards, so tests sharing the server cannot see each other's objects.
Without moto's server mode the fixture skips, and conftest fails the session
for that skip.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.s3_server import S3Server, S3ServerMissing


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    server = S3Server()
    try:
        server.start()
    except S3ServerMissing as missing:
        server.close()
        pytest.skip(str(missing))
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def s3_bucket(s3_server: S3Server) -> Iterator[str]:
    """A bucket of this test's own; it and everything in it are deleted afterwards."""
    bucket = s3_server.bucket()
    yield bucket
    s3_server.drop(bucket)

"""The private S3 server of the test session answers on loopback, and a test's bucket is its own."""

from __future__ import annotations

import pyarrow.fs as pafs
import pytest

pytestmark = pytest.mark.s3


def test_private_server_answers_on_loopback_with_an_empty_bucket_of_its_own(s3_server, s3_bucket):
    assert s3_server.endpoint.startswith("http://127.0.0.1:")
    s3 = s3_server.filesystem()
    assert s3.get_file_info(pafs.FileSelector(s3_bucket, recursive=True)) == []
    with s3.open_output_stream(f"{s3_bucket}/probe") as stream:
        stream.write(b"1")
    with s3.open_input_stream(f"{s3_bucket}/probe") as stream:
        assert stream.read() == b"1"
    other = s3_server.bucket()
    try:
        assert s3.get_file_info(pafs.FileSelector(other, recursive=True)) == [], "buckets do not share objects"
    finally:
        s3_server.drop(other)
    assert s3.get_file_info(other).type == pafs.FileType.NotFound

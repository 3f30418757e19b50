import pytest

from harvester.exceptions import ArgumentError
from harvester.inputs.lines import BadLine, check_readable, stream_lines


def test_lines_and_bad_lines(tmp_path):
    path = tmp_path / "k.txt"
    path.write_bytes(
        "\ufeff保温杯\n\n  数据线  \n".encode()
        + b"\xff\xfe\x00garbage\n"
        + b"x" * 10_000_000
        + b"\nok\x00no\n\xe6\x89\x8b\xe6\x9c\xba\xe5\xa3\xb3"
    )
    assert list(stream_lines(str(path))) == [
        (1, "保温杯"),
        (3, "数据线"),
        BadLine(4, "not UTF-8 text"),
        BadLine(5, "longer than 4096 bytes"),
        BadLine(6, "holds control characters"),
        (7, "手机壳"),
    ]


def test_missing_file_is_an_argument_error(tmp_path):
    with pytest.raises(ArgumentError, match="no such file"):
        check_readable(str(tmp_path / "nope.txt"), "keywords_file")

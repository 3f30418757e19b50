import logging

from harvester.gateway.redaction import RedactingFilter


def test_message_args_and_traceback_are_masked():
    flt = RedactingFilter(["s3cr3t-value", "tok-123456"])
    try:
        raise RuntimeError("failed with tok-123456")
    except RuntimeError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "secret=%s", ("s3cr3t-value",), sys.exc_info())
    assert flt.filter(record)
    formatted = logging.Formatter().format(record)
    assert "s3cr3t-value" not in formatted and "tok-123456" not in formatted
    assert "secret=***" in formatted and "failed with ***" in formatted


def test_short_values_are_not_registered():
    flt = RedactingFilter(["abc", ""])
    assert flt.redact("abc") == "abc"

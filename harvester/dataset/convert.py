"""Row groups accumulated as plain tuples and converted to Arrow record batches column by column, fast.

Why tuples: a crawl buffers tens of thousands of rows between two writes,
and nested Python objects (lists of price tiers, lists of attribute
objects) kept alive that long make the cyclic garbage collector re-scan
them again and again. So each item is taken apart when it is added, with
C-level calls only (no Python frame per value):

- its flat columns become one tuple read by a single ``attrgetter`` call;
- each list column becomes one tuple per row holding its elements (one
  tuple of struct fields per element, read by ``attrgetter`` too), or
  None for a null list.

Tuples of plain values are dropped from the collector's tracking, and no
list or attribute object outlives the item: a later change to the item
does not change what is written either.

Conversion, in the writer thread, transposes the flat tuples into one
Python list per column and hands each to ``pa.array`` with the column's
exact type, so a bad value fails the conversion instead of changing a
column's type; list columns go to ``pa.array`` as they are, nested tuples
and all (pyarrow's C++ walks them faster than Python can flatten them).
Money goes in as the ``Decimal`` objects: pyarrow's own conversion to
``decimal128`` is exact, refuses a value that does not fit the type
instead of rounding it, and is faster than scaling each value in Python.
Timestamps are converted once per distinct value (a row group holds one
per API answer), so that a naive datetime is refused rather than taken
for UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache, partial
from operator import attrgetter, itemgetter
from typing import Any

import pyarrow as pa

Converter = Callable[[Sequence[Any]], pa.Array]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def timestamp_array(values: Sequence[datetime | None], type_: pa.TimestampType) -> pa.Array:
    """Timezone-aware datetimes as a UTC timestamp column; a naive one is refused, never guessed.

    A row group holds few distinct times (one per API answer), so each is
    converted once and the column built from integers.
    """
    micros = {value: None if value is None else _micros(value) for value in set(values)}
    return pa.array(list(map(micros.__getitem__, values)), type_)


def _micros(value: datetime) -> int:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value}: times in the dataset are UTC and must say so")
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@cache
def converter_for(type_: pa.DataType) -> Converter:
    """How one column's Python values become an Arrow array of exactly ``type_``."""
    if pa.types.is_timestamp(type_) and type_.unit == "us":
        return partial(timestamp_array, type_=type_)
    return partial(pa.array, type=type_)


def _transpose(rows: Sequence[tuple], width: int) -> list[list[Any]]:
    """Rows to columns. Not ``zip(*rows)``: that makes one iterator object per row, and tens of thousands of them
    alive at once get promoted by the garbage collector and set off full collections over the whole heap."""
    return [list(map(itemgetter(i), rows)) for i in range(width)]


def _tuple_getter(names: Sequence[str]) -> Callable[[Any], tuple]:
    """Reads ``names`` off an object as a tuple in one call (``attrgetter`` returns a bare value for one name)."""
    if len(names) == 1:
        get = attrgetter(names[0])
        return lambda obj: (get(obj),)
    return attrgetter(*names)


class _ListColumn:
    """One list column taken apart: per row, a tuple of its elements (struct elements as tuples of their fields)."""

    def __init__(self, field: pa.Field) -> None:
        self.field = field
        self.get = attrgetter(field.name)
        value_type = field.type.value_type
        names = [f.name for f in value_type] if pa.types.is_struct(value_type) else None
        self.element = _tuple_getter(names) if names else None
        #: Row ``i``'s elements, None for a null list.
        self.rows: list[tuple | None] = []

    def add(self, values: Iterable[Any] | None) -> None:
        if values is None:
            self.rows.append(None)
        elif self.element is None:
            self.rows.append(tuple(values))
        else:
            self.rows.append(tuple(map(self.element, values)))

    def add_many(self, items: list[Any]) -> None:
        """The column of several items; one C-level pass when none of them is null (the usual case)."""
        values = list(map(self.get, items))
        if None in values:
            for value in values:
                self.add(value)
        elif self.element is None:
            self.rows.extend(map(tuple, values))
        else:
            self.rows.extend(map(tuple, map(partial(map, self.element), values)))

    def to_array(self) -> pa.Array:
        """pyarrow walks the nested tuples itself, faster than flattening and transposing them in Python."""
        return pa.array(self.rows, self.field.type)


class RowGroup:
    """Rows of one table on their way to becoming one Parquet row group.

    ``add`` reads an item's attributes named like the schema's columns, so
    it takes any object shaped like the table's item class.
    """

    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        flat = [f for f in schema if not pa.types.is_list(f.type)]
        self._flat_names = [f.name for f in flat]
        self._converters = [converter_for(f.type) for f in flat]
        self._row = _tuple_getter(self._flat_names)
        self._rows: list[tuple] = []
        self._lists = [_ListColumn(f) for f in schema if pa.types.is_list(f.type)]

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, item: Any) -> None:
        self._rows.append(self._row(item))
        for column in self._lists:
            column.add(column.get(item))

    def add_many(self, items: Iterable[Any]) -> None:
        items = items if type(items) is list else list(items)
        self._rows.extend(map(self._row, items))
        for column in self._lists:
            column.add_many(items)

    def to_batch(self, fill: Mapping[str, Any] | None = None) -> pa.RecordBatch:
        """The rows as one record batch; ``fill`` gives values for columns items left None (the crawl id)."""
        columns = _transpose(self._rows, len(self._flat_names))
        arrays: dict[str, pa.Array] = {}
        for name, convert, values in zip(self._flat_names, self._converters, columns):
            if fill and name in fill and values.count(None):
                default = fill[name]
                values = [default if v is None else v for v in values]
            arrays[name] = convert(values)
        for column in self._lists:
            arrays[column.field.name] = column.to_array()
        return pa.RecordBatch.from_arrays([arrays[name] for name in self.schema.names], schema=self.schema)

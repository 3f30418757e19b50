"""Row groups accumulated as plain tuples and converted to Arrow record batches column by column, fast.

Why tuples: a crawl buffers tens of thousands of rows between two writes,
and nested Python objects (lists of price tiers, lists of attribute
objects) kept alive that long make the cyclic garbage collector re-scan
them again and again. So each item is taken apart when it is added, with
C-level calls only (no Python frame per value):

- its flat columns become one tuple read by a single ``attrgetter`` call;
- each list column becomes the row's length plus its elements, appended
  flat to one list per column (one tuple of struct fields per element,
  read by ``attrgetter`` too).

Tuples of plain values are dropped from the collector's tracking, and no
list or attribute object outlives the item: a later change to the item
does not change what is written either.

Conversion, in the writer thread, feeds ``pa.array`` each column straight
out of the row tuples through an iterator (``map(itemgetter(i), rows)``),
with the column's exact type, so a bad value fails the conversion instead
of changing a column's type. Not a list per column: ten thousand values
in a young list are walked by every garbage collection that runs while
the conversion lasts (the main thread keeps allocating meanwhile), which
measured more than the conversion saved. Struct children are read out of
the element tuples the same way; list offsets come from the lengths.

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
from itertools import accumulate, chain
from operator import attrgetter, itemgetter
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

#: Builds the Arrow array of column ``index`` of the row tuples.
Converter = Callable[[Sequence[tuple], int], pa.Array]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def timestamp_column(rows: Sequence[tuple], index: int, type_: pa.TimestampType) -> pa.Array:
    """Timezone-aware datetimes as a UTC timestamp column; a naive one is refused, never guessed.

    A row group holds few distinct times (one per API answer), so each is
    converted once and the column built from integers.
    """
    micros = {value: None if value is None else _micros(value) for value in set(map(itemgetter(index), rows))}
    return pa.array(map(micros.__getitem__, map(itemgetter(index), rows)), type_, size=len(rows))


def _micros(value: datetime) -> int:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value}: times in the dataset are UTC and must say so")
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def plain_column(rows: Sequence[tuple], index: int, type_: pa.DataType) -> pa.Array:
    """pyarrow's own conversion of column ``index``, read through an iterator (see the module's docstring)."""
    return pa.array(map(itemgetter(index), rows), type_, size=len(rows))


@cache
def converter_for(type_: pa.DataType) -> Converter:
    """How one column of Python values becomes an Arrow array of exactly ``type_``."""
    if pa.types.is_timestamp(type_) and type_.unit == "us":
        return partial(timestamp_column, type_=type_)
    return partial(plain_column, type_=type_)


def _tuple_getter(names: Sequence[str]) -> Callable[[Any], tuple]:
    """Reads ``names`` off an object as a tuple in one call (``attrgetter`` returns a bare value for one name)."""
    if len(names) == 1:
        get = attrgetter(names[0])
        return lambda obj: (get(obj),)
    return attrgetter(*names)


class _ListColumn:
    """One list column taken apart: each row's length and its elements, flat (struct elements as tuples)."""

    def __init__(self, field: pa.Field) -> None:
        self.field = field
        self.get = attrgetter(field.name)
        value_type = field.type.value_type
        self.struct_fields: list[pa.Field] | None = list(value_type) if pa.types.is_struct(value_type) else None
        self.element = _tuple_getter([f.name for f in self.struct_fields]) if self.struct_fields else None
        self.lengths: list[int] = []
        self.null_rows: list[int] = []
        self.elements: list[Any] = []

    def add(self, values: Iterable[Any] | None) -> None:
        if values is None:
            self.null_rows.append(len(self.lengths))
            self.lengths.append(0)
            return
        self.lengths.append(len(values))  # type: ignore[arg-type]
        if self.element is None:
            self.elements.extend(values)
        else:
            self.elements.extend(map(self.element, values))

    def add_many(self, items: list[Any]) -> None:
        """The column of several items; one C-level pass when none of them is null (the usual case)."""
        values = list(map(self.get, items))
        if None in values:
            for value in values:
                self.add(value)
            return
        self.lengths.extend(map(len, values))
        elements = chain.from_iterable(values)
        self.elements.extend(elements if self.element is None else map(self.element, elements))

    def to_array(self) -> pa.Array:
        rows = len(self.lengths)
        offsets = pa.array(accumulate(self.lengths, initial=0), pa.int32(), size=rows + 1)
        mask = None
        if self.null_rows:
            nulls = [False] * rows
            for row in self.null_rows:
                nulls[row] = True
            mask = pa.array(nulls, pa.bool_())
        elements = self.elements
        if self.struct_fields is None:
            items = pa.array(elements, self.field.type.value_type)
        else:
            items = pa.StructArray.from_arrays(
                [converter_for(f.type)(elements, i) for i, f in enumerate(self.struct_fields)], fields=self.struct_fields
            )
        return pa.ListArray.from_arrays(offsets, items, type=self.field.type, mask=mask)


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
        arrays: dict[str, pa.Array] = {}
        for index, (name, convert) in enumerate(zip(self._flat_names, self._converters)):
            array = convert(self._rows, index)
            if fill and name in fill and array.null_count:
                array = pc.fill_null(array, pa.scalar(fill[name], array.type))
            arrays[name] = array
        for column in self._lists:
            arrays[column.field.name] = column.to_array()
        return pa.RecordBatch.from_arrays([arrays[name] for name in self.schema.names], schema=self.schema)

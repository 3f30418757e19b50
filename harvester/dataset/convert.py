"""Row groups buffered as flat lists of plain values and converted to Arrow record batches column by column.

Why flat lists: a crawl buffers tens of thousands of rows between two
writes, and the cyclic garbage collector is what such buffers cost most.
Every container object that outlives its allocation counts towards the
next collection and is walked by it; nested Python objects (lists of
price tiers, lists of attribute objects) kept alive that long made the
collector re-scan them again and again, and even one tuple per row set off
a young collection every few dozen offers. So each item is taken apart
when it is added, with C-level calls only (no Python frame per value),
into lists that only ever grow:

- its flat columns are read by one ``attrgetter`` call and appended end to
  end to the table's list of values (``[a0, b0, c0, a1, b1, c1, ...]``);
- each list column keeps the row's length, and its elements end to end in
  a list of their own (the fields of a struct element one after another).

The tuples ``attrgetter`` returns die at once, so the buffers hold no
tracked object per row: measured in the pipeline benchmark, collections
fell from ~3,400 young and 10 full ones per 100,000 offers (one tuple per
row) to ~480 and 3. No list or attribute object outlives the item, and a
later change to the item does not change what is written either.

Conversion, in the writer thread, slices each column out of the flat list
(``values[i::width]``, a C-level copy) and hands it to ``pa.array`` with
the column's exact type, so a bad value fails the conversion instead of
changing a column's type. List columns become offsets from the lengths
plus their elements converted the same way. Money goes in as the
``Decimal`` objects: pyarrow's own conversion to ``decimal128`` is exact,
refuses a value that does not fit the type instead of rounding it, and is
faster than scaling each value in Python. Timestamps are converted once
per distinct value (a row group holds one per API answer), so that a naive
datetime is refused rather than taken for UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache, partial
from itertools import accumulate, chain
from operator import attrgetter
from typing import Any

import pyarrow as pa

#: Builds the Arrow array of one column's Python values.
Converter = Callable[[list[Any]], pa.Array]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def timestamp_column(values: list[Any], type_: pa.TimestampType) -> pa.Array:
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
    """How one column of Python values becomes an Arrow array of exactly ``type_``."""
    if pa.types.is_timestamp(type_) and type_.unit == "us":
        return partial(timestamp_column, type_=type_)
    return partial(pa.array, type=type_)


def _tuple_getter(names: Sequence[str]) -> Callable[[Any], tuple]:
    """Reads ``names`` off an object as a tuple in one call (``attrgetter`` returns a bare value for one name)."""
    if len(names) == 1:
        get = attrgetter(names[0])
        return lambda obj: (get(obj),)
    return attrgetter(*names)


class _Flat:
    """Records of a fixed width stored end to end in one list: ``[a0, b0, c0, a1, b1, c1, ...]``.

    ``names`` are the attributes a record is read from; none for records
    that are plain values (the strings of a list of strings).
    """

    def __init__(self, names: Sequence[str]) -> None:
        self.width = len(names) or 1
        self.read = _tuple_getter(names) if names else None
        self.values: list[Any] = []

    def __len__(self) -> int:
        return len(self.values) // self.width

    def add(self, obj: Any) -> None:
        self.values.extend(self.read(obj))

    def add_many(self, objs: Iterable[Any]) -> None:
        self.values.extend(chain.from_iterable(map(self.read, objs)))

    def column(self, index: int) -> list[Any]:
        return self.values[index :: self.width]


class _ListColumn:
    """One list column taken apart: each row's length, and its elements stored flat (struct fields end to end)."""

    def __init__(self, field: pa.Field) -> None:
        self.field = field
        self.get = attrgetter(field.name)
        value_type = field.type.value_type
        self.struct_fields: list[pa.Field] | None = list(value_type) if pa.types.is_struct(value_type) else None
        self.elements = _Flat([f.name for f in self.struct_fields] if self.struct_fields else ())
        self.lengths: list[int] = []
        self.null_rows: list[int] = []

    def add(self, values: Iterable[Any] | None) -> None:
        if values is None:
            self.null_rows.append(len(self.lengths))
            self.lengths.append(0)
            return
        self.lengths.append(len(values))  # type: ignore[arg-type]
        if self.struct_fields is None:
            self.elements.values.extend(values)
        else:
            self.elements.add_many(values)

    def add_many(self, items: list[Any]) -> None:
        """The column of several items; one C-level pass when none of them is null (the usual case)."""
        values = list(map(self.get, items))
        if None in values:
            for value in values:
                self.add(value)
            return
        self.lengths.extend(map(len, values))
        if self.struct_fields is None:
            self.elements.values.extend(chain.from_iterable(values))
        else:
            self.elements.add_many(chain.from_iterable(values))

    def to_array(self) -> pa.Array:
        rows = len(self.lengths)
        offsets = pa.array(list(accumulate(self.lengths, initial=0)), pa.int32())
        mask = None
        if self.null_rows:
            nulls = [False] * rows
            for row in self.null_rows:
                nulls[row] = True
            mask = pa.array(nulls, pa.bool_())
        if self.struct_fields is None:
            items = pa.array(self.elements.values, self.field.type.value_type)
        else:
            items = pa.StructArray.from_arrays(
                [converter_for(f.type)(self.elements.column(i)) for i, f in enumerate(self.struct_fields)],
                fields=self.struct_fields,
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
        self._rows = _Flat(self._flat_names)
        self._lists = [_ListColumn(f) for f in schema if pa.types.is_list(f.type)]

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, item: Any) -> None:
        self._rows.add(item)
        for column in self._lists:
            column.add(column.get(item))

    def add_many(self, items: Iterable[Any]) -> None:
        items = items if type(items) is list else list(items)
        self._rows.add_many(items)
        for column in self._lists:
            column.add_many(items)

    def to_batch(self, fill: Mapping[str, Any] | None = None) -> pa.RecordBatch:
        """The rows as one record batch; ``fill`` gives values for columns items left None (the crawl id)."""
        arrays: dict[str, pa.Array] = {}
        for index, (name, convert) in enumerate(zip(self._flat_names, self._converters)):
            values = self._rows.column(index)
            if fill and name in fill and values.count(None):
                default = fill[name]
                values = [default if v is None else v for v in values]
            arrays[name] = convert(values)
        for column in self._lists:
            arrays[column.field.name] = column.to_array()
        return pa.RecordBatch.from_arrays([arrays[name] for name in self.schema.names], schema=self.schema)

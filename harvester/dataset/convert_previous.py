"""The previous conversion (Decimals scaled in Python, one method call per list column), kept for one commit
so a test can show the new one writes the same tables; removed in the next commit.

Row groups accumulated in column lists and converted to Arrow record batches, fast.

Why column lists: a crawl buffers tens of thousands of rows between two
writes, and nested Python objects (lists of price tiers, lists of
attribute objects) kept alive that long make the cyclic garbage collector
re-scan them again and again; in measurements that cost more than
normalising the offers. So each item is taken apart when it is added:

- its flat columns become one tuple read by a single ``attrgetter`` call
  (tuples of plain values are dropped from the collector's tracking);
- each list column becomes a length plus flat child values (one tuple of
  struct fields per element), so no list or attribute object outlives the
  item.

Conversion then picks a converter per Arrow type:

- money: ``Decimal`` -> scaled int64, reinterpreted as ``decimal128(18, 4)``
  without copying: ~3x faster than letting pyarrow convert ``Decimal``
  objects one by one;
- lists: offsets from the lengths, children converted column by column;
- everything else: ``pa.array`` with the exact type, so a bad value fails
  the conversion instead of changing a column's type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from itertools import accumulate
from operator import attrgetter, itemgetter
from typing import Any

import pyarrow as pa

from ..schema import MONEY_SCALE

Converter = Callable[[Sequence[Any]], pa.Array]

_WIDE_INT = pa.decimal128(19, 0)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def money_array(values: Sequence[Decimal | None], type_: pa.Decimal128Type) -> pa.Array:
    """Exact Decimals as a decimal128 column; the normaliser made sure each fits."""
    unit = Decimal(10) ** type_.scale
    scaled = [None if value is None else int(value * unit) for value in values]
    wide = pa.array(scaled, pa.int64()).cast(_WIDE_INT)
    return pa.Array.from_buffers(type_, len(wide), wide.buffers(), null_count=wide.null_count)


def timestamp_array(values: Sequence[datetime | None], type_: pa.TimestampType) -> pa.Array:
    """Timezone-aware datetimes as a UTC timestamp column.

    A row group holds few distinct times (one per API answer), so each is
    converted once and the column built from integers.
    """
    micros = {value: None if value is None else _micros(value) for value in set(values)}
    return pa.array([micros[value] for value in values], pa.int64()).cast(type_)


def _micros(value: datetime) -> int:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value}: times in the dataset are UTC and must say so")
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@cache
def converter_for(type_: pa.DataType) -> Converter:
    if pa.types.is_timestamp(type_) and type_.unit == "us":
        return lambda values: timestamp_array(values, type_)
    if pa.types.is_decimal(type_):
        if type_.scale != MONEY_SCALE or type_.precision > 18:
            raise TypeError(f"no exact converter for {type_}")
        return lambda values: money_array(values, type_)
    return lambda values: pa.array(values, type_)


def _transpose(rows: list[tuple], width: int) -> list[list[Any]]:
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
    """One list column taken apart: element counts, null rows, and the flat elements (tuples for structs)."""

    def __init__(self, field: pa.Field) -> None:
        self.field = field
        self.get = attrgetter(field.name)
        value_type = field.type.value_type
        self.struct_fields: list[pa.Field] | None = list(value_type) if pa.types.is_struct(value_type) else None
        self.element = _tuple_getter([f.name for f in self.struct_fields]) if self.struct_fields else None
        self.lengths: list[int] = []
        self.null_rows: list[int] = []
        self.elements: list[Any] = []

    def add(self, values: Any) -> None:
        if values is None:
            self.null_rows.append(len(self.lengths))
            self.lengths.append(0)
            return
        self.lengths.append(len(values))
        if self.element is None:
            self.elements.extend(values)
        else:
            self.elements.extend(map(self.element, values))

    def to_array(self) -> pa.Array:
        offsets = pa.array(list(accumulate(self.lengths, initial=0)), pa.int32())
        mask = None
        if self.null_rows:
            nulls = [False] * len(self.lengths)
            for row in self.null_rows:
                nulls[row] = True
            mask = pa.array(nulls, pa.bool_())
        if self.struct_fields is None:
            items = converter_for(self.field.type.value_type)(self.elements)
        else:
            columns = _transpose(self.elements, len(self.struct_fields))
            items = pa.StructArray.from_arrays(
                [converter_for(f.type)(c) for f, c in zip(self.struct_fields, columns)], fields=self.struct_fields
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
        rows = self._rows
        if not self._lists:
            rows.extend(map(self._row, items))
            return
        row = self._row
        columns = [(column.get, column.add) for column in self._lists]
        for item in items:
            rows.append(row(item))
            for get, add in columns:
                add(get(item))

    def to_batch(self, fill: Mapping[str, Any] | None = None) -> pa.RecordBatch:
        """The rows as one record batch; ``fill`` gives values for columns items left None (the crawl id)."""
        columns = _transpose(self._rows, len(self._flat_names))
        arrays: dict[str, pa.Array] = {}
        for name, values in zip(self._flat_names, columns):
            if fill and name in fill and values.count(None):
                default = fill[name]
                values = [default if v is None else v for v in values]
            arrays[name] = converter_for(self.schema.field(name).type)(values)
        for column in self._lists:
            arrays[column.field.name] = column.to_array()
        return pa.RecordBatch.from_arrays([arrays[name] for name in self.schema.names], schema=self.schema)

"""Buffered rows to Arrow record batches, fast.

Rows are tuples of item attributes in schema order (see ``rows``). A row
group is transposed once with ``zip`` and each column converted by a
converter chosen from its Arrow type when the schema is first used:

- money: ``Decimal`` -> scaled int64 (cached per value, as prices repeat),
  then reinterpreted as ``decimal128(18, 4)`` without copying: ~10x faster
  than letting pyarrow convert ``Decimal`` objects one by one;
- lists of structs (price tiers, attributes): flattened into offsets and
  one child column per struct field, instead of pyarrow inspecting a dict
  per element;
- everything else: ``pa.array`` with the exact type, so a bad value fails
  the conversion instead of changing a column's type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from functools import cache
from itertools import accumulate, chain
from operator import attrgetter
from typing import Any

import pyarrow as pa

from ..schema import MONEY_SCALE

Converter = Callable[[Sequence[Any]], pa.Array]

_CACHE_MAX = 1 << 16
_scaled: dict[Decimal, int] = {}
_WIDE_INT = pa.decimal128(19, 0)


def money_array(values: Sequence[Decimal | None], type_: pa.Decimal128Type) -> pa.Array:
    """Exact Decimals as a decimal128 column; values were checked to fit by the normaliser."""
    get = _scaled.get
    scaled: list[int | None] = []
    append = scaled.append
    for value in values:
        if value is None:
            append(None)
            continue
        number = get(value)
        if number is None:
            if len(_scaled) >= _CACHE_MAX:
                _scaled.clear()
            number = _scaled[value] = int(value.scaleb(type_.scale))
        append(number)
    wide = pa.array(scaled, pa.int64()).cast(_WIDE_INT)
    return pa.Array.from_buffers(type_, len(wide), wide.buffers(), null_count=wide.null_count)


def _list_parts(values: Sequence[Any]) -> tuple[pa.Array, list[Any], pa.Array | None]:
    mask = None
    if values.count(None):
        mask = pa.array([v is None for v in values], pa.bool_())
        values = [() if v is None else v for v in values]
    offsets = pa.array(list(accumulate(map(len, values), initial=0)), pa.int32())
    return offsets, list(chain.from_iterable(values)), mask


def _struct_list(type_: pa.ListType) -> Converter:
    struct = type_.value_type
    children = [(attrgetter(f.name), converter_for(f.type)) for f in struct]
    fields = list(struct)

    def convert(values: Sequence[Any]) -> pa.Array:
        offsets, flat, mask = _list_parts(values)
        arrays = [convert_child(list(map(get, flat))) for get, convert_child in children]
        items = pa.StructArray.from_arrays(arrays, fields=fields)
        return pa.ListArray.from_arrays(offsets, items, type=type_, mask=mask)

    return convert


def _plain_list(type_: pa.ListType) -> Converter:
    convert_child = converter_for(type_.value_type)

    def convert(values: Sequence[Any]) -> pa.Array:
        offsets, flat, mask = _list_parts(values)
        return pa.ListArray.from_arrays(offsets, convert_child(flat), type=type_, mask=mask)

    return convert


@cache
def converter_for(type_: pa.DataType) -> Converter:
    if pa.types.is_decimal(type_):
        if type_.scale != MONEY_SCALE or type_.precision > 18:
            raise TypeError(f"no fast converter for {type_}")
        return lambda values: money_array(values, type_)
    if pa.types.is_list(type_):
        if pa.types.is_struct(type_.value_type):
            return _struct_list(type_)
        return _plain_list(type_)
    return lambda values: pa.array(values, type_)


def record_batch(schema: pa.Schema, rows: Sequence[tuple], fill: Mapping[str, Any] | None = None) -> pa.RecordBatch:
    """One row group from row tuples in ``schema``'s column order.

    ``fill`` gives values for columns the items left None (the crawl id,
    which items yielded by spiders do not know).
    """
    columns: list[Sequence[Any]] = list(zip(*rows)) if rows else [() for _ in schema]
    arrays = []
    for field, values in zip(schema, columns):
        if fill and field.name in fill and values.count(None):
            default = fill[field.name]
            values = [default if v is None else v for v in values]
        arrays.append(converter_for(field.type)(values))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)

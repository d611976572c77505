"""Plain-data records: frozen dataclasses as msgpack, checked against their types.

What the persistent index and a server's run folder keep is data, never code:
decoding builds only the declared types (`msgspec`), and bytes that do not
decode to them are refused (None), so a planted or damaged record is a miss,
not an exception or a program to run.
"""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec

T = TypeVar("T")
_ENCODER = msgspec.msgpack.Encoder()


def encode(value: object) -> bytes:
    """A record as bytes; TypeError or ValueError for a value that is not plain data."""
    try:
        return _ENCODER.encode(value)
    except msgspec.EncodeError as exc:  # raised by msgspec as its own kind of ValueError
        raise ValueError(str(exc)) from exc


class Codec(Generic[T]):
    """Bytes to one type of record, checked field by field."""

    def __init__(self, record_type: type[T]) -> None:
        self._decoder = msgspec.msgpack.Decoder(record_type)

    def decode(self, blob: bytes) -> T | None:
        """The record, or None when the bytes are not one of this type."""
        try:
            return self._decoder.decode(blob)
        except (msgspec.DecodeError, msgspec.ValidationError, ValueError, TypeError,
                OverflowError, RecursionError):
            return None

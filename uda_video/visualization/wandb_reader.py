"""Read the records of a wandb run file (``run-*.wandb``) without a server.

The file is a LevelDB-style log: a 7-byte header (``b':W&B'``, magic
``0xBEE1``, version), then 32 KiB blocks of chunks, each with a 7-byte header
(checksum u32, length u16, type u8: 1 full, 2 first, 3 middle, 4 last) and
its bytes; the chunks of one record concatenate to a serialized
``wandb_internal_pb2.Record``. Offline runs (``WANDB_MODE=offline``) write
only this file; tests and scripts read logged metrics back through it.
"""
import json
import struct
from typing import Dict, Iterator, List

HEADER = struct.Struct('<4sHB')
CHUNK = struct.Struct('<IHB')
BLOCK_SIZE = 32768
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


def _record_bytes(path: str) -> Iterator[bytes]:
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < HEADER.size:
        raise ValueError(f'{path}: too short to be a wandb run file')
    ident, magic, _ = HEADER.unpack_from(data)
    if ident != b':W&B' or magic != 0xBEE1:
        raise ValueError(f'{path}: not a wandb run file (header {ident!r}, '
                         f'magic {magic:#x})')
    pos, parts = HEADER.size, []
    while pos + CHUNK.size <= len(data):
        left_in_block = BLOCK_SIZE - pos % BLOCK_SIZE
        if left_in_block < CHUNK.size:  # block trailer padding
            pos += left_in_block
            continue
        _, length, kind = CHUNK.unpack_from(data, pos)
        if kind == 0 and length == 0:  # zero padding at the end of a block
            pos += left_in_block
            continue
        start = pos + CHUNK.size
        if start + length > len(data):
            break  # a record still being written
        chunk = data[start:start + length]
        pos = start + length
        if kind == FULL:
            yield chunk
        elif kind == FIRST:
            parts = [chunk]
        elif kind == MIDDLE:
            parts.append(chunk)
        elif kind == LAST:
            parts.append(chunk)
            yield b''.join(parts)
            parts = []
        else:
            raise ValueError(f'{path}: unknown chunk type {kind} at byte '
                             f'{pos - length - CHUNK.size}')


def read_wandb_records(path: str) -> list:
    """Every ``wandb_internal_pb2.Record`` of a run file, in order."""
    from wandb.proto import wandb_internal_pb2
    records = []
    for raw in _record_bytes(path):
        record = wandb_internal_pb2.Record()
        record.ParseFromString(raw)
        records.append(record)
    return records


def read_wandb_history(path: str) -> List[Dict]:
    """The logged history rows: ``[{'_step': int, key: value, ...}, ...]``.

    Values are decoded from JSON; media (images) appear as nested dicts of
    their fields (``{'_type': 'image-file', 'width': ..., 'path': ...}``).
    """
    rows = []
    for record in read_wandb_records(path):
        if record.WhichOneof('record_type') != 'history':
            continue
        row = {}
        for item in record.history.item:
            value = json.loads(item.value_json)
            if item.key:
                row[item.key] = value
                continue
            *parents, leaf = item.nested_key  # e.g. an image's fields
            node = row
            for key in parents:
                node = node.setdefault(key, {})
            node[leaf] = value
        if record.history.HasField('step'):
            row.setdefault('_step', record.history.step.num)
        rows.append(row)
    return rows

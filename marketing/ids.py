"""Time-ordered UUIDs (RFC 9562 version 7) for high-volume tables.

Random UUIDv4 keys scatter inserts across the whole primary-key index; v7 keys grow
with time, so new events and sessions append to the right edge of the index.
"""

import os
import time
import uuid


def uuid7() -> uuid.UUID:
    unix_ms = time.time_ns() // 1_000_000
    random_bits = int.from_bytes(os.urandom(10), "big")
    value = (unix_ms & 0xFFFF_FFFF_FFFF) << 80
    value |= 0x7 << 76  # version
    value |= ((random_bits >> 68) & 0xFFF) << 64  # rand_a
    value |= 0b10 << 62  # variant
    value |= random_bits & 0x3FFF_FFFF_FFFF_FFFF
    return uuid.UUID(int=value)

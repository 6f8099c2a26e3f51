"""UUIDs drawn from a seeded random source, so a given --seed always yields the same cluster."""

from __future__ import annotations

import random


class IdSource:
    """Version-4-shaped UUID strings from a private `random.Random` seeded once."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"ids:{seed}")

    def uuid(self) -> str:
        bits = self._rng.getrandbits(128)
        # Set the version (4) and variant (10xx) bits like uuid.uuid4 does.
        bits = (bits & ~(0xF000 << 64)) | (0x4000 << 64)
        bits = (bits & ~(0xC000 << 48)) | (0x8000 << 48)
        h = f"{bits:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

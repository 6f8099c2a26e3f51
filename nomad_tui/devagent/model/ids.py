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


def derived_uuid(text: str) -> str:
    """A stable UUID-shaped ID derived from `text`: records added to the demo (evaluations) get IDs
    without drawing from the seeded source, so the allocations' IDs stay what they were."""
    import hashlib

    h = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
    h = h[:12] + "4" + h[13:16] + "89ab"[int(h[16], 16) % 4] + h[17:]
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

"""Large buffers (frames, batches) stay in the process between requests.

glibc gives blocks over 128 KiB back to the system when they are freed
(munmap, and trimming the top of the heap), so every answer carrying a frame
or a batch of them touched hundreds of fresh pages: page faults were most of
what the server added to a batched step of 8 Pong frames (1,770 µs above the
step itself; 220 µs with the blocks kept). The price is memory: up to
``TRIM_THRESHOLD`` of freed heap is kept for reuse rather than returned.
"""

from __future__ import annotations

import ctypes
import sys

# mallopt's parameters (malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# The largest mmap threshold glibc accepts on 64-bit systems.
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 256 * 1024 * 1024


def keep_large_blocks() -> bool:
    """Tell glibc's malloc to keep freed large blocks; False where there is
    no glibc (macOS, Windows, musl), which changes nothing."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )

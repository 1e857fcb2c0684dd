"""Frames as pictures: content negotiation for render, and PNG encoding by Pillow.

JSON stays the default, so the original clients, which send no ``Accept``
header, keep getting ``{render_mode, frame}``. A PNG is asked for with
``?format=png`` or an ``Accept`` header that prefers ``image/png``.
"""

from __future__ import annotations

import io

import falcon
import numpy as np
from PIL import Image

from .errors import InvalidParameter, PngNeedsRgbArray
from .instances import Instance

FORMATS = ("json", "png")


def wants_png(req: falcon.Request) -> bool:
    requested = req.get_param("format")
    if requested is not None:
        if requested not in FORMATS:
            raise InvalidParameter("Parameter 'format' must be 'json' or 'png'")
        return requested == "png"
    return req.client_prefers([falcon.MEDIA_JSON, falcon.MEDIA_PNG]) == falcon.MEDIA_PNG


def png_frame(instance: Instance, timeout: float | None = None) -> bytes:
    """The instance's current frame as a PNG file."""
    mode = instance.env.render_mode
    if mode != "rgb_array":
        raise PngNeedsRgbArray(
            f"Instance_id {instance.instance_id} renders {mode or 'nothing'}: PNG frames "
            "need an instance created with render_mode 'rgb_array'"
        )
    return encode_png(np.asarray(instance.render(timeout)))


def encode_png(frame: np.ndarray) -> bytes:
    is_image = (
        frame.dtype == np.uint8
        and frame.size > 0
        and (frame.ndim == 2 or (frame.ndim == 3 and frame.shape[2] in (3, 4)))
    )
    if not is_image:
        raise PngNeedsRgbArray(
            f"The frame is not an image: {frame.dtype} array of shape {frame.shape}"
        )
    out = io.BytesIO()
    # Speed over size: a dashboard asks for a few frames a second.
    Image.fromarray(frame).save(out, format="PNG", compress_level=1)
    return out.getvalue()

"""A module no request may import: importing it leaves a file where
``$GYM_HTTP_CANARY`` says, which the attack tests look for."""

import os
from pathlib import Path

_marker = os.environ.get("GYM_HTTP_CANARY")
if _marker:
    Path(_marker).write_text("imported\n")


class Env:
    pass

"""gym-http-server: Gymnasium environments over HTTP.

``start_server(listen, port, **options)`` serves with waitress until stopped;
``create_app(**options)`` returns the Falcon WSGI app for any WSGI server.
"""

__version__ = "1.0.0"

from . import textenv  # noqa: E402,F401  (registers GymHttp/Arithmetic-v0)
from .app import create_app  # noqa: E402
from .server import start_server  # noqa: E402

__all__ = ["create_app", "start_server", "__version__"]

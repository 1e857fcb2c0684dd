"""Safe defaults on every response, from one middleware (as Django's
SecurityMiddleware sets them).

- ``X-Content-Type-Options: nosniff``: a browser never reads a JSON answer
  (which may echo client text) as HTML or script;
- framing refused: ``Content-Security-Policy: frame-ancestors 'none'``
  (added to a page's own policy) and ``X-Frame-Options: DENY`` for older
  browsers, so no other site can overlay the dashboard (clickjacking);
- ``Referrer-Policy: no-referrer``: following a link from a page tells the
  other site nothing about this server.
"""

from __future__ import annotations

FRAMING = "frame-ancestors 'none'"
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def content_security_policy(existing: str | None) -> str:
    """A page's own policy with framing refused, or framing refused alone."""
    if not existing:
        return FRAMING
    if "frame-ancestors" in existing:
        return existing
    return f"{existing.rstrip('; ')}; {FRAMING}"


class SecurityHeaders:
    """Falcon middleware; runs for every response, errors included."""

    def process_response(self, req, resp, resource, req_succeeded) -> None:
        for name, value in HEADERS.items():
            resp.set_header(name, value)
        resp.set_header(
            "Content-Security-Policy",
            content_security_policy(resp.get_header("Content-Security-Policy")),
        )

"""Which endpoints the product may talk to: HTTPS anywhere, plain HTTP on loopback."""

import ipaddress
from urllib.parse import urlsplit


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine (tests and the sandbox live there)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_web_url(url: str) -> bool:
    """An https:// URL, or an http:// one on loopback."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return True
    return parts.scheme == "http" and is_loopback(host)

"""The WSGI entry point: two middleware stacks, the lean one for cookie-less /api/ requests.

A request to the JSON API that carries no cookie (a token client: the mobile app, a hospital's
system, a probe) cannot have a session, a CSRF cookie, flash messages or a language cookie, so
it is served through settings.API_MIDDLEWARE (vssid.middleware.ApiStackMiddleware behind
SecurityMiddleware) instead of settings.MIDDLEWARE. Anything else, including an /api/ request
from a browser that sends its cookies and the Swagger page, takes the full stack unchanged.
API_LEAN_STACK=0 serves everything through the full stack (make bench measures both).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest
from django.urls import URLResolver, get_resolver
from django.urls.resolvers import ResolverMatch

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vssid.settings")


class ApiStackHandler(WSGIHandler):
    """A WSGIHandler whose middleware chain is settings.API_MIDDLEWARE."""

    def load_middleware(self, is_async: bool = False) -> None:
        from django.conf import settings

        # Django builds the chain from settings.MIDDLEWARE only; swap it in for the duration of
        # the build, at start-up, before any request is served.
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.API_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full

    def resolve_request(self, request: HttpRequest) -> ResolverMatch:
        """Django's resolution, remembered per path (a request that names its own urlconf excepted).

        A token client calls the same few paths over and over, and walking the URL patterns
        (the site's, then the API's operations one by one) cost more than anything else the
        handler does for it. The match is shared by the requests of its path: nothing in the
        lean stack changes it (it has no view middleware, which is handed the match's kwargs).
        """
        if hasattr(request, "urlconf"):
            return super().resolve_request(request)
        match = _resolve(get_resolver(), request.path_info)
        request.resolver_match = match
        return match


# Keyed on the resolver too: a changed ROOT_URLCONF (tests) or clear_url_caches() gives a new one.
# A path that resolves to nothing raises Resolver404, which is not remembered; the bound keeps
# paths made of ids (a registration's reference) from growing it.
@functools.lru_cache(maxsize=1024)
def _resolve(resolver: URLResolver, path: str) -> ResolverMatch:
    return resolver.resolve(path)


def takes_lean_stack(environ: dict[str, Any]) -> bool:
    """An /api/ request without cookies, other than the interactive API docs (an HTML page)."""
    path: str = environ.get("PATH_INFO", "")
    return path.startswith("/api/") and not environ.get("HTTP_COOKIE") and not path.startswith("/api/v1/docs")


def build_application() -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    import django

    django.setup(set_prefix=False)
    full = WSGIHandler()
    if os.environ.get("API_LEAN_STACK", "1") == "0":
        return full
    lean = ApiStackHandler()

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return (lean if takes_lean_stack(environ) else full)(environ, start_response)

    return application


application = build_application()

"""URLs of the registration bench's server (bench/registration_settings.py): the site and the bare endpoint."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from vssid.urls import urlpatterns as site


@csrf_exempt
def discard(request: HttpRequest) -> HttpResponse:
    """Receive the multipart request whole (the body read, the parts parsed), keep nothing."""
    if request.method != "POST" or len(request.FILES) != 3:
        return HttpResponse(status=400)
    return HttpResponse(status=204)


urlpatterns = [path("api/v1/bench/discard", discard), *site]

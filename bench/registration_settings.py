"""Settings of the registration bench's server: the site as deployed, plus one bare endpoint.

`POST /api/v1/bench/discard` receives the same three-photo multipart request as the
registration, parses it as Django parses every upload (request.FILES), and answers 204. It
goes through the same gunicorn, middleware and URL prefix, so the registration's rate is
compared with the least a server can do with that request. It exists only in this process.
"""

from vssid.settings import *  # noqa: F403 - the deployed settings, unchanged but for the URLs

ROOT_URLCONF = "bench.registration_urls"

"""Settings of the servers make bench starts: the app's, plus the reference endpoints of bench/urls.py."""

from vssid.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

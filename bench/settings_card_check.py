"""The project's settings with one more URL for bench/card_check.py: the bare primary-key look-up."""

from vssid.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls_card_check"

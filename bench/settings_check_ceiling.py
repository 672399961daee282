"""bench.settings_card_check with the URLconf that installs a variant of the check's write (bench/check_ceiling.py)."""

from bench.settings_card_check import *  # noqa: F403

ROOT_URLCONF = "bench.urls_check_ceiling"

from __future__ import annotations

import logging

from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)


def check_database() -> tuple[bool, str]:
    """One round trip to the database; the answer names the engine, never connection details."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("database health check failed")
        return False, "unavailable"
    return True, connection.vendor

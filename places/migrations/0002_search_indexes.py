from django.db import migrations

from vssid.db.operations import postgres_sql, trigram_index


class Migration(migrations.Migration):
    dependencies = [("places", "0001_initial")]

    operations = [
        postgres_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm", "SELECT 1"),
        trigram_index("places_office"),
        trigram_index("places_ward"),
        trigram_index("places_healthfacility"),
        trigram_index("places_collectionpoint"),
    ]

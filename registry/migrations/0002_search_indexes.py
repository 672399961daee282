from django.db import migrations

from vssid.db.operations import trigram_index


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial"), ("places", "0002_search_indexes")]

    operations = [
        trigram_index("registry_person"),
        trigram_index("registry_employer"),
    ]

"""A partial index for the campaign figures, on the register's participation table.

The campaign counts people with an ongoing compulsory BHXH period at an employer; on a national
register those are a small part of the periods table. This index holds only them, with the person,
so the dashboard reads it alone (an index-only scan) instead of the whole table. It lives here,
with the feature that needs it; the registry's models do not declare it.
"""

from django.db import migrations

SQL = (
    "CREATE INDEX IF NOT EXISTS period_ongoing_bhxh ON registry_participationperiod (employer_id, person_id) "
    "WHERE to_month IS NULL AND scheme = 'bhxh' AND voluntary = false AND employer_id IS NOT NULL"
)


class Migration(migrations.Migration):
    dependencies = [("employers", "0001_initial"), ("registry", "0003_periodflag")]

    operations = [migrations.RunSQL(SQL, reverse_sql="DROP INDEX IF EXISTS period_ongoing_bhxh")]

"""Tell PostgreSQL's planner how many periods a person has.

ANALYZE samples 30,000 rows, and on a register of millions of periods clustered by person it
counts far too few distinct people (about 78,000 for 1,000,000), so it expects ~190 periods per
person and reads "Quá trình tham gia" by hashing the whole employer table: 30 ms instead of
0.2 ms. A negative n_distinct is a ratio of the rows: one person per 20 periods, as in the
register. Applied at the next ANALYZE (the seed runs one; autovacuum does on a live system).
"""

from django.db import migrations

from vssid.db.operations import postgres_sql


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_periodflag_employer_note")]

    operations = [
        postgres_sql(
            "ALTER TABLE registry_participationperiod ALTER COLUMN person_id SET (n_distinct = -0.05)",
            "ALTER TABLE registry_participationperiod ALTER COLUMN person_id RESET (n_distinct)",
        ),
    ]

from django.db import migrations, models


class Migration(migrations.Migration):
    """The rate counter's key unique through a constraint: the LIKE (varchar_pattern_ops) copy of
    its index served no query. The constraint comes first, so the upserts' ON CONFLICT (key)
    always has a unique index to go by."""

    dependencies = [
        ("vssid", "0002_ratecounter"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="ratecounter",
            constraint=models.UniqueConstraint(fields=("key",), name="ratecounter_key_unique"),
        ),
        migrations.AlterField(
            model_name="ratecounter",
            name="key",
            field=models.CharField(max_length=120),
        ),
    ]

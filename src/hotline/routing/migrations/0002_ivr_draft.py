from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("routing", "0001_queues_skills_agent_states_ivr_callbacks"),
    ]

    operations = [
        migrations.AddField(
            model_name="ivrflow",
            name="draft",
            field=models.JSONField(blank=True, null=True, verbose_name="draft"),
        ),
    ]

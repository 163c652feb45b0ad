"""Call scripts (话术树) with versions and the paths taken on calls; an article's area
fault becomes a foreign key (the free-text reference is mapped when it names a fault by
"tickets.areafault:<id>" or by its number, and dropped otherwise)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def map_area_faults(apps, schema_editor):  # type: ignore[no-untyped-def]
    Article = apps.get_model("knowledge", "Article")
    AreaFault = apps.get_model("tickets", "AreaFault")
    for article in Article.objects.exclude(area_fault_ref="").only("pk", "area_fault_ref"):
        ref = article.area_fault_ref.strip()
        fault = None
        if ref.startswith("tickets.areafault:") and ref.split(":", 1)[1].isdigit():
            fault = AreaFault.objects.filter(pk=int(ref.split(":", 1)[1])).first()
        if fault is None:
            fault = AreaFault.objects.filter(number=ref).first()
        if fault is not None:
            Article.objects.filter(pk=article.pk).update(area_fault=fault)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0001_initial'),
        ('knowledge', '0002_search_index'),
        ('routing', '0001_queues_skills_agent_states_ivr_callbacks'),
        ('telephony', '0001_call_records_and_steps'),
        ('tickets', '0001_work_orders'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='article',
            name='area_fault',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='tickets.areafault', verbose_name='area fault'),
        ),
        migrations.RunPython(map_area_faults, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='article',
            name='area_fault_ref',
        ),
        migrations.CreateModel(
            name='CallScript',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, verbose_name='name')),
                ('description', models.CharField(blank=True, max_length=300, verbose_name='description')),
                ('active', models.BooleanField(default=True, verbose_name='active')),
                ('ivr_choices', models.JSONField(blank=True, default=list, verbose_name='IVR choices')),
                ('draft', models.JSONField(blank=True, default=dict, verbose_name='draft')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='updated')),
                ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                ('queues', models.ManyToManyField(blank=True, related_name='+', to='routing.queue', verbose_name='queues')),
                ('statistic_items', models.ManyToManyField(blank=True, related_name='+', to='catalog.statisticitem', verbose_name='statistic items')),
            ],
            options={
                'verbose_name': 'call script',
                'verbose_name_plural': 'call scripts',
                'ordering': ['name', 'id'],
            },
        ),
        migrations.CreateModel(
            name='CallScriptVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField(verbose_name='version')),
                ('tree', models.JSONField(verbose_name='steps')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='note')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('script', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='versions', to='knowledge.callscript')),
            ],
            options={
                'verbose_name': 'call script version',
                'verbose_name_plural': 'call script versions',
                'ordering': ['-number'],
            },
        ),
        migrations.CreateModel(
            name='CallScriptRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('path', models.JSONField(default=list, verbose_name='path')),
                ('steps', models.JSONField(default=list, verbose_name='steps shown')),
                ('at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='time')),
                ('by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('call', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='script_runs', to='telephony.callrecord')),
                ('version', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='runs', to='knowledge.callscriptversion')),
            ],
            options={
                'verbose_name': 'call script path',
                'verbose_name_plural': 'call script paths',
            },
        ),
        migrations.AddField(
            model_name='callscript',
            name='published_version',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='knowledge.callscriptversion', verbose_name='published version'),
        ),
        migrations.AddConstraint(
            model_name='callscriptversion',
            constraint=models.UniqueConstraint(fields=('script', 'number'), name='kb_script_version_unique'),
        ),
        migrations.AddConstraint(
            model_name='callscriptrun',
            constraint=models.UniqueConstraint(fields=('call', 'version'), name='kb_script_run_unique'),
        ),
    ]

# Publication of estimation runs (issue 6): publish and withdraw are audited.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_audit_actions_sampling_quality"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(choices=[('sign_in', 'Signed in'), ('sign_in_failed', 'Sign-in failed'), ('sign_out', 'Signed out'), ('locked_out', 'Locked out after failed sign-ins'), ('user_created', 'User created'), ('user_updated', 'User updated'), ('user_deactivated', 'User deactivated'), ('role_granted', 'Role granted'), ('role_revoked', 'Role revoked'), ('unit_created', 'Unit created'), ('unit_updated', 'Unit updated'), ('units_imported', 'Units imported'), ('registry_loaded', 'Official registry loaded'), ('personal_data_exported', 'Personal data exported'), ('personal_data_viewed', 'Personal data viewed'), ('personal_data_purged', 'Personal data purged'), ('sample_drawn', 'Sample drawn'), ('response_reviewed', 'Response reviewed'), ('responses_reviewed', 'Responses reviewed in a batch'), ('quality_settings_changed', 'Quality-check settings changed'), ('results_published', 'Results published'), ('publication_withdrawn', 'Publication withdrawn')], db_index=True, max_length=40, verbose_name="action"),
        ),
    ]

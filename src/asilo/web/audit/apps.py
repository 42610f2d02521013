from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "asilo.web.audit"
    label = "audit"
    verbose_name = "Audit trail"

from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running Pathwise in production: health and readiness probes, metrics, request ids in logs."""

    name = "lms.ops"
    label = "ops"

    def ready(self) -> None:
        # The Celery signals that carry a request id into tasks and serve a worker's metrics: connected
        # wherever Django starts, so in the web process (publishing) and in workers (running).
        from lms.ops import logs, metrics  # noqa: F401

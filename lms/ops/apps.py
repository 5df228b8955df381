from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running Pathwise in production: health and readiness probes, metrics, request ids in logs."""

    name = "lms.ops"
    label = "ops"

    def ready(self) -> None:
        # The Celery signals that carry a request id into tasks and serve a worker's metrics, and the
        # receivers that count answers and decisions (learning and adaptive send signals; they do not
        # import ops): connected wherever Django starts, in the web process and in workers.
        from lms.ops import logs, metrics  # noqa: F401

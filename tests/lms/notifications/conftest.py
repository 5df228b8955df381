from tests.lms.smtp import smtp_inbox  # noqa: F401  (the fixture `inbox`: a real SMTP server)

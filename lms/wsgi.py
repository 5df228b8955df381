import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
# A web process scores one learner at a time when it decides for a late worker; more threads per
# request (NumPy's, or torch's where PATHWISE_SERVE_WITH_TORCH lets it load a model built on torch)
# only fight the other requests and the workers for the cores. Set before either is imported, and
# without importing torch: the web server does without it (docs/deployment.md).
os.environ.setdefault("OMP_NUM_THREADS", "1")
application = get_wsgi_application()

import os

import torch
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
# A web process scores one learner at a time when it decides for a late worker; more torch
# threads per request only fight the other requests and the workers for the cores.
torch.set_num_threads(1)
application = get_wsgi_application()

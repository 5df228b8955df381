# Two images from one file. "web" (gunicorn) installs requirements-web.txt: everything but torch,
# which the web process never imports (docs/deployment.md, "Images"). "app", the last stage and so
# what a plain `docker build .` makes, adds torch for the Celery workers, beat, the trainer and migrate.
# Pinned to an exact release; pin its digest too at release (docs/deployment.md, "Images").
FROM python:3.11.13-slim-bookworm AS web

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY requirements-web.txt .
RUN pip install --no-cache-dir -r requirements-web.txt

COPY . .
# The translation catalogues are compiled here: the .mo files are not committed.
RUN python bin/compile_catalogues.py
# The production settings refuse to load without a secret key and a broker: placeholders that only
# collectstatic sees (it sends no task).
RUN DEBUG=0 SECRET_KEY=collectstatic-only CELERY_BROKER_URL=memory:// \
    python manage.py collectstatic --noinput -v0 \
    && useradd --create-home --uid 1000 --user-group pathwise \
    && mkdir -p /app/var/models /app/var/media && chown -R pathwise:pathwise /app/var
# The model and media folders exist in the image and belong to pathwise, so a fresh named volume mounted
# there starts with that owner (Docker seeds an empty volume from the image) and the trainer can write to it.
USER 1000

EXPOSE 8000
CMD ["gunicorn", "lms.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4", "--access-logfile", "-"]

FROM web AS app
USER root
COPY requirements.txt .
# The CPU build of torch keeps the image small; the GPU trainer builds with
# TORCH_INDEX_URL=https://download.pytorch.org/whl/cu126 (docker-compose.gpu.yml).
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN pip install --no-cache-dir --extra-index-url "$TORCH_INDEX_URL" -r requirements.txt
USER 1000

# Production image: the same image runs the web server, the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY requirements.txt .
# The CPU build of torch keeps the image small; the GPU trainer builds with
# TORCH_INDEX_URL=https://download.pytorch.org/whl/cu126 (docker-compose.gpu.yml).
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN pip install --no-cache-dir --extra-index-url "$TORCH_INDEX_URL" -r requirements.txt

COPY . .
RUN DEBUG=0 SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput -v0 \
    && useradd --create-home pathwise && mkdir -p /app/var && chown -R pathwise /app/var
USER pathwise

EXPOSE 8000
CMD ["gunicorn", "lms.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4", "--access-logfile", "-"]

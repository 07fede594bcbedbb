# Custos: one image for web (gunicorn), worker and beat (Celery) and the migrate job.
# compose.yaml builds it; each service only chooses the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CUSTOS_VAR_DIR=/var/lib/custos

WORKDIR /app

# pg_dump and pg_restore for `custos backup` / `restore` / `drill` (README "Backup,
# restore, drill"): Debian's client, the same major version as compose's postgres.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, pinned by the lock file, so code changes reuse this layer.
# The labels' CJK font comes with them (the manimgx-fonts-cjk package; labels/README.md):
# no system font package is needed.
COPY requirements.lock ./
RUN pip install -r requirements.lock

# Then the project itself, without re-resolving anything the lock already pinned.
COPY pyproject.toml README.md ./
COPY backend ./backend
COPY labels ./labels
COPY scanners ./scanners
COPY worker ./worker
RUN pip install --no-deps . \
    && useradd --system --home-dir /var/lib/custos --shell /usr/sbin/nologin custos \
    && mkdir -p /var/lib/custos /var/lib/custos-backups \
    && install -d -m 0700 /var/lib/custos-keys \
    && chown custos:custos /var/lib/custos /var/lib/custos-keys /var/lib/custos-backups

USER custos
WORKDIR /var/lib/custos
EXPOSE 8000

CMD ["gunicorn", "backend.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4"]

# syntax=docker/dockerfile:1
# Production image for Fly.io: slim Python, dependencies from pyproject.toml, static
# files collected at build, gunicorn as a non-root user.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DEBUG=0 \
    PORT=8080

# pg_dump/pg_restore for backup_db/restore_db.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 app

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import subprocess, sys, tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; subprocess.run([sys.executable, '-m', 'pip', 'install', *deps], check=True)"

COPY . .

# collectstatic imports the settings, which refuse to load without secrets when
# DEBUG=0; these build-only values never reach the running app (Fly secrets do).
RUN SECRET_KEY=build-only-collectstatic-secret-key-0000 \
    IP_HASH_PEPPER=build-only-collectstatic-pepper-00000000 \
    DATABASE_URL=postgres://build@127.0.0.1:1/build \
    python manage.py collectstatic --noinput

USER app
EXPOSE 8080
CMD ["gunicorn", "--config", "config/gunicorn.py", "config.wsgi"]

# Regiebot container: Socket Mode by default (no public endpoint needed).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLBACKEND=Agg \
    PORT=3000 \
    REGIEBOT_AUTO_MIGRATE=true

WORKDIR /app
# Every dependency at the version and with the file hashes in the lock (bash scripts/lock
# regenerates it), including setuptools and wheel to build regiebot without fetching more.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
RUN pip install --no-deps --no-build-isolation . \
    && pip check \
    && useradd --system --uid 10001 --home-dir /data --create-home regiebot

USER regiebot
WORKDIR /data
# The embedded SQLite default lives in /data; production sets DATABASE_URL to PostgreSQL.
# REGIEBOT_AUTO_MIGRATE=true (above): `serve` and `socket` bring the schema to the newest
# revision before they start, so a fresh volume works; replicas on PostgreSQL take turns.
ENV DATABASE_URL=sqlite:////data/regiebot.sqlite3
VOLUME ["/data"]
EXPOSE 3000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import os,urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT','3000'), timeout=4)" || exit 1

ENTRYPOINT ["regiebot"]
CMD ["socket"]

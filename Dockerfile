# VA Desk's image: `vadesk serve` by default; compose.yaml runs the same image as the
# migration, the web replicas and the scheduler. No secret is in it: tokens and the
# database password come from the environment (an env file) when a container starts.
# bookworm's postgresql-client is PostgreSQL 15: `vadesk backup` needs a pg_dump at least
# as new as the server, which is why compose.yaml runs postgres:15.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

# The uid is fixed so a bind-mounted directory (./backups) can be given to it.
RUN groupadd --system --gid 10001 vadesk \
    && useradd --system --uid 10001 --gid vadesk --home-dir /var/lib/vadesk --create-home vadesk \
    && install -d -o vadesk -g vadesk -m 0700 /backups

WORKDIR /opt/vadesk/src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY store ./store
COPY manifests ./manifests
# As the README installs it: a virtual environment and `pip install .`.
RUN python3 -m venv /opt/vadesk/venv && /opt/vadesk/venv/bin/pip install .
ENV PATH=/opt/vadesk/venv/bin:$PATH

USER vadesk
WORKDIR /var/lib/vadesk
EXPOSE 3000

# 503 while the database is unreachable: the load balancer and `docker ps` see it.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"]

# `vadesk serve` drains on SIGTERM (at most --drain-timeout, 25 s): give the container
# longer than that to stop (compose.yaml's stop_grace_period).
STOPSIGNAL SIGTERM
CMD ["vadesk", "serve", "--host", "0.0.0.0", "--port", "3000"]

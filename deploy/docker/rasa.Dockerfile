# A rasa server with the trained model baked in (run `make train` first: models/liege.tar.gz).
#   docker build -f deploy/docker/rasa.Dockerfile -t liege-rasa .
# Settings from the environment, as for `make run`: TRACKER_STORE_URL, LOCK_STORE_URL,
# ACTION_ENDPOINT_URL, RASA_API_TOKEN (required), CORS_ORIGINS, SANIC_WORKERS, and the
# channels' secrets (FB_*, X_*; a channel whose secrets are unset stays off).
FROM python:3.10-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 SANIC_WORKERS=1 \
    CORS_ORIGINS=https://www.liege.be
WORKDIR /app
COPY requirements.txt requirements-actions.txt constraints.txt ./
RUN pip install -r requirements.txt -c constraints.txt
COPY config.yml domain.yml endpoints.yml credentials.yml ./
COPY rasa_extensions/ rasa_extensions/
COPY connectors/ connectors/
COPY actions/ actions/
COPY catalogue/ catalogue/
COPY scripts/rasa_cli.py scripts/
COPY models/liege.tar.gz models/liege.tar.gz
RUN useradd --system --uid 10001 --home-dir /app assistant && mkdir -p /app/run \
    && chown 10001 /app/run
USER 10001
EXPOSE 5005
# The credentials are rendered at each start (only the channels whose secrets are set).
CMD ["sh", "-c", "test -n \"$RASA_API_TOKEN\" || { echo 'RASA_API_TOKEN is not set' >&2; exit 1; }; python -m connectors.credentials credentials.yml run/credentials.yml && exec python scripts/rasa_cli.py run --model models/liege.tar.gz --port 5005 --enable-api --auth-token \"$RASA_API_TOKEN\" --cors $CORS_ORIGINS --endpoints endpoints.yml --credentials run/credentials.yml"]

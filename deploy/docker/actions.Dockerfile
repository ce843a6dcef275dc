# The action server: rasa_sdk with the project's actions and the city's catalogue.
#   docker build -f deploy/docker/actions.Dockerfile -t liege-actions .
FROM python:3.10-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements-actions.txt constraints.txt ./
RUN pip install -r requirements-actions.txt -c constraints.txt
COPY actions/ actions/
COPY catalogue/ catalogue/
RUN useradd --system --uid 10001 --home-dir /app assistant
USER 10001
EXPOSE 5055
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5055/health', timeout=4)"
CMD ["python", "-m", "rasa_sdk", "--actions", "actions", "--port", "5055"]

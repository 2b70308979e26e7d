# The dashboard in a container (README, "Putting it online"; deploy/README.md for the details).
#   docker build -t tothu .
#   docker run -d --name tothu -p 8501:8501 -v tothu-data:/data tothu
# The state the app keeps itself (outbox, month locks, local accounts) lives in the /data
# volume; the office's data stays in its spreadsheet. Secrets are mounted, never built in.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TOTHU_DATA_DIR=/data \
    TOTHU_ACCOUNTS_FILE=/data/accounts.json \
    STREAMLIT_SERVER_ADDRESS=0.0.0.0 \
    STREAMLIT_SERVER_PORT=8501 \
    STREAMLIT_SERVER_HEADLESS=true \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

# A user without a password or a login shell runs the app; the code stays root's, read-only to it.
RUN groupadd --system --gid 10001 tothu \
    && useradd --system --uid 10001 --gid tothu --home-dir /home/tothu --create-home \
        --shell /usr/sbin/nologin tothu \
    && mkdir /data \
    && chown tothu:tothu /data \
    && chmod 0700 /data

WORKDIR /app
# Requirements first: the dependency layer is rebuilt only when requirements.txt changes.
COPY requirements.txt .
RUN python -m pip install -r requirements.txt
COPY . .

USER tothu
VOLUME ["/data"]
EXPOSE 8501
# Streamlit answers "ok" on /_stcore/health once it serves; python is the only client in a slim
# image (no curl). Exit status 0 = healthy, 1 = not.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; body = urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read(); sys.exit(0 if body.strip() == b'ok' else 1)"]
CMD ["streamlit", "run", "app.py"]

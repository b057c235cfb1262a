FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    GATEHOUSE_DATABASE_URL=sqlite:////var/lib/gatehouse/gatehouse.db

# The shipped rules are installed inside the package. A deployment's own rules directory,
# mounted at /srv/gatehouse/rules (./rules) or named by GATEHOUSE_RULES_DIR, wins.
WORKDIR /srv/gatehouse
COPY pyproject.toml setup.py README.md MANIFEST.in app.yml /tmp/gatehouse/
COPY app /tmp/gatehouse/app
COPY rules /tmp/gatehouse/rules
COPY schema /tmp/gatehouse/schema
RUN pip install /tmp/gatehouse \
    && rm -rf /tmp/gatehouse \
    && useradd --system --uid 10001 --home-dir /srv/gatehouse gatehouse \
    && mkdir -p /var/lib/gatehouse && chown gatehouse /var/lib/gatehouse

USER gatehouse
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
ENTRYPOINT ["gatehouse", "serve"]
CMD ["--host", "0.0.0.0", "--port", "8000"]

# The Kho hub: HTTP API, connectors, workers and publisher in one image (docker-compose.yml runs
# each as its own service). The catalogue, schemas, procedures, publications and connector
# configurations ship inside the wheel as package data (hub/defaults, connectors/configs); an
# operator overrides them by mounting files and pointing KHO_CATALOGUE_PATH, KHO_SCHEMAS_DIR,
# KHO_PROCEDURES_PATH, KHO_PUBLICATIONS_PATH or KHO_CONNECTORS_DIR at them.
FROM python:3.11-slim AS build
# node and npm in this stage only: the pages' front-end files (uPlot, pinned in
# web/package-lock.json) are copied into hub/app/web/static/vendor by scripts/web-assets.sh
# before the wheel is built, so that the wheel ships them
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY web/package.json web/package-lock.json web/
COPY scripts/web-assets.sh scripts/
COPY scripts/services/lib.sh scripts/services/
COPY pyproject.toml README.md ./
COPY hub hub
COPY connectors connectors
COPY opendata opendata
RUN bash scripts/web-assets.sh && test -f hub/app/web/static/vendor/uPlot.iife.min.js \
    && pip wheel --no-cache-dir --no-deps --wheel-dir /dist .

FROM python:3.11-slim
COPY --from=build /dist /dist
COPY deploy/docker-entrypoint.sh /usr/local/bin/kho-entrypoint
RUN pip install --no-cache-dir /dist/*.whl && rm -rf /dist \
    && useradd --create-home --uid 10001 kho && mkdir -p /var/lib/kho && chown kho /var/lib/kho
USER kho
# The image holds no checkout: the commands run from the hub's data folder, which holds the
# embedded adapters' files and key files when no URL or key is set; a volume keeps it.
WORKDIR /var/lib/kho
ENV KHO_DATA_DIR=/var/lib/kho
VOLUME /var/lib/kho
EXPOSE 8000
# the API's liveness (no curl in the slim image); workers override it with their /metrics
HEALTHCHECK --interval=15s --timeout=6s --start-period=30s --retries=4 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=5)"]
# secrets mounted as /run/secrets/KHO_<NAME> become the settings KHO_<NAME>
ENTRYPOINT ["kho-entrypoint"]
CMD ["kho", "serve", "--host", "0.0.0.0", "--port", "8000"]

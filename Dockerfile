# The Kho hub: HTTP API, connectors, workers and publisher in one image.
# The catalogue, schemas, procedures, publications and connector configurations ship inside
# the wheel as package data (hub/defaults, connectors/configs); an operator overrides them by
# mounting files and pointing KHO_CATALOGUE_PATH, KHO_SCHEMAS_DIR, KHO_PROCEDURES_PATH,
# KHO_PUBLICATIONS_PATH or KHO_CONNECTORS_DIR at them.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY hub hub
COPY connectors connectors
COPY opendata opendata
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /dist .

FROM python:3.11-slim
COPY --from=build /dist /dist
RUN pip install --no-cache-dir /dist/*.whl && rm -rf /dist \
    && useradd --create-home kho && mkdir -p /var/lib/kho && chown kho /var/lib/kho
USER kho
# The image holds no checkout: the commands run from the hub's data folder, which holds the
# embedded adapters' files and key files when no URL or key is set.
WORKDIR /var/lib/kho
ENV KHO_DATA_DIR=/var/lib/kho
EXPOSE 8000
CMD ["kho", "serve", "--host", "0.0.0.0", "--port", "8000"]

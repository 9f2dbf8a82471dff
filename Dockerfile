# The Kho hub: HTTP API, connectors and publisher in one image.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY hub hub
COPY connectors connectors
COPY opendata opendata
COPY schemas schemas
COPY catalogue catalogue
RUN pip install --no-cache-dir . && useradd --create-home kho
USER kho
ENV KHO_HTTP_HOST=0.0.0.0 \
    KHO_CATALOGUE_PATH=/app/catalogue/datasets.yaml \
    KHO_SCHEMAS_DIR=/app/schemas
EXPOSE 8000
CMD ["kho", "serve"]

"""Kho hub: the event bus, schemas, catalogue, ingest and HTTP API of the data-sharing hub."""

"""The load run: every path of the hub at once, on the real services, for a fixed time.

On the shared Kafka and PostgreSQL (topics under ``load.<run>.``, tables in a schema
``load_<run>`` dropped afterwards), the runner starts 2 ``kho serve`` (the compose file's two
replicas), ``kho mask run`` and ``kho index run``; then, in a process of its own so that its CPU
is not counted in the hub's, the load generator (``tests/load/generator.py``):

- **ingest**: 8 producers post dossiers in batches of 100 with Idempotency-Keys, paced to a
  total of 2,000 records/s, each alternating between the two APIs;
- **sse**: 50 readers hold ``GET /api/v1/datasets/salinity.readings/stream`` open (25 on each
  API), as the home page's live salinity does; a station posts 2 readings/s (**sensor**) and
  each reader must receive every one (latency: from the reading's ``measured_at`` to the event);
- **prefill**: 20 provide-once prefills/s (``GET /api/v1/subjects/{id}/prefill``) of seeded
  citizens by so-yt.

Idempotency keys are kept for a short ``KHO_IDEMPOTENCY_RETENTION_S`` (60 s), so the purge in
the API processes must keep the key table bounded over the run. Every 10 s the runner samples
the resident memory of each process and the row counts of the tables that hold expiring state.

``python -m tests.load --help``; ``make load`` runs it for ten minutes. The figures are printed
as one table and written as JSON under ``.load/``.
"""

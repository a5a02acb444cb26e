"""Airflow DAG ``ideas_ingest_rss``: fetch RSS and Atom feeds.

One mapped task per enabled source; each landed batch updates the ``ideas_landing_rss``
asset, which schedules ``ideas_load_enrich``. The schedule comes from the config's
``airflow.schedules.rss`` ($IDEAS_CONFIG); the DAG is built by
``idea_harvester.orchestration.ingest_dag``.
"""

from idea_harvester.orchestration import ingest_dag

ingest_dag("rss")

"""Airflow DAG ``ideas_ingest_reddit``: fetch subreddits.

Credentials come from the Airflow connection ``reddit_default`` (see the README).

One mapped task per enabled source; each landed batch updates the ``ideas_landing_reddit``
asset, which schedules ``ideas_load_enrich``. The schedule comes from the config's
``airflow.schedules.reddit`` ($IDEAS_CONFIG); the DAG is built by
``idea_harvester.orchestration.ingest_dag``.
"""

from idea_harvester.orchestration import ingest_dag

ingest_dag("reddit")

"""Airflow DAG ``ideas_ingest_blog_comments``: fetch comments under blog posts.

WordPress needs no key; Disqus's comes from the Airflow connection ``disqus_default``.

One mapped task per enabled source; each landed batch updates the ``ideas_landing_blog_comments``
asset, which schedules ``ideas_load_enrich``. The schedule comes from the config's
``airflow.schedules.blog_comments`` ($IDEAS_CONFIG); the DAG is built by
``idea_harvester.orchestration.ingest_dag``.
"""

from idea_harvester.orchestration import ingest_dag

ingest_dag("blog_comments")

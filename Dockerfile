# Airflow 3.3.2 with Idea Harvester installed (CPU-only torch, pinned in pyproject.toml).
FROM apache/airflow:3.3.2-python3.11
COPY --chown=airflow:root . /opt/idea-harvester/src
RUN pip install --no-cache-dir /opt/idea-harvester/src

# Airflow 3.3.2 with Idea Harvester installed: the image of every Airflow service in
# docker-compose.yml. Build: `docker compose build`.
#
# torch comes first, from the PyTorch CPU wheel index (build argument TORCH_INDEX_URL): the
# torch==2.13.0 wheel that pip finds by default pulls several GB of CUDA libraries that a CPU
# worker never uses. The project's own pin (torch==2.13.0) is then already satisfied by the
# CPU build (2.13.0+cpu), so the second install keeps it. Point TORCH_INDEX_URL at a mirror
# when the build cannot reach the default.
FROM apache/airflow:3.3.2-python3.11

ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG TORCH_VERSION=2.13.0

ENV HF_HUB_OFFLINE=1 \
    IDEAS_CONFIG=/opt/idea-harvester/config/ideas.yml

USER airflow
RUN pip install --no-cache-dir --index-url "${TORCH_INDEX_URL}" "torch==${TORCH_VERSION}"

# The project, pinned as in pyproject.toml; apache-airflow is named so pip keeps the image's.
COPY --chown=airflow:root . /opt/idea-harvester/src
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" /opt/idea-harvester/src \
    && python -c "import torch; assert not torch.version.cuda, torch.version.cuda"

# DAGs and configuration baked in; docker-compose.yml mounts the working copies over them.
COPY --chown=airflow:root dags /opt/airflow/dags
COPY --chown=airflow:root config/ideas.yml /opt/idea-harvester/config/ideas.yml

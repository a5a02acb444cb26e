"""Configuration: one YAML file, validated with pydantic.

Where it is found: ``--config PATH``, else ``$IDEAS_CONFIG``, else ``ideas.yml`` in the
current folder. Relative paths in the file are resolved against the file's own folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

DEFAULT_CONFIG_NAME = "ideas.yml"
CONFIG_ENV = "IDEAS_CONFIG"


class ConfigError(Exception):
    """The configuration file is missing or invalid; the message says where and why."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


SOURCE_NAME = r"^[A-Za-z0-9_.-]+$"
#: Channels whose item titles are mined unless a source says otherwise (``mine_titles``).
TITLES_MINED_BY_DEFAULT = ("reddit",)


class _SourceBase(_Strict):
    name: str = Field(min_length=1, pattern=SOURCE_NAME)
    enabled: bool = True
    #: A place where people post proposals in so many words (a feature-request board, an
    #: ideas forum): a sentence there is a suggestion only with a request cue ("please add",
    #: "il faudrait", "I wish"), which the classifier confirms. Off (the default), statements
    #: of a lack ("Still no Linux app", "iOS has had offline notebooks for ages") count too,
    #: as app reviews and community threads need. On SemEval A's forum sentences this mode
    #: scored F1 0.753 against 0.649 (bench/quality_eval.py).
    explicit_only: bool = False
    #: Mine each item's title as its first sentence. Default (unset): on for Reddit, where a
    #: post's title is its author's own words and often the request itself ("Nested tags,
    #: please"); off for feeds and blog comments, whose titles are often generated ("Comment
    #: on <post> by <name>", "Re: ..."). Turn it on for a feed of posts titled by their
    #: authors: an ideas board, a forum's list of topics.
    mine_titles: bool | None = None
    #: Read recorded responses from this folder instead of the network (demo, tests).
    replay_dir: Path | None = None

    @property
    def titles_mined(self) -> bool:
        """``mine_titles``, else the channel's default (TITLES_MINED_BY_DEFAULT)."""
        if self.mine_titles is not None:
            return self.mine_titles
        return getattr(self, "channel", None) in TITLES_MINED_BY_DEFAULT


class RssSource(_SourceBase):
    """An RSS or Atom feed. ``url`` may be http(s)://, file:// or a local path."""

    channel: Literal["rss"]
    url: str = Field(min_length=1)


class RedditSource(_SourceBase):
    """A subreddit: new submissions with their comment trees, the comment stream, searches.

    Credentials never live here: they come from the Airflow connection ``credentials_conn_id``
    or from $REDDIT_CLIENT_ID / $REDDIT_CLIENT_SECRET (see idea_harvester/secrets.py).
    """

    channel: Literal["reddit"]
    subreddit: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_]+$")
    listings: list[Literal["new", "comments", "search"]] = Field(
        default_factory=lambda: ["new", "comments", "search"]
    )
    search_queries: list[str] = Field(
        default_factory=lambda: ["feature request", "I wish", "would be nice"]
    )
    limit: int = Field(default=100, gt=0, le=1000)
    more_expansion_budget: int = Field(default=10, ge=0)
    credentials_conn_id: str = "reddit_default"
    #: API base URLs; change only to point at a local test server.
    oauth_url: str = "https://oauth.reddit.com"
    reddit_url: str = "https://www.reddit.com"


class BlogCommentsSource(_SourceBase):
    """Comments under blog posts: the WordPress REST API, a WordPress comment feed, or Disqus.

    - ``wordpress_rest``: ``site_url`` (``/wp-json/wp/v2/comments`` is appended)
    - ``wordpress_feed``: ``feed_url`` (``/comments/feed/`` or a post's ``.../feed/``)
    - ``disqus``: ``forum`` (shortname); the API key comes from the Airflow connection
      ``credentials_conn_id`` or $DISQUS_API_KEY, never from this file.
    """

    channel: Literal["blog_comments"]
    platform: Literal["wordpress_rest", "wordpress_feed", "disqus"]
    site_url: str | None = None
    feed_url: str | None = None
    forum: str | None = None
    post_ids: list[int] = Field(default_factory=list)
    per_page: int = Field(default=100, gt=0, le=100)
    max_pages: int = Field(default=20, gt=0)
    credentials_conn_id: str = "disqus_default"
    api_url: str = "https://disqus.com/api/3.0"

    @model_validator(mode="after")
    def _platform_fields(self) -> BlogCommentsSource:
        needed = {"wordpress_rest": "site_url", "wordpress_feed": "feed_url", "disqus": "forum"}
        field_name = needed[self.platform]
        if not getattr(self, field_name):
            raise ValueError(f"platform {self.platform} needs `{field_name}`")
        return self


Source = Annotated[RssSource | RedditSource | BlogCommentsSource, Field(discriminator="channel")]


class HttpSettings(_Strict):
    """How connectors talk to servers: timeouts, size cap, retries, and a polite request rate.

    Retries cover 429 and 5xx (not 501/505): the wait is ``Retry-After`` when the server sends
    one, else ``backoff_s * 2**attempt`` capped at ``backoff_max_s``; the waits of one request
    never add up to more than ``max_retry_wait_s``. ``rate_per_host`` is a token bucket per
    host (requests per second, ``burst`` at once; 0 = no limit); ``host_rates`` overrides it
    for named hosts, e.g. ``{"disqus.com": 0.25}``.
    """

    timeout_s: float = Field(default=20.0, gt=0)
    max_bytes: int = Field(default=10_000_000, gt=0)
    user_agent: str = "IdeaHarvester/0.1 (+https://github.com/idea-harvester/idea-harvester)"
    retries: int = Field(default=2, ge=0, le=10)
    backoff_s: float = Field(default=0.5, ge=0)
    backoff_max_s: float = Field(default=30.0, ge=0)
    max_retry_wait_s: float = Field(default=60.0, ge=0)
    rate_per_host: float = Field(default=1.0, ge=0)
    burst: int = Field(default=5, ge=1)
    host_rates: dict[str, Annotated[float, Field(ge=0)]] = Field(default_factory=dict)


class ModelSettings(_Strict):
    """The sentence embedding model for grouping and similarity (see transforms/embeddings.py):
    a bundled offline model (``bundled:use-e5-small``, the default: USE and
    multilingual-e5-small together, English and French in one space;
    ``bundled:use-multilingual-v3``, USE alone, faster and a little less accurate; or the
    English-only ``bundled:all-MiniLM-L6-v2``), or a sentence-transformers hub id or local
    path. The suggestion classifier uses the model recorded in its weights (USE)."""

    embedding_model: str = "bundled:use-e5-small"  # transforms.embeddings.DEFAULT_MODEL
    batch_size: int = Field(default=64, gt=0)


class Thresholds(_Strict):
    suggestion_min_score: float = Field(default=0.5, ge=0, le=1)
    idea_similarity: float = Field(default=0.5, gt=0, le=1)
    min_sentence_chars: int = Field(default=12, ge=1)


class DetectionSettings(_Strict):
    """How sentences are judged to be suggestions (see transforms/classifier.py).

    With ``classifier_enabled``, every candidate sentence (at least
    ``thresholds.min_sentence_chars`` long) that the lexical ``prefilter`` keeps is embedded
    and scored by a logistic regression on its embedding and the rule detector's evidence; a
    suggestion is a strong rule hit or a probability of at least the threshold.
    ``classifier`` is ``"bundled"`` (the shipped weights, trained on Mini-BAR) or a weights
    JSON written by ``ideas train-classifier``.
    Off, the rules alone decide (``thresholds.suggestion_min_score``). Analysts' labels
    (``ideas label``) override both.
    """

    classifier_enabled: bool = True
    classifier: str = Field(default="bundled", min_length=1)
    #: Probability needed; null = the threshold stored in the weights file.
    classifier_threshold: float | None = Field(default=None, gt=0, lt=1)
    #: The weights' lexical prefilter clears most sentences the classifier would reject
    #: before they are embedded (about 1% of its suggestions lost; see transforms/prefilter.py).
    #: It is skipped when classifier_threshold is below the weights' own threshold.
    prefilter: bool = True
    #: The embedding model whose vectors ``ideas train-classifier`` trains on (weights record
    #: their own model, so a trained classifier keeps working if this changes). USE, like the
    #: shipped weights: it embeds every candidate sentence, so speed matters more here than
    #: for grouping, which embeds only the suggestions.
    classifier_model: str = Field(default="bundled:use-multilingual-v3", min_length=1)
    #: Your own team's accounts (developers, moderators, the product's official account), as
    #: the sources publish them; case-insensitive. Their posts are kept in raw and cut into
    #: sentences but never mined for suggestions ("Tell us what you'd like next!"). Changing
    #: the list applies to earlier items too on the next enrich.
    team_authors: list[str] = Field(default_factory=list)


class GroupingSettings(_Strict):
    """How suggestions are grouped into ideas (see transforms/grouping.py).

    Similarities are taken in a *grouping space*: the embedding minus its mean and its top
    ``components_removed`` principal directions (language, tone, style), renormalised. The
    space is the one shipped with a bundled model (fitted on Mini-BAR reviews) until the
    warehouse holds ``min_corpus_for_fit`` suggestions; then ``ideas reconsolidate`` refits it
    on them (the first fit is automatic for a model without a shipped space). A refit is
    refused, with a warning, when it would keep the existing ideas apart worse
    (``refit_max_separation_loss``). Without any space (identity),
    ``thresholds.idea_similarity`` applies in the raw embedding space.

    ``similarity`` is tuned for the default model's space; another model needs its own value
    (measure it with ``ideas eval grouping``).
    """

    #: Similarity in the grouping space needed to join an idea: with ``average`` linkage, the
    #: average cosine to the idea's members; with ``centroid``, the cosine to its centre
    #: (which lets a growing idea swallow its neighbours at low thresholds).
    similarity: float = Field(default=0.20, gt=-1, le=1)
    #: Group on what a suggestion asks for as much as on how it is worded: its vector is the
    #: mean of its embedding and the embedding of the sentence without its request wording
    #: ("Could you add a week view?" -> "week view?"). Switching it changes the vectors: the
    #: next enrich moves the existing ideas into the new space (members and ids kept).
    request_focus: bool = True
    linkage: Literal["average", "centroid"] = "average"
    components_removed: int = Field(default=20, ge=0, le=30)
    min_corpus_for_fit: int = Field(default=2000, ge=3)
    #: Above this many ideas, nearest ideas come from an HNSW index (exact re-ranking).
    ann_min_ideas: int = Field(default=20000, ge=1)
    ann_candidates: int = Field(default=16, ge=1)
    #: Copy-pasted or syndicated text joins its twin's idea (exact text, else MinHash).
    near_duplicates: bool = True
    near_duplicate_jaccard: float = Field(default=0.8, gt=0, le=1)
    #: Reconsolidation merges ideas whose linkage (as ``linkage`` measures it, between the
    #: two ideas' members) reaches this; null = the join threshold (``similarity``), i.e. two
    #: ideas merge when, as wholes, they are as close as a suggestion must be to join one.
    merge_similarity: float | None = Field(default=None, gt=-1, le=1)
    #: Reconsolidation refits the space on the corpus (at least min_corpus_for_fit).
    refit_on_reconsolidate: bool = True
    #: ... unless the refitted space keeps the existing ideas apart worse: the share of
    #: members nearer their own idea than any other (``grouping.idea_separation``) may fall
    #: by at most this much. On a corpus made of a few big ideas, the top principal
    #: directions are those ideas themselves, and removing them scatters every idea.
    refit_max_separation_loss: float = Field(default=0.1, ge=0, le=1)
    #: Quote and label each idea in this language ("en", "fr") when one of its members in it
    #: is nearly as typical as the most typical one (within 0.05); null = any language.
    #: Changing it labels every idea again at the next enrich.
    label_language: str | None = None

    @field_validator("label_language")
    @classmethod
    def _language_code(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[a-z]{2}", value):
            raise ValueError(f'{value!r} is not a two-letter language code such as "en" or "fr"')
        return value


class DashboardSettings(_Strict):
    """The published dashboard site and what counts as an emerging (spiking) idea.

    An idea spikes when its mentions in the ``spike_window_days`` up to the run's time reach
    ``spike_min_mentions`` and at least ``spike_ratio`` times its weekly average over the
    ``spike_baseline_weeks`` before that window (an average under 1 counts as 1).
    """

    title: str = Field(default="Idea Harvester", min_length=1)
    page_size: int = Field(default=50, gt=0, le=1000)
    sparkline_weeks: int = Field(default=12, ge=2, le=104)
    spike_window_days: int = Field(default=7, gt=0, le=90)
    spike_baseline_weeks: int = Field(default=4, gt=0, le=52)
    spike_min_mentions: int = Field(default=3, gt=0)
    spike_ratio: float = Field(default=2.0, ge=1)
    exports: bool = True


class AlertsSettings(_Strict):
    """Alerts when an idea enters the top ``top_n`` or spikes; each is recorded once in
    meta.alerts and, when a webhook is set, posted once as Slack-compatible JSON.

    The webhook URL is a secret: it comes from the Airflow connection ``webhook_conn_id``
    (extra ``{"webhook_url": ...}``) or $IDEAS_ALERTS_WEBHOOK_URL, never from this file.
    Without one, alerts are only recorded. The first run finds the whole top N new.
    """

    enabled: bool = True
    top_n: int = Field(default=10, gt=0)
    spikes: bool = True
    webhook_conn_id: str = "ideas_alerts_webhook"
    timeout_s: float = Field(default=10.0, gt=0)
    #: Public address of the published dashboard, for links in messages (optional).
    dashboard_url: str | None = None


DEFAULT_SCHEDULES: dict[str, str | None] = {
    "rss": "@hourly",
    "reddit": "*/30 * * * *",
    "blog_comments": "0 */6 * * *",
    "reconsolidate": "@weekly",  # not a channel: the ideas_reconsolidate DAG
}
SCHEDULE_PRESETS = ("@once", "@hourly", "@daily", "@weekly", "@monthly", "@quarterly", "@yearly")


def _is_schedule(value: str) -> bool:
    """A preset, or a cron expression that croniter (Airflow's parser) accepts."""
    if value in SCHEDULE_PRESETS:
        return True
    if len(value.split()) != 5:
        return False
    try:
        from croniter import croniter
    except ImportError:  # Airflow (and croniter) not installed: the field count must do
        return True
    return bool(croniter.is_valid(value))


class AirflowSettings(_Strict):
    """How Airflow runs the pipeline: the ingest schedule of each channel, and of the
    ``reconsolidate`` DAG (refit the grouping space, merge ideas that became alike).

    A schedule is a cron expression (``"*/30 * * * *"``), a preset (``"@hourly"``,
    ``"@daily"``) or null (no schedule: the DAG runs only when triggered). The DAG files read
    this section when Airflow parses them; a channel left out keeps its default.
    """

    schedules: dict[Literal["rss", "reddit", "blog_comments", "reconsolidate"], str | None] = Field(
        default_factory=dict, validate_default=True
    )

    @field_validator("schedules")
    @classmethod
    def _fill_and_check(cls, value: dict[str, str | None]) -> dict[str, str | None]:
        for channel, schedule in value.items():
            if schedule is not None and not _is_schedule(schedule):
                raise ValueError(
                    f"{channel}: {schedule!r} is not a cron expression or one of "
                    f"{', '.join(SCHEDULE_PRESETS)}"
                )
        return {**DEFAULT_SCHEDULES, **value}


class Settings(_Strict):
    warehouse: Path
    landing: Path
    dashboards: Path | None = None
    sources: list[Source] = Field(default_factory=list)
    http: HttpSettings = Field(default_factory=HttpSettings)
    model: ModelSettings = Field(default_factory=ModelSettings)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    grouping: GroupingSettings = Field(default_factory=GroupingSettings)
    detection: DetectionSettings = Field(default_factory=DetectionSettings)
    top_ideas_limit: int = Field(default=200, gt=0)
    dashboard: DashboardSettings = Field(default_factory=DashboardSettings)
    alerts: AlertsSettings = Field(default_factory=AlertsSettings)
    airflow: AirflowSettings = Field(default_factory=AirflowSettings)

    @model_validator(mode="after")
    def _unique_source_names(self) -> Settings:
        names = [s.name for s in self.sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"source names must be unique; repeated: {', '.join(dupes)}")
        return self

    @property
    def dashboards_dir(self) -> Path:
        return self.dashboards or self.warehouse.parent / "dashboards"

    def source(self, name: str) -> Source:
        for s in self.sources:
            if s.name == name:
                return s
        known = ", ".join(s.name for s in self.sources) or "(none)"
        raise ConfigError(f"no source named {name!r} in the config; known sources: {known}")

    def enabled_sources(self, channel: str | None = None) -> list[Source]:
        return [s for s in self.sources if s.enabled and (channel is None or s.channel == channel)]


def resolve_config_path(path: str | os.PathLike | None = None) -> Path:
    if path:
        return Path(path)
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    return Path(DEFAULT_CONFIG_NAME)


def _format_validation_error(path: Path, err: ValidationError) -> str:
    lines = [f"invalid config {path}:"]
    for e in err.errors():
        where = ".".join(str(p) for p in e["loc"]) or "(top level)"
        lines.append(f"  - {where}: {e['msg']}")
    return "\n".join(lines)


def _resolve_relative(value: str | os.PathLike | None, base: Path) -> Path | None:
    if value is None:
        return None
    p = Path(os.path.expanduser(str(value)))
    return p if p.is_absolute() else (base / p)


def settings_from_dict(data: dict, base_dir: Path, origin: str = "<config>") -> Settings:
    """Validate a config mapping; relative paths are taken against ``base_dir``."""
    if not isinstance(data, dict):
        raise ConfigError(f"invalid config {origin}: the top level must be a mapping of settings")
    data = dict(data)
    for key in ("warehouse", "landing", "dashboards"):
        if data.get(key) is not None:
            data[key] = _resolve_relative(data[key], base_dir)
    for src in data.get("sources") or []:
        if isinstance(src, dict) and isinstance(src.get("url"), str):
            url = src["url"]
            if "://" not in url:
                src["url"] = str(_resolve_relative(url, base_dir))
        if isinstance(src, dict) and isinstance(src.get("replay_dir"), str):
            src["replay_dir"] = _resolve_relative(src["replay_dir"], base_dir)
    detection = data.get("detection")
    if isinstance(detection, dict) and isinstance(detection.get("classifier"), str):
        if detection["classifier"] != "bundled":
            data["detection"] = {
                **detection,
                "classifier": str(_resolve_relative(detection["classifier"], base_dir)),
            }
    try:
        return Settings.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_format_validation_error(Path(origin), err)) from None


def load_settings(path: str | os.PathLike | None = None) -> Settings:
    cfg_path = resolve_config_path(path)
    if not cfg_path.exists():
        raise ConfigError(
            f"config file {cfg_path} not found: create one with `ideas init`, "
            f"or point to one with --config PATH or ${CONFIG_ENV}"
        )
    try:
        data = yaml.safe_load(cfg_path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ConfigError(f"invalid config {cfg_path}: not valid YAML: {err}") from None
    return settings_from_dict(data or {}, cfg_path.resolve().parent, origin=str(cfg_path))

"""Blog comments: WordPress REST API, WordPress comment feeds, and Disqus.

``fetch`` dispatches on ``source.platform``. Every comment becomes an item of channel
``blog_comments`` that keeps its post's id, title and URL (``thread_*``), its parent comment
(``parent_native_id``) and its author. A cursor written for another platform is ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from connectors.base import FetchResult
from connectors.blog_comments import disqus, wordpress_feed, wordpress_rest
from connectors.blog_comments.common import CHANNEL
from connectors.http import HttpClient
from idea_harvester.config import BlogCommentsSource

__all__ = ["CHANNEL", "fetch"]

_PLATFORMS = {
    wordpress_rest.PLATFORM: wordpress_rest.fetch,
    wordpress_feed.PLATFORM: wordpress_feed.fetch,
    disqus.PLATFORM: disqus.fetch,
}


def fetch(
    source: BlogCommentsSource, cursor: dict[str, Any] | None, client: HttpClient, now: datetime
) -> FetchResult:
    """Fetch one blog-comments source with its platform's connector."""
    if cursor and cursor.get("platform") != source.platform:
        cursor = None  # the source changed platform: start afresh
    return _PLATFORMS[source.platform](source, cursor, client, now)

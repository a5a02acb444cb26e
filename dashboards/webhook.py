"""Posting an alert to a Slack-compatible incoming webhook.

The outcome of a post is one of three: accepted (2xx), surely not delivered (the connection
was refused, or the server answered an error), or unknown (the request may have reached the
server: a read timeout, a connection dropped mid-way). The caller records each differently.
"""

from __future__ import annotations

import requests

WEBHOOK_ENV = "IDEAS_ALERTS_WEBHOOK_URL"


class NotDelivered(Exception):
    """The webhook surely did not take the message (safe to send again)."""


class MaybeDelivered(Exception):
    """The webhook may have taken the message (a resend must say it may be a repeat)."""


def webhook_url(conn_id: str) -> str | None:
    """The webhook URL (a secret): the Airflow connection ``conn_id`` (extra ``webhook_url``
    or login) when running under Airflow, else ``$IDEAS_ALERTS_WEBHOOK_URL``."""
    from idea_harvester.secrets import get_credentials

    found = get_credentials(conn_id, {"webhook_url": WEBHOOK_ENV}, required=[])
    return found.get("webhook_url") or None


def post_json(url: str, payload: dict, *, timeout_s: float, idempotency_key: str) -> None:
    """POST ``payload`` as JSON; return on 2xx, else raise NotDelivered or MaybeDelivered.

    Error messages never include the URL (it carries the secret).
    """
    try:
        response = requests.post(
            url,
            json=payload,
            timeout=(min(timeout_s, 5.0), timeout_s),
            allow_redirects=False,
            headers={"Idempotency-Key": idempotency_key, "User-Agent": "IdeaHarvester-alerts"},
        )
    except (requests.ConnectionError, requests.ConnectTimeout) as err:
        if isinstance(err, requests.ConnectTimeout) or _refused(err):
            raise NotDelivered(f"webhook unreachable: {type(err).__name__}") from None
        raise MaybeDelivered(f"connection lost during the post: {type(err).__name__}") from None
    except requests.Timeout:
        raise MaybeDelivered(f"no answer within {timeout_s:g} s") from None
    except requests.RequestException as err:
        raise NotDelivered(f"request failed: {type(err).__name__}") from None
    if 200 <= response.status_code < 300:
        return
    body = response.text[:200].replace("\n", " ")
    raise NotDelivered(f"webhook answered HTTP {response.status_code}: {body}")


def _refused(err: Exception) -> bool:
    """True when the connection was never made (refused, unknown host, no route)."""
    text = repr(err).lower()
    return any(
        marker in text
        for marker in (
            "connection refused",
            "newconnectionerror",
            "name or service not known",
            "nodename nor servname",
            "failed to resolve",
            "no route to host",
            "network is unreachable",
        )
    )

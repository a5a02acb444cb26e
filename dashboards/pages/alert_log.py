"""The alerts page (alerts.html): every alert raised, and whether it was delivered."""

from __future__ import annotations

from dashboards.context import SiteContext, idea_href
from dashboards.markup import esc, fmt_day

_STATUS = {
    "recorded": "recorded (no webhook)",
    "pending": "waiting to be posted",
    "sending": "post interrupted: will be resent, marked as a possible repeat",
    "sent": "posted",
}


def render(ctx: SiteContext) -> str:
    """The whole alerts page."""
    alerts = ctx.data.alerts or []
    if not alerts:
        body = '<p class="muted">No alert has been raised yet.</p>'
    else:
        rows = []
        for a in alerts:
            idea = esc(a.label or a.idea_id)
            if a.idea_id in ctx.ideas_by_id:
                idea = f'<a href="{esc(idea_href(a.idea_id))}">{idea}</a>'
            rows.append(
                "<tr>"
                f'<td class="when">{fmt_day(a.detected_at)}</td>'
                f"<td>{esc(a.kind)}</td><td>{esc(a.alert_key)}</td>"
                f'<td class="label">{idea}</td>'
                f"<td>{esc(a.message_text)}</td>"
                f"<td>{esc(_STATUS.get(a.status, a.status))}</td>"
                f'<td class="num">{a.attempts}</td>'
                "</tr>"
            )
        body = (
            '<div class="table-wrap"><table class="grid"><thead><tr><th>Raised</th><th>Kind</th>'
            "<th>Key</th><th>Idea</th><th>Message</th><th>Delivery</th>"
            '<th class="num">Posts</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>"
        )
    return ctx.page(
        title="Alerts",
        show_alerts=True,
        page_id="alerts",
        body=(
            '<h1>Alerts</h1><p class="muted">Raised when an idea enters the top N or spikes; '
            f"each is recorded once in meta.alerts and posted once.</p>{body}"
        ),
    )

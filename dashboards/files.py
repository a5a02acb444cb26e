"""Writing the site's files: atomic replacement, and the static assets beside the pages."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

ASSETS_DIR = "assets"
_OWN_ASSETS = ("app.js", "style.css")


def write_atomic(path: Path, data: str | bytes) -> int:
    """Write ``data`` to ``path`` through a temp file and a rename; return the byte size.

    A reader (a browser, a web server) sees the old file or the new one, never half of it.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(raw)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return len(raw)


def plotly_js() -> bytes:
    """plotly.min.js as shipped inside the ``plotly`` Python package (no network)."""
    return (resources.files("plotly") / "package_data" / "plotly.min.js").read_bytes()


def write_assets(site_dir: Path) -> int:
    """Write the script, stylesheet and Plotly into ``site_dir/assets``; return bytes written.

    A file already identical on disk is left alone (Plotly is about 5 MB).
    """
    folder = site_dir / ASSETS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    own = resources.files("dashboards") / "assets"
    files = {name: (own / name).read_bytes() for name in _OWN_ASSETS}
    files["plotly.min.js"] = plotly_js()
    total = 0
    for name, content in files.items():
        target = folder / name
        if target.is_file() and target.stat().st_size == len(content):
            if target.read_bytes() == content:
                continue
        total += write_atomic(target, content)
    return total

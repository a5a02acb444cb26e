"""The marketing dashboard: a static site generated from the warehouse marts.

``site.build_site`` writes the pages (``pages/``), the assets and the exports; ``alerts``
raises and posts alerts. See ``site.py`` for the layout of the generated folder.
"""

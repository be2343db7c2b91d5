"""JavaScript rendering, off by default: Splash (scrapy-splash) or Playwright behind one switch.

How a URL is never fetched both plainly and rendered: :mod:`madar.rendering.requests`.
"""

from madar.rendering.detect import needs_rendering, script_filled_containers
from madar.rendering.requests import (
    META_RENDER,
    META_RERENDER,
    RENDER_MODES,
    RenderMode,
    apply_render_settings,
    is_html_response,
    is_rendered,
    render_mode,
    rendered_request,
    settings_for,
)

__all__ = [
    "META_RENDER",
    "META_RERENDER",
    "RENDER_MODES",
    "RenderMode",
    "apply_render_settings",
    "is_html_response",
    "is_rendered",
    "needs_rendering",
    "render_mode",
    "rendered_request",
    "script_filled_containers",
    "settings_for",
]

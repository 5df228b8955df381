from __future__ import annotations

from lms.content.models import Module


def image_urls_for(module: Module) -> dict[str, str]:
    """Package paths of a module's images (``images/x.svg``) mapped to the addresses they are served at."""
    return {f"images/{img.filename}": img.get_absolute_url() for img in module.images.only("id", "filename")}

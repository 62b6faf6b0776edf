"""Bundled fake Chinese news portals served on 127.0.0.1 for demos and tests.

Standard library only.  Typical use::

    from samplesite import SiteServer, build_sites
    with SiteServer(build_sites()) as srv:
        print(srv.base_urls)
"""
from .server import Resource, Site, SiteServer
from .portals import build_sites
from .synthetic import build_synthetic_site

__all__ = ["Resource", "Site", "SiteServer", "build_sites", "build_synthetic_site"]

"""The archivist's reading room: a Datasette plugin (``pip install newsarchive[datasette]``,
then ``datasette news.db``) for news archives.

* Pages made for reading the archive (:mod:`.views`): the articles list and search, an
  article with its versions, copies, related links and captures, charts per site, and the
  crawl runs. Templates in ``templates/``, style in ``static/``.
* Datasette's own pages keep working and get the archive's search box, SQL functions and
  canned queries, with the internal tables hidden (:mod:`.config`).

Only hooks that Datasette 0.65 and 1.0 both have are used (``prepare_connection``,
``startup``, ``register_routes``, ``menu_links``, ``extra_css_urls``). Nothing writes to the
archive.
"""

from __future__ import annotations

from datasette import hookimpl

from archive.readingroom import config, views


@hookimpl
def prepare_connection(conn):
    config.register_functions(conn)


@hookimpl
def startup(datasette):
    return config.configure_on_startup(datasette)


@hookimpl
def register_routes():
    return views.routes()


@hookimpl
def menu_links(datasette):
    links = []
    for name, database in datasette.databases.items():
        if config.is_archive(getattr(database, "path", None)):
            room = views.base_path(datasette, name)
            links += [{"href": f"{room}/articles", "label": f"{name}: articles"},
                      {"href": f"{room}/sites", "label": f"{name}: sites"},
                      {"href": f"{room}/runs", "label": f"{name}: crawl runs"}]
    return links

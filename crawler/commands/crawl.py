"""``scrapy crawl``, with spider arguments checked before Scrapy starts.

A spider may define a ``check_arguments(**spider_args)`` classmethod that raises
``ValueError`` for unusable arguments; the mistake is then reported as one line on stderr
with exit code 2 instead of a traceback from inside the engine.
"""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawl


class Command(ScrapyCrawl):
    def run(self, args, opts):
        if len(args) == 1 and self.crawler_process is not None:
            try:
                spidercls = self.crawler_process.spider_loader.load(args[0])
            except KeyError:
                sys.stderr.write(f"scrapy crawl: no spider named {args[0]!r}\n")
                self.exitcode = 2
                return
            check = getattr(spidercls, "check_arguments", None)
            if check is not None:
                try:
                    check(**opts.spargs)
                except ValueError as exc:
                    sys.stderr.write(f"scrapy crawl {args[0]}: {exc}\n")
                    self.exitcode = 2
                    return
        super().run(args, opts)

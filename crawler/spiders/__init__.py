"""Spiders: navigation only; extraction lives in :mod:`crawler.pages`."""

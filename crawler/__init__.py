"""Scrapy project: discover news articles, extract, clean and archive them."""

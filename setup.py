"""Build shim for ``scrapyd-deploy``, which runs ``python setup.py bdist_egg``.

All metadata (name, version, packages, package data, the ``scrapy`` settings entry point)
lives in pyproject.toml; this file only hands over to setuptools.
"""

from setuptools import setup

setup()

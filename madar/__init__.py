"""madar: a Scrapy project that turns Madar Al-Youm (madaralyoum.com) into a clean,
deduplicated JSON Lines corpus of articles."""

__version__ = "0.1.0"

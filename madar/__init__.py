"""madar: Madar Al-Youm (madaralyoum.com) as a clean, deduplicated JSON Lines corpus."""

__version__ = "0.1.0"

"""Feed formats beyond Scrapy's own (registered in ``FEED_EXPORTERS``)."""

"""The Spidermon suite judges a crawl from its stats and records the verdict in the stats."""

from __future__ import annotations

import pytest

from tests.monitors import judge

pytestmark = pytest.mark.filterwarnings("ignore:Spider.log.. is deprecated")


HEALTHY = {
    "finish_reason": "finished",
    "item_scraped_count": 100,
    "downloader/request_count": 200,
    "spidermon_field_coverage/Article/title": 1.0,
    "spidermon_field_coverage/Article/text": 1.0,
    "spidermon_field_coverage/Article/published": 0.97,
}


def test_a_healthy_crawl_passes():
    result = judge(HEALTHY)
    assert result["madar/monitor/failed"] == 0
    assert "madar/monitor/failures" not in result


@pytest.mark.parametrize(("change", "expected"), [
    ({"finish_reason": "shutdown"}, 'Finished with "shutdown"'),
    ({"item_scraped_count": 0}, "Items"),
    ({"log_count/ERROR": 2}, "errors in the log"),
    ({"httperror/response_ignored_status_count/503": 11}, "11 requests failed for good"),
    ({"retry/count": 40}, "retry ratio"),
    ({"retry/max_reached": 11}, "failed request ratio"),
    ({"spidermon_field_coverage/Article/published": 0.9}, "Article/published (expected 0.95"),
])
def test_each_problem_fails_its_monitor(change, expected):
    result = judge({**HEALTHY, **change})
    assert result["madar/monitor/failed"] == 1
    assert any(expected in failure for failure in result["madar/monitor/failures"]), result


def test_zero_items_is_normal_for_an_incremental_run_over_a_known_corpus():
    stats = {**HEALTHY, "item_scraped_count": 0, "madar/incremental/enabled": 1,
             "madar/incremental/known_at_start": 500}
    assert judge(stats)["madar/monitor/failed"] == 0
    first_run = {**stats, "madar/incremental/known_at_start": 0}
    assert judge(first_run)["madar/monitor/failed"] == 1


def test_zero_items_over_a_known_corpus_fail_a_snapshot_only():
    stats = {**HEALTHY, "item_scraped_count": 0, "madar/dedup/known_at_start": 500,
             "madar/memory/known_at_start": 500, "madar/memory/mode": "incremental"}
    assert judge(stats)["madar/monitor/failed"] == 0
    first_run = {**stats, "madar/dedup/known_at_start": 0, "madar/memory/known_at_start": 0}
    assert judge(first_run)["madar/monitor/failed"] == 1
    # a snapshot emits the known articles too: none at all means the crawl reached nothing
    assert judge({**stats, "madar/memory/mode": "snapshot"})["madar/monitor/failed"] == 1


def test_given_up_retries_are_judged_by_ratio_not_as_log_errors():
    stats = {**HEALTHY, "log_count/ERROR": 1, "retry/max_reached": 1, "retry/count": 4}
    assert judge(stats)["madar/monitor/failed"] == 0


def test_a_server_error_retried_to_the_end_counts_once():
    stats = {**HEALTHY, "retry/max_reached": 6, "log_count/ERROR": 6,
             "httperror/response_ignored_status_count/500": 6}
    assert judge(stats)["madar/monitor/failed"] == 0  # 6/200 = 3 %, not 12/200 = 6 %


def test_ratios_of_a_few_requests_are_not_judged():
    stats = {**HEALTHY, "downloader/request_count": 5, "retry/count": 4,
             "retry/max_reached": 1, "log_count/ERROR": 1}
    assert judge(stats)["madar/monitor/failed"] == 0


def test_thresholds_are_settings():
    stats = {**HEALTHY, "spidermon_field_coverage/Article/published": 0.6,
             "log_count/ERROR": 1}
    settings = {"SPIDERMON_FIELD_COVERAGE_RULES": {"Article/published": 0.5},
                "MADAR_MONITOR_MAX_ERRORS": 1}
    assert judge(stats, settings)["madar/monitor/failed"] == 0


def test_coverage_of_a_handful_of_items_is_not_judged():
    stats = {**HEALTHY, "item_scraped_count": 3,
             "spidermon_field_coverage/Article/published": 1 / 3}
    assert judge(stats)["madar/monitor/failed"] == 0

"""Where rate limits count (KHO_RATE_LIMIT_STORAGE_URL): the setting's check, the storage's name
in the logs without its password, and the warning at start when production counts in memory."""

from __future__ import annotations

import logging

import pydantic
import pytest

from hub.app.api.rate_limits import RateLimiter, storage_location
from hub.settings import KhoSettings


def test_the_storage_is_memory_unless_a_redis_url_is_set() -> None:
    assert KhoSettings().rate_limit_storage_url == "memory://"
    assert not RateLimiter.from_settings(KhoSettings()).shared
    url = "redis://:pw@127.0.0.1:6379/2"  # nothing is connected to before a request
    assert RateLimiter.from_settings(KhoSettings(rate_limit_storage_url=url)).shared
    assert KhoSettings(rate_limit_storage_url="rediss://h:6380/0").rate_limit_storage_url


def test_another_storage_is_refused_without_quoting_the_url() -> None:
    with pytest.raises(pydantic.ValidationError) as refused:
        KhoSettings(rate_limit_storage_url="memcached://user:hidden-pw@cache:11211")
    # what the commands print of a setting refused (hub/app/cli/shell.py): its name, the message
    (error,) = refused.value.errors()
    assert error["loc"] == ("rate_limit_storage_url",)
    assert error["msg"] == "Value error, memory:// or a redis:// or rediss:// URL"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:s3cret@redis:6379/2", "redis://redis:6379/2"),
        (
            "rediss://kho:s3cret@cache.example.internal:6380/0",
            "rediss://cache.example.internal:6380/0",
        ),
        ("memory://", "memory://"),
        ("redis://:s3cret@redis:port/2", "redis://?"),
    ],
)
def test_the_logs_name_the_storage_without_its_password(url: str, shown: str) -> None:
    assert storage_location(url) == shown


def test_production_counting_in_memory_warns_at_start(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="kho.api.rate_limits"):
        RateLimiter.from_settings(KhoSettings(env="development"))
        assert caplog.records == []
        RateLimiter.from_settings(
            KhoSettings(env="production", rate_limit_storage_url="redis://redis:6379/2")
        )
        assert caplog.records == []
        RateLimiter.from_settings(KhoSettings(env="production"))
    assert len(caplog.records) == 1
    assert "KHO_RATE_LIMIT_STORAGE_URL" in caplog.records[0].getMessage()

import argparse
import re
from pathlib import Path

import pytest

from harvester import settings as project_settings
from harvester.sandbox import cli
from harvester.sandbox.config import SETTINGS_PREFIX, ConfigError, FaultConfig, SandboxConfig


def test_defaults_match_the_project_settings():
    from_settings = SandboxConfig.from_settings(
        {k: getattr(project_settings, k) for k in dir(project_settings) if k.startswith(SETTINGS_PREFIX)}
    )
    assert from_settings.to_dict() == SandboxConfig().to_dict()
    assert from_settings.credentials() == dict.fromkeys(SandboxConfig.CREDENTIALS)


def test_every_sandbox_setting_is_a_config_field_and_documented():
    fields = set(SandboxConfig.converters())
    source = Path(project_settings.__file__).read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(source):
        match = re.match(rf"({SETTINGS_PREFIX}\w+) =", line)
        if match:
            assert match.group(1).removeprefix(SETTINGS_PREFIX).lower() in fields, match.group(1)
            assert source[number - 1].startswith("#:"), f"{match.group(1)} needs a #: comment above it"


def test_settings_given_as_strings():
    config = SandboxConfig.from_settings(
        {
            "OPEN1688_SANDBOX_SEED": "7",
            "OPEN1688_SANDBOX_QPS": "2.5",
            "OPEN1688_SANDBOX_RETRY_AFTER": "true",
            "OPEN1688_SANDBOX_ACL_DENY": "alibaba.cross.productList,image_search",
            "OPEN1688_SANDBOX_FAULTS": '{"server_error": 0.1, "expire_tokens_after": [900, 300]}',
            "OPEN1688_SANDBOX_APP_KEY": "",
            "OTHER": "ignored",
        }
    )
    assert (config.seed, config.qps, config.retry_after) == (7, 2.5, True)
    assert config.acl_deny == ("alibaba.cross.productList", "image_search")
    assert config.faults == FaultConfig(server_error=0.1, expire_tokens_after=(300, 900))
    assert config.app_key is None


def test_from_dict_refuses_unknown_and_bad_values():
    with pytest.raises(ConfigError, match="unknown sandbox field"):
        SandboxConfig.from_dict({"serach_cap": 10})
    with pytest.raises(ConfigError, match="search_cap"):
        SandboxConfig.from_dict({"search_cap": "lots"})
    with pytest.raises(ConfigError, match="search_cap"):
        SandboxConfig(search_cap=0)
    with pytest.raises(ConfigError, match="qps"):
        SandboxConfig(qps=-1)


def test_run_time_changes():
    config = SandboxConfig(app_key="1", app_secret="s", faults={"seed": 3, "slow": 0.1})
    changed = config.with_changes({"search_cap": 100, "faults": {"timeout": 0.2}, "seed": 1688})
    assert changed.search_cap == 100 and changed.app_key == "1"
    assert changed.faults == FaultConfig(seed=3, slow=0.1, timeout=0.2), "faults merge"
    with pytest.raises(ConfigError, match="cannot change"):
        config.with_changes({"offers": 10})
    with pytest.raises(ConfigError, match="cannot change"):
        config.with_changes({"app_secret": "other"})


def test_random_credentials_are_obviously_sandbox_values():
    first, second = SandboxConfig().with_credentials(), SandboxConfig().with_credentials()
    assert first.app_secret.startswith("sandbox-") and first.app_secret != second.app_secret
    assert first.app_key.isdigit() and len(first.app_key) == 7
    kept = SandboxConfig(app_key="1000000", app_secret="sandbox-secret").with_credentials()
    assert (kept.app_key, kept.app_secret) == ("1000000", "sandbox-secret")
    assert "app_secret" not in kept.to_dict()


def test_command_line_flags_over_a_base():
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    arguments = parser.parse_args(
        [
            "--port",
            "0",
            "--qps",
            "4",
            "--search-cap",
            "300",
            "--faults",
            '{"html_error": 0.2}',
            "--app-key",
            "42",
            "--config",
            '{"budget": 9}',
            "--drift-share",
            "0.2",
        ]
    )
    config = cli.config_from_arguments(arguments, SandboxConfig(seed=5, budget=1, epoch=2))
    assert (config.seed, config.qps, config.search_cap, config.budget, config.epoch) == (5, 4.0, 300, 9, 2)
    assert config.drift_share == 0.2
    assert config.faults.html_error == 0.2 and config.app_key == "42"
    assert arguments.port == 0 and not arguments.json


def test_the_pages_unconfirmed_choices_are_settings():
    config = SandboxConfig.from_settings(
        {
            "OPEN1688_SANDBOX_REPORT_CAPPED_TOTAL": "false",
            "OPEN1688_SANDBOX_SALE_FILTER_INCLUSIVE": "0",
            "OPEN1688_SANDBOX_LISTED_OFFERS": "574325651942,570027659932",
            "OPEN1688_SANDBOX_SOLD_OUT_SALES": "sales30",
            "OPEN1688_SANDBOX_API_QPS": '{"product.search.queryProductDetail": 5}',
            "OPEN1688_SANDBOX_API_QOS_STATUS": "429",
            "OPEN1688_SANDBOX_VIDEO_HOST": "sandbox",
            "OPEN1688_SANDBOX_FAULTS": '{"isp_error": 0.1, "isp_status": 503}',
        }
    )
    assert (config.report_capped_total, config.sale_filter_inclusive, config.sold_out_sales) == (
        False,
        False,
        "sales30",
    )
    assert config.listed_offers == (570027659932, 574325651942)
    assert config.api_qps == (("product.search.queryProductDetail", 5.0),) and config.api_qos_status == 429
    assert (config.faults.isp_error, config.faults.isp_status, config.video_host) == (0.1, 503, "sandbox")
    assert config.to_dict()["api_qps"] == {"product.search.queryProductDetail": 5.0}
    assert SandboxConfig.from_dict(config.to_dict()) == config, "what the admin API shows, it takes back"


def test_drift_and_enrichment_fields():
    config = SandboxConfig.from_settings(
        {
            "OPEN1688_SANDBOX_DRIFT_SHARE": "0.01",
            "OPEN1688_SANDBOX_SPARSE_LISTING_SHARE": "0",
            "OPEN1688_SANDBOX_TOP_KEYWORD_LIMIT": "5",
            "OPEN1688_SANDBOX_CATEGORY_TRANSLATION_SHAPE": "sample",
        }
    )
    assert (
        config.drift_share,
        config.sparse_listing_share,
        config.top_keyword_limit,
        config.category_translation_shape,
    ) == (0.01, 0.0, 5, "sample")
    with pytest.raises(ConfigError, match="drift_share cannot change"):
        config.with_changes({"drift_share": 0.2})
    assert config.with_changes({"sparse_listing_share": 0.5}).sparse_listing_share == 0.5


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"drift_share": 1.5}, "drift_share"),
        ({"sparse_listing_share": -0.1}, "sparse_listing_share"),
        ({"top_keyword_limit": 0}, "top_keyword_limit"),
        ({"category_translation_shape": "json"}, "category_translation_shape"),
        ({"sold_out_sales": "sales7"}, "sold_out_sales"),
        ({"api_qps": {"x": 0}}, "api_qps"),
        ({"api_qps": "[1]"}, "api_qps"),
        ({"api_qos_status": 200}, "api_qos_status"),
        ({"listed_offers": "1,x"}, "listed_offers"),
        ({"faults": {"isp_status": 302}}, "isp_status"),
    ],
)
def test_bad_values_of_the_new_fields(values, field):
    with pytest.raises(ConfigError, match=field):
        SandboxConfig.from_dict(values)

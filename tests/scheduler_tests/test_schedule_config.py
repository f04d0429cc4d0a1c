"""The schedule as data: sijeong.toml's defaults and errors, next runs in KST, the crontab."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from scheduler.config import Config, ConfigError, When, load_config, parse_config
from scheduler.jobs import crontab, make_jobs
from sijeong.cli import cli

SEOUL = ZoneInfo("Asia/Seoul")
DB = "sqlite:////srv/sijeong/archive.sqlite3"


def test_without_a_file_the_documented_defaults_apply(tmp_path, monkeypatch):
    monkeypatch.delenv("SIJEONG_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    config = load_config()
    assert config == Config()
    assert {mode: str(when) for mode, when in config.jobs.items()} == {
        "incremental": "daily 03:10",
        "verify": "daily 03:40",
        "full": "sun 04:30",
    }
    jobs = make_jobs(config, DB)
    assert [job.id for job in jobs] == ["crawl-incremental", "crawl-verify", "crawl-full"]
    assert jobs[0].argv == (
        "crawl", "--mode", "incremental", "--board", "BD_0000000022", "--db", DB, "--json"
    )  # fmt: skip


def test_a_file_sets_boards_times_and_turns_a_job_off(tmp_path):
    path = tmp_path / "sijeong.toml"
    path.write_text(
        '[crawl]\nboards = ["공지사항", "보도자료"]\nbase_url = "http://127.0.0.1:8022/"\n'
        '[schedule]\nincremental = "daily 22:05"\nverify = "off"\nfull = "mon,thu 01:00"\n',
        encoding="utf-8",
    )
    config = load_config(str(path))
    jobs = make_jobs(config, DB)
    assert [(j.id, str(j.when)) for j in jobs] == [
        ("crawl-incremental", "daily 22:05"),
        ("crawl-full", "mon,thu 01:00"),
    ]
    assert jobs[1].argv[3:9] == (
        "--board", "BD_0000000022", "--board", "BD_0000000027", "--base-url", "http://127.0.0.1:8022"
    )  # fmt: skip
    assert not config.notify.enabled and config.notify.on == (
        "failure",
        "changes",
        "stale",
        "warning",
    )


def test_notifications_and_the_verify_slice_are_configured_in_the_file():
    config = parse_config(
        {
            "schedule": {"verify_slice": "all"},
            "notify": {"webhook": "http://127.0.0.1:9/hook", "email_to": "a@example.org",
                       "on": ["failure"], "stale_days": 0, "smtp_port": 2525},
        }
    )  # fmt: skip
    assert config.notify.enabled and config.notify.email_to == ("a@example.org",)
    assert (config.notify.on, config.notify.stale_days, config.notify.smtp_port) == (
        ("failure",), 0, 2525
    )  # fmt: skip
    verify = make_jobs(config, DB)[1]
    assert verify.argv[:5] == ("crawl", "--mode", "verify", "--slice", "all")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"crawl": {"bords": ["x"]}}, "unknown key crawl.bords"),
        ({"shedule": {}}, "unknown section [shedule]"),
        ({"schedule": {"full": "sunday 04:00"}}, "schedule.full: 'sunday 04:00' is not a time"),
        ({"schedule": {"verify": "daily 24:00"}}, "schedule.verify: 'daily 24:00'"),
        ({"schedule": {"full": "sun,xyz 04:00"}}, "'xyz' is not a day"),
        ({"schedule": {"incremental": 310}}, "schedule.incremental must be a string"),
        ({"schedule": {"misfire_grace_hours": 0}}, "misfire_grace_hours must be a number"),
        ({"crawl": {"boards": []}}, "crawl.boards must be a non-empty list"),
        ({"crawl": {"base_url": "ftp://x"}}, "crawl.base_url must be an http(s) URL"),
        ({"crawl": {"base_url": "http://[::1"}}, "crawl.base_url must be an http(s) URL"),
        ({"crawl": {"base_url": "http://u@127.0.0.1"}}, "crawl.base_url must be an http(s) URL"),
        ({"crawl": {"base_url": "http://127.0.0.1/x"}}, "crawl.base_url must be an http(s) URL"),
        ({"crawl": {"base_url": 8022}}, "crawl.base_url must be an http(s) URL"),
        ({"crawl": {"delay": float("nan")}}, "crawl.delay must be a number of seconds"),
        ({"crawl": {"delay": float("inf")}}, "crawl.delay must be a number of seconds"),
        ({"crawl": {"delay": 86_401}}, "crawl.delay must be a number of seconds, 0 to 86400"),
        ({"crawl": {"delay": 1e300}}, "crawl.delay must be a number of seconds, 0 to 86400"),
        ({"crawl": {"delay": 10**400}}, "crawl.delay must be a number of seconds, 0 to 86400"),
        ({"crawl": {"delay": -1}}, "crawl.delay must be a number of seconds, 0 to 86400"),
        ({"crawl": {"user_agent": ""}}, "crawl.user_agent cannot be sent: it is empty"),
        ({"crawl": {"user_agent": "a\r\nX-Evil: 1"}}, "crawl.user_agent cannot be sent"),
        ({"crawl": {"user_agent": "시정"}}, "crawl.user_agent cannot be sent"),
        ({"crawl": {"user_agent": 7}}, "crawl.user_agent cannot be sent"),
        ({"schedule": {"verify_slice": "²"}}, "schedule.verify_slice must be a number"),
        ({"schedule": {"verify_slice": "9" * 5000}}, "schedule.verify_slice must be a number"),
        ({"notify": {"webhook": "http://[::1"}}, "notify.webhook must be an http(s) URL"),
        ({"notify": {"webhook": "http://x.org:99999/"}}, "notify.webhook must be an http(s) URL"),
        ({"schedule": {"verify_slice": "some"}}, "schedule.verify_slice must be a number"),
        ({"notify": {"webhok": "http://x"}}, "unknown key notify.webhok"),
        ({"notify": {"webhook": "x.org/hook"}}, "notify.webhook must be an http(s) URL"),
        ({"notify": {"email_to": ["nobody"]}}, "notify.email_to must be a list of e-mail"),
        ({"notify": {"on": ["failure", "sunrise"]}}, "notify.on must be a list of failure"),
        ({"notify": {"stale_days": -1}}, "stale_days 0 or more"),
        ({"notify": {"smtp_port": "25"}}, "notify.smtp_port must be a number"),
        ({"notify": {"smtp_starttls": "yes"}}, "notify.smtp_starttls must be true or false"),
    ],
)
def test_a_bad_configuration_is_one_line_naming_the_key(data, message):
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_an_unknown_board_is_named():
    with pytest.raises(ConfigError, match="crawl.boards: .*없는게시판"):
        make_jobs(parse_config({"crawl": {"boards": ["없는게시판"]}}), DB)


@pytest.mark.parametrize(
    ("when", "now", "expected"),
    [
        (When(3, 10), datetime(2026, 11, 24, 3, 9, 59), datetime(2026, 11, 24, 3, 10)),
        (When(3, 10), datetime(2026, 11, 24, 3, 10), datetime(2026, 11, 25, 3, 10)),  # not again
        (When(4, 30, ("sun",)), datetime(2026, 11, 24, 12, 0), datetime(2026, 11, 29, 4, 30)),
        (When(1, 0, ("mon", "thu")), datetime(2026, 11, 27, 0, 0), datetime(2026, 11, 30, 1, 0)),
        (When(0, 5), datetime(2026, 12, 31, 23, 59), datetime(2027, 1, 1, 0, 5)),
    ],
)
def test_next_runs_are_in_seoul_time(when, now, expected):
    job = make_jobs(Config(jobs={"full": when}), DB)[0]
    assert job.next_run(now.replace(tzinfo=SEOUL)) == expected.replace(tzinfo=SEOUL)
    # The same instant given in UTC gives the same run.
    assert job.next_run(now.replace(tzinfo=SEOUL).astimezone(ZoneInfo("UTC"))) == expected.replace(
        tzinfo=SEOUL
    )


def test_the_crontab_runs_the_same_crawls_at_the_same_seoul_times():
    jobs = make_jobs(Config(), DB)
    text = crontab(jobs, ("/opt/sijeong/.venv/bin/sijeong",), "/var/log/sijeong crawl.log")
    lines = text.splitlines()
    assert lines[1] == "CRON_TZ=Asia/Seoul"
    assert lines[2] == (
        "10 3 * * * /opt/sijeong/.venv/bin/sijeong crawl --mode incremental --board "
        f"BD_0000000022 --db {DB} --json >> '/var/log/sijeong crawl.log' 2>&1"
    )
    assert lines[4].startswith("30 4 * * sun /opt/sijeong/.venv/bin/sijeong crawl --mode full ")


def test_the_command_lists_jobs_and_refuses_bad_input(tmp_path, monkeypatch):
    monkeypatch.delenv("SIJEONG_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    runner = CliRunner()
    listed = runner.invoke(cli, ["schedule", "--list", "--db", DB])
    assert listed.exit_code == 0
    assert "crawl-full" in listed.output and "sun 04:30" in listed.output
    missing = runner.invoke(cli, ["schedule", "--list", "--config", str(tmp_path / "no.toml")])
    assert missing.exit_code == 2 and "no configuration file" in missing.output
    (tmp_path / "bad.toml").write_text("[schedule\n")
    bad = runner.invoke(cli, ["schedule", "--list", "--config", str(tmp_path / "bad.toml")])
    assert bad.exit_code == 2 and "not valid TOML" in bad.output
    cron = runner.invoke(cli, ["schedule", "--print-crontab", "--db", DB])
    assert cron.exit_code == 0 and cron.output.count(" crawl --mode ") == 3


def test_a_webhook_without_a_port_and_a_slice_of_digits_are_taken():
    config = parse_config(
        {"notify": {"webhook": "https://hooks.example.com/x"}, "schedule": {"verify_slice": "250"}}
    )
    assert (config.notify.webhook, config.verify_slice) == ("https://hooks.example.com/x", "250")

"""A post the archive holds as live whose page says "no such post" (a verify re-checks posts no
list was read for): it is vanishing — counted towards its deletion, an event the first time —
but only a complete sweep that no longer lists it can make it unlisted, and its re-check deleted.

Before: the answer was "ignored" here and a failed page in the crawl, every night until the
weekly sweep (issue 22).
"""

from __future__ import annotations

import json
from datetime import timedelta

from archive_fixtures import NIGHT_1, make_post, make_row, new_run
from click.testing import CliRunner
from sqlalchemy import select

from archive import observe_listing
from archive.models import ChangeEvent, Post
from archive.posts import record_missing, store_fetched, unlist_missing
from sijeong.cli import cli

pytest_plugins = ["archive_fixtures"]  # db_url (SQLite, PostgreSQL), archive, session

DAY = timedelta(days=1)
SEQ = 16222


def stored(session):
    post = make_post(SEQ)
    store_fetched(session, post, run_id=new_run(session, NIGHT_1), fetched_at=NIGHT_1)
    return post


def state(session) -> tuple[str, int, list[str]]:
    """The post's status, its count towards deletion, and its events' kinds in order."""
    session.expire_all()
    row = session.scalars(select(Post).where(Post.seq == SEQ)).one()
    kinds = session.scalars(
        select(ChangeEvent.kind).where(ChangeEvent.post_id == row.id).order_by(ChangeEvent.id)
    ).all()
    return row.status, row.missing_checks, list(kinds)


def missing(session, night: int, run: int) -> str:
    at = NIGHT_1 + night * DAY
    return record_missing(session, "BD_0000000022", SEQ, run_id=run, at=at, confirm_after=2)


def test_a_live_post_that_says_it_is_gone_is_vanishing_and_stays_live(session):
    stored(session)
    run = new_run(session, NIGHT_1 + DAY, mode="verify")
    assert missing(session, 1, run) == "vanishing"
    assert missing(session, 1, run) == "ignored"  # once per run
    assert state(session) == ("live", 1, ["new", "vanishing"])
    again = new_run(session, NIGHT_1 + 2 * DAY, mode="verify")
    assert missing(session, 2, again) == "vanishing"
    assert state(session) == ("live", 2, ["new", "vanishing"])  # the event marks the start


def test_a_complete_sweep_then_confirms_the_count_vanishing_began(session):
    stored(session)
    assert missing(session, 1, new_run(session, NIGHT_1 + DAY, mode="verify")) == "vanishing"
    sweep = new_run(session, NIGHT_1 + 2 * DAY, mode="full")
    at = NIGHT_1 + 2 * DAY
    assert unlist_missing(session, "BD_0000000022", set(), run_id=sweep, at=at) == [SEQ]
    assert state(session) == ("unlisted", 1, ["new", "vanishing", "unlisted"])
    assert missing(session, 2, sweep) == "deleted"  # its second run saying so: K = 2
    assert state(session) == ("deleted", 2, ["new", "vanishing", "unlisted", "deleted"])


def test_a_list_that_shows_it_again_starts_the_count_again(session):
    post = stored(session)
    assert missing(session, 1, new_run(session, NIGHT_1 + DAY, mode="verify")) == "vanishing"
    listing = new_run(session, NIGHT_1 + 2 * DAY)
    observe_listing(session, [make_row(post)], run_id=listing, observed_at=NIGHT_1 + 2 * DAY)
    assert state(session) == ("live", 0, ["new", "vanishing"])
    sweep = new_run(session, NIGHT_1 + 3 * DAY, mode="full")
    unlist_missing(session, "BD_0000000022", set(), run_id=sweep, at=NIGHT_1 + 3 * DAY)
    assert missing(session, 3, sweep) == "counted"  # one run, not two: nothing deleted


def test_its_page_answering_with_the_post_starts_the_count_again(session):
    post = stored(session)
    assert missing(session, 1, new_run(session, NIGHT_1 + DAY, mode="verify")) == "vanishing"
    verify = new_run(session, NIGHT_1 + 2 * DAY, mode="verify")
    store_fetched(session, post, run_id=verify, fetched_at=NIGHT_1 + 2 * DAY)
    assert state(session)[:2] == ("live", 0)
    assert missing(session, 3, new_run(session, NIGHT_1 + 3 * DAY, mode="verify")) == "vanishing"
    assert state(session) == ("live", 1, ["new", "vanishing", "vanishing"])  # a second spell


def test_changes_and_history_show_a_vanishing_post(session, db_url):
    stored(session)
    assert missing(session, 1, new_run(session, NIGHT_1 + DAY, mode="verify")) == "vanishing"
    session.commit()
    runner = CliRunner()
    changes = runner.invoke(
        cli, ["changes", "--kind", "vanishing", "--format", "json", "--db", db_url]
    )
    assert changes.exit_code == 0, changes.output
    assert [(c["seq"], c["kind"]) for c in json.loads(changes.stdout)] == [(SEQ, "vanishing")]
    history = runner.invoke(cli, ["history", str(SEQ), "--format", "json", "--db", db_url])
    assert history.exit_code == 0, history.output
    assert "vanishing" in [event["kind"] for event in json.loads(history.stdout)["events"]]

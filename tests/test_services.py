"""The scale-out services the later issues need: each test gets its own PostgreSQL database and
Redis key prefix, and leaves nothing behind."""

from __future__ import annotations

import sqlalchemy as sa


def test_postgres_database_of_our_own(pg_url):
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE probe (word text)")
        conn.exec_driver_sql("INSERT INTO probe VALUES ('광주')")
        assert conn.exec_driver_sql("SELECT word FROM probe").scalar_one() == "광주"
        assert (
            conn.exec_driver_sql("SELECT current_database()").scalar_one()
            == pg_url.rsplit("/", 1)[1]
        )
    engine.dispose()


def test_redis_prefix_of_our_own(redis_prefix):
    client, prefix = redis_prefix
    client.set(prefix + "frontier", "광주")
    assert client.get(prefix + "frontier").decode() == "광주"
    assert list(client.scan_iter(match=prefix + "*")) == [(prefix + "frontier").encode()]

"""The centres' numbered series (claim batches, documents): one counter row per centre × series
× year, numbers taken in the database so two workers never get the same one."""

from __future__ import annotations

from django.db import connection

from .models import Counter


def take(centre_id: int, series: str, year: int) -> int:
    """The centre's next number in the series for the year, taken in the caller's transaction:
    the counter row is made once (INSERT … ON CONFLICT DO NOTHING), then one UPDATE … RETURNING
    takes the number and holds the row until the transaction ends, so two workers never get the
    same number, and a transaction that rolls back gives its number back."""
    table = Counter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (centre_id, series, year, last) VALUES (%s, %s, %s, 0) "  # noqa: S608
            "ON CONFLICT (centre_id, series, year) DO NOTHING",
            [centre_id, series, year],
        )
        cursor.execute(
            f"UPDATE {table} SET last = last + 1 WHERE centre_id = %s AND series = %s AND year = %s "  # noqa: S608
            "RETURNING last",
            [centre_id, series, year],
        )
        (last,) = cursor.fetchone()
    return last

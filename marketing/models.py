from django.db import models


class RateCounter(models.Model):
    """One rate-limit window's hit count (see marketing/counter_cache.py).

    The table is UNLOGGED (migration 0001): counters are worth losing on a crash and
    not worth WAL on every request.
    """

    key = models.CharField(max_length=250, primary_key=True)
    value = models.BigIntegerField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "marketing_rate_counter"

"""What a crawl run counts of posts: the `--json` line's keys, the ledger's columns, the report's.

In this order wherever they are listed (`sijeong crawl --json`, `sijeong runs`, dumps).
"""

RUN_COUNTS = ("new", "changed", "unchanged", "unlisted", "deleted", "restored", "failed")
# The counts that are changes to the archive, each one also an event in `change_events`.
CHANGE_KINDS = ("new", "changed", "unlisted", "deleted", "restored")

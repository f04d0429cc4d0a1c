"""What a crawl run counts of posts: the `--json` line's keys, the ledger's columns, the report's.

In this order wherever they are listed (`sijeong crawl --json`, `sijeong runs`, dumps).
"""

RUN_COUNTS = ("new", "changed", "unchanged", "unlisted", "deleted", "restored", "failed")
# The counts that are changes to the archive, each one also an event in `change_events`.
CHANGE_KINDS = ("new", "changed", "unlisted", "deleted", "restored")
# What `changes` records of a post (`change_events`): every change a run counts, and `vanishing`:
# a post the archive holds as live whose page said "no such post" in a run that did not sweep the
# list (a verify). It counts towards the deletion a complete sweep can then confirm; it is not a
# change of the post's status, so no run counts it among its changes.
EVENT_KINDS = (*CHANGE_KINDS, "vanishing")

"""The exit codes of `sijeong crawl`, `reparse` and `schedule`, as DESIGN.md documents them.

Cron jobs, the scheduler and operators' scripts read these numbers: a value never changes.
"""

EXIT_OK = 0
EXIT_FAILED = 1  # an error, a run interrupted, a database or store that cannot write
EXIT_USAGE = 2  # bad input or configuration
EXIT_DRIFT = 3  # the site's layout changed: extraction drift
EXIT_LOCKED = 4  # another run holds the archive's crawl lock: this one did not happen
EXIT_UNREACHABLE = 5  # the site is unreachable, or blocks us
EXIT_PARTIAL = 6  # some pages failed; what was fetched is committed

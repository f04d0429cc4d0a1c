"""Constants every package shares: the exit codes, what a run counts, the site's time zone.

It imports only the standard library, so any package — `archive`, `crawler`, `scheduler`,
`replica`, the `sijeong` command — may import it without pulling in anything heavy, and each
constant is written once.

Of this project it imports: nothing.
"""

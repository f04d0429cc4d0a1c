"""What the archive refuses, in one line each; the CLI shows the message and exits 2."""


class ArchiveError(Exception):
    """Base of the archive's errors about input and state (not about bugs)."""


class ArchiveMissing(ArchiveError):
    """The archive does not exist, or exists without the current schema."""


class ArchiveUnreadable(ArchiveError):
    """This user may not read the archive as it stands (permissions, a writer's -shm file)."""


class UnsupportedDatabase(ArchiveError):
    """A database URL of a kind the archive does not run on (MySQL, Oracle, …)."""


class BadRef(ArchiveError):
    """A REF that is neither a seq, `BOARD:SEQ` nor a post URL."""


class BadDate(ArchiveError):
    """A date or datetime that cannot be read."""


class NotFound(ArchiveError):
    """A post, version or run that the archive does not have."""


class BadQuery(ArchiveError):
    """A query with nothing to search for, or an option search does not know."""

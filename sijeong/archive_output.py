"""How the archive commands print: JSON for scripts, rich tables for people (times in Seoul).

The read commands' posts, histories, changes, runs and diffs, and the `db` commands' reports.
`boards` prints with it too, so the archive is imported only under TYPE_CHECKING or inside the
printers that need it.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from common.licences import licence_label
from common.seoul import SEOUL
from crawler.origins import refusal
from sijeong.printable import csv_cell, json_text, printable

if TYPE_CHECKING:  # the archive (SQLAlchemy) is imported by the commands that read it, not `boards`
    from archive import CrawlRun
    from archive.backup import BackupResult
    from archive.check import CheckReport
    from archive.copy import CopyResult
    from archive.views import ChangeEntry, History, PostView, VersionDiff

PIPED_WIDTH = 200  # tables in files and pagers keep whole lines; terminals use their own width
UNBOUNDED = 10_000  # columns: how wide a table is when nothing wraps


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """A reader that left (`| head -1`) is the CLI's to handle (`sijeong.cli`: exit 0); rich
        would exit 1 here."""
        self.quiet = True
        raise BrokenPipeError


def console() -> Console:
    """A console on the current stdout: coloured on a terminal; plain and unsqueezed when piped."""
    out = _Console(highlight=False)
    if not out.is_terminal:
        out.width = PIPED_WIDTH
    return out


def print_json(data: Any) -> None:
    click.echo(json_text(data))


def site_text(value: str | None, style: str = "") -> Text:
    """A one-line value from the site (title, author, file name) as rich Text, controls shown."""
    return Text(printable(value or ""), style=style)


def local(value: datetime | None, *, seconds: bool = False) -> str:
    """`2025-12-05 17:09` in Asia/Seoul; '' for None."""
    if value is None:
        return ""
    return value.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def local_posted(value: datetime, precision: str) -> str:
    """When a post was posted, in Asia/Seoul, as precisely as its page said: `2019-10-07` for a
    page that gave the day only (stored as that day's midnight), else `2025-12-05 17:09`."""
    posted = local(value)
    return posted[:10] if precision == "day" else posted


def print_post(post: PostView) -> None:
    posted = local_posted(post.posted_at, post.posted_at_precision)
    # Not derived from the post's fields (`--format json`, PostView.to_json, has every one): a
    # reading order with labels and formats of its own — department and phone on one line, the
    # licence's name beside its code, times in KST — and the body as text, never its HTML.
    rows: list[tuple[str, str | None]] = [
        ("post", f"{post.board_id}:{post.seq}"),
        ("title", post.title),
        ("subtitle", post.subtitle),
        ("category", post.category),
        ("author", post.author),
        ("department", " ".join(x for x in (post.department, post.phone) if x) or None),
        ("posted", f"{posted} KST"),
        ("views", None if post.view_count is None else f"{post.view_count:,}"),
        (
            "licence",
            # the code, then its label where it says more (자유이용 is its own label)
            " · ".join(dict.fromkeys(x for x in (post.licence, licence_label(post.licence)) if x))
            or None,
        ),
        ("status", post.status),
        ("version", f"{post.version} of {post.versions}, captured {local(post.captured_at)} KST"),
        ("seen", f"{local(post.first_seen_at)} – {local(post.last_seen_at)} KST"),
        ("url", post.url),
    ]
    rows += [
        (
            f"file {a['file_sn']}",
            _file(_declared(a["name"], a["declared_size"]), a["url"], post.url),
        )
        for a in post.attachments
    ]
    rows += [("photo", _file(i["caption"] or i["url"], i["url"], post.url)) for i in post.images]
    out = console()
    for label, value in rows:
        if value:
            out.print(Text.assemble((f"{label:<12}", "bold"), site_text(value)), soft_wrap=True)
    out.print()
    out.print(Text(printable(post.body_text, lines=True)), soft_wrap=True)


def _declared(name: str, size: str | None) -> str:
    """A file's name and the size its page declares, as shown: `공고문.hwp (238KB)`."""
    return f"{name} ({size})" if size else name


def _file(label: str, url: str, page_url: str) -> str:
    """A file's label, saying so when the crawler refused it (off the post's site: never fetched)."""
    why = refusal(url, [page_url])
    return f"{label} (not fetched: {why.split(':')[0]})" if why else label


def print_table(*tables: Table) -> None:
    """Tables as rich draws them on a terminal (at its width); piped, at PIPED_WIDTH with no
    line ending in spaces (rich pads the last column)."""
    out = console()
    if out.is_terminal:
        for table in tables:
            out.print(table)
        return
    with out.capture() as captured:
        for table in tables:
            out.print(table)
    for line in captured.get().splitlines():
        click.echo(line.rstrip())


def fitting(*layouts: Callable[[], Table]) -> Table:
    """The first table that fits the console's width unwrapped, else the last (the narrowest,
    whose titles wrap): a terminal of 80 columns gets fewer columns, a pipe all of them."""
    out = console()
    unbounded = out.options.update_width(UNBOUNDED)  # a table's measure is capped at the width
    table = layouts[0]()
    for layout in layouts[1:]:
        if out.measure(table, options=unbounded).maximum <= out.width:
            return table
        table = layout()
    return table


def column(table: Table, name: str, *, id_like: bool = False, **options: Any) -> None:
    """An id, number or time (`id_like`) is never split across lines; text folds."""
    if id_like:
        table.add_column(name, no_wrap=True, **options)
    else:
        table.add_column(name, overflow="fold", **options)


def print_history(history: History) -> None:
    from archive.views import VersionEntry

    out_title = site_text(f"{history.board_id}:{history.seq}  {history.title}", style="bold")

    def versions_table(narrow: bool) -> Table:
        versions = Table(title="versions", title_justify="left")
        column(versions, "version", id_like=True)
        column(versions, "captured (KST)", id_like=True)
        column(versions, "changed")
        column(versions, "title", ratio=1 if narrow else None)
        if not narrow:
            column(versions, "run", id_like=True)
        for entry in history.timeline():
            cells: list[str | Text]
            if isinstance(entry, VersionEntry):
                cells = [
                    str(entry.version),
                    local(entry.captured_at),
                    _what_changed(entry),
                    site_text(entry.title),
                ]
            else:
                cells = [
                    "",
                    local(entry.at),
                    entry.kind,
                    Text(f"(status: {STATUS_WORD.get(entry.kind, entry.kind)})", "dim"),
                ]
            run_id = entry.run_id
            versions.add_row(*cells, *([] if narrow else ["" if run_id is None else str(run_id)]))
        return versions

    counts = Table(title="view counts", title_justify="left")
    column(counts, "observed (KST)", id_like=True)
    column(counts, "count", id_like=True, justify="right")
    for c in history.view_counts:
        counts.add_row(local(c.observed_at), f"{c.count:,}")
    table = fitting(lambda: versions_table(False), lambda: versions_table(True))
    out = console()
    if out.is_terminal:
        out.print(out_title)
    else:
        click.echo(out_title.plain)
    print_table(table, counts)


# what a status event leaves the post as, in `history`'s table
STATUS_WORD = {"unlisted": "not on the list", "deleted": "gone", "restored": "live again"}


def _what_changed(entry: Any) -> str:
    """The changed fields (`first` for version 1); for a file whose bytes changed, its name and
    the start of its sha256 on a line of its own."""
    if entry.version == 1 and not entry.changed:
        return "first"
    lines = [", ".join(entry.changed)]
    lines += [
        printable(f"{f['name']} {f['sha256'][:12]}") for f in entry.changed_files if f["sha256"]
    ]
    return "\n".join(lines)


def print_changes(entries: Sequence[ChangeEntry]) -> None:
    def layout(narrow: bool) -> Table:
        table = Table()
        column(table, "at (KST)", id_like=True)
        column(table, "kind", id_like=True)
        column(table, "post", id_like=True)
        if not narrow:
            column(table, "version", id_like=True)
        column(table, "title", ratio=1 if narrow else None)
        if not narrow:
            column(table, "run", id_like=True)
        for e in entries:
            version = "" if e.version is None else str(e.version)
            run_id = "" if e.run_id is None else str(e.run_id)
            cells = [local(e.at), e.kind, f"{e.board_id}:{e.seq}"]
            if narrow:
                table.add_row(*cells, site_text(e.title))
            else:
                table.add_row(*cells, version, site_text(e.title), run_id)
        return table

    print_table(fitting(lambda: layout(False), lambda: layout(True)))


RUN_COLUMNS = (
    ("run", "run_id"),
    ("status", "status"),
    ("exit", "exit_code"),
    ("mode", "mode"),
    ("started (KST)", "started_at"),
    ("finished (KST)", "finished_at"),
    ("requests", "requests"),
    ("new", "new"),
    ("changed", "changed"),
    ("same", "unchanged"),
    ("unlisted", "unlisted"),
    ("deleted", "deleted"),
    ("restored", "restored"),
    ("failed", "failed"),
)
# On a narrow terminal: these columns, and the counts that are not 0 in one column ("counts").
NARROW_RUN_COLUMNS = ("run", "status", "exit", "mode", "started (KST)")


def print_runs(runs: Sequence[CrawlRun]) -> None:
    from archive.views import run_json

    rows = []
    for run in runs:
        data = run_json(run)
        data["started_at"] = local(run.started_at)
        data["finished_at"] = local(run.finished_at)
        rows.append({title: data[key] for title, key in RUN_COLUMNS})

    def layout(narrow: bool) -> Table:
        table = Table(box=box.SIMPLE_HEAD, show_edge=False)
        titles = NARROW_RUN_COLUMNS if narrow else [title for title, _ in RUN_COLUMNS]
        for title in titles:
            justify = "left" if title in ("status", "mode") else "right"
            column(table, title, id_like=True, justify=justify)
        if narrow:
            column(table, "counts", ratio=1)
        for row in rows:
            cells = ["" if row[title] is None else str(row[title]) for title in titles]
            if narrow:
                found = [f"{row[t]:,} {t}" for t, _ in RUN_COLUMNS[6:] if row[t]]
                cells.append(", ".join(found))
            table.add_row(*cells)
        return table

    print_table(fitting(lambda: layout(False), lambda: layout(True)))


def print_csv(names: Sequence[str], rows: Iterable[dict[str, Any]]) -> None:
    """CSV as dumps write it: a header row, UTF-8, CRLF line ends, times in KST (ISO 8601),
    null as an empty cell, lists and objects as JSON text, and text printable and safe to open
    in a spreadsheet (`sijeong.printable.csv_cell`)."""
    writer = csv.writer(sys.stdout)
    writer.writerow(names)
    for row in rows:
        writer.writerow([csv_cell(row.get(name)) for name in names])


CHANGE_CSV = ("at", "kind", "board_id", "seq", "version", "title", "run_id")


def print_changes_csv(entries: Sequence[ChangeEntry]) -> None:
    print_csv(CHANGE_CSV, ({**e.to_json(), "version": e.version} for e in entries))


HISTORY_CSV = (
    "at",
    "kind",
    "version",
    "changed",
    "content_hash",
    "files",
    "title",
    "count",
    "run_id",
)


def print_history_csv(history: History) -> None:
    """One row per version ("version"), status event (its kind) and view count ("views"), in
    time order."""
    from archive.views import VersionEntry

    rows: list[tuple[datetime, dict[str, Any]]] = []
    for entry in history.timeline():
        if isinstance(entry, VersionEntry):
            data = entry.to_json()
            at = entry.captured_at
            rows.append((at, {**data, "at": data["captured_at"], "kind": "version",
                              "title": entry.title, "run_id": entry.run_id}))  # fmt: skip
        else:
            rows.append((entry.at, entry.to_json()))
    for count in history.view_counts:
        rows.append((count.observed_at, {**count.to_json(), "at": count.to_json()["observed_at"],
                                         "kind": "views"}))  # fmt: skip
    rows.sort(key=lambda pair: pair[0])  # stable: a version, then its events, then its views
    print_csv(HISTORY_CSV, (row for _, row in rows))


def print_runs_csv(runs: Sequence[CrawlRun]) -> None:
    from archive.views import RUN_KEYS, run_json

    print_csv(RUN_KEYS, (run_json(run) for run in runs))


DIFF_STYLES = {"+++": "bold", "---": "bold", "@@": "cyan", "+": "green", "-": "red"}


def print_diff(result: VersionDiff) -> None:
    """The diff, coloured on a terminal and plain when piped."""
    out = console()
    lines = [printable(line, lines=True) for line in result.lines]
    if not out.is_terminal:
        for line in lines:
            click.echo(line)
        return
    for line in lines:
        style = next((s for prefix, s in DIFF_STYLES.items() if line.startswith(prefix)), "")
        out.print(Text(line, style=style), soft_wrap=True)


def print_check(report: CheckReport, what: str) -> None:
    """`db check`'s table, each failed check's examples, and the verdict."""
    from archive.check import counted  # db commands' modules load when they run

    out = console()
    table = Table(title=what, title_justify="left", box=box.SIMPLE_HEAD)
    for name in ("check", "result", "checked"):
        table.add_column(name, overflow="fold")
    for check in report.checks:
        result = (
            Text("ok", "green") if check.ok else Text(counted(check.problems, "problem"), "red")
        )
        table.add_row(check.name, result, check.checked)
    out.print(table)
    for check in report.checks:
        for example in check.examples:
            out.print(
                Text.assemble((f"{check.name}: ", "bold"), printable(example)), soft_wrap=True
            )
        if check.problems > len(check.examples):
            out.print(f"{check.name}: … {check.problems - len(check.examples):,} more")
    if report.ok:
        out.print(f"ok: {len(report.checks)} checks passed")
    else:
        failed = sum(not check.ok for check in report.checks)
        out.print(
            f"{counted(report.problems, 'problem')} in {failed} of {len(report.checks)} checks"
        )


def print_backup(result: BackupResult) -> None:
    """What `db backup` copied, once the copy passed its check."""
    from archive.check import counted  # db commands' modules load when they run

    copied = result.copied
    shown = ("posts", "post_versions", "captures", "files", "crawl_runs")
    tables = ", ".join(f"{copied.rows.get(name, 0):,} {name}" for name in shown)
    click.echo(
        f"{result.source} → {result.path}: {counted(sum(copied.rows.values()), 'row')}, "
        f"{counted(result.database_bytes, 'byte')} ({tables})"
    )
    linked = ""
    if result.previous is not None:
        linked = (
            f", linked {copied.linked:,} ({counted(copied.linked_bytes, 'byte')}) "
            f"from {result.previous}"
        )
    click.echo(
        f"store → {result.store}: {counted(copied.files, 'file')} "
        f"({counted(copied.files_bytes, 'byte')}), {counted(copied.warcs, 'WARC file')} "
        f"({counted(copied.warc_bytes, 'byte')}); copied {copied.copied:,} "
        f"({counted(copied.copied_bytes, 'byte')}){linked}"
    )
    for run in copied.interrupted:
        click.echo(f"run {run} was running: interrupted in the copy")
    for run, count in copied.cut.items():
        click.echo(f"run {run}: {counted(count, 'byte')} past its last indexed record cut")
    click.echo(f"verified: {len(result.report.checks)} checks passed")


def print_copy(result: CopyResult) -> None:
    """What `db copy` copied; a copy that fails `db check` prints its problems and fails."""
    from archive.check import counted  # db commands' modules load when they run
    from archive.storage import Store

    click.echo(
        f"{result.source} → {result.target}: {counted(result.rows, 'row')} in "
        f"{len(result.tables)} tables, row counts and content hashes equal"
    )
    stored = result.store
    click.echo(
        f"store {result.source_store} → {result.target_store}: "
        f"{counted(stored.files, 'file')} ({counted(stored.files_bytes, 'byte')}), "
        f"{counted(stored.warcs, 'WARC file')} ({counted(stored.warc_bytes, 'byte')})"
    )
    click.echo(f"search index rebuilt: {counted(result.indexed, 'version')}")
    if stored.damaged:
        click.echo(
            f"damaged in the source: {counted(len(stored.damaged), 'file')} whose bytes miss "
            f"their sha256, copied as they are (`sijeong db check --deep` names them), e.g. "
            f"{stored.damaged[0]}",
            err=True,
        )
    if not result.report.ok:
        echo_problems(result.report)
        raise click.ClickException(
            f"the copy is complete but fails db check "
            f"({counted(result.report.problems, 'problem')}); run "
            f"`sijeong db check --db {result.target}`"
        )
    click.echo(f"db check on the copy: {len(result.report.checks)} checks passed")
    if result.target_store != Store.for_archive(result.target_url).root:
        click.echo(f"use it with SIJEONG_DB={result.target} SIJEONG_STORE={result.target_store}")


def echo_problems(report: CheckReport) -> None:
    """Each failed check's examples, one line each, on stderr."""
    for check in report.checks:
        for example in check.examples:
            click.echo(printable(f"{check.name}: {example}"), err=True)
